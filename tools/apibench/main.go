// Command apibench measures the public read API under load, on a
// synthetic national set: it stores about -lieux lieux (SQLite, or
// PostgreSQL with -pg), serves them with maillage's API on loopback, and
// for each query kind (nearest 20 within 10 km of a city, a city's box
// with limit 100, two enumerated fields and « open now ») sends -rate
// requests a second for -duration (open loop: latency counts from when
// each request was due), then as many as -concurrency clients can
// (saturation). With -target, the box queries also go to another OGC API
// (pg_featureserv over the same PostGIS data) for a side-by-side figure.
// With -serve, it only stores and serves (to run the server in its own
// process, on its own core); with -url, it only loads a server started
// so, from the same synthetic set.
//
//	go run ./tools/apibench -lieux 120000
//	go run ./tools/apibench -lieux 120000 -pg postgres://… -target http://127.0.0.1:9000 -collection public.lieux_gis
//	taskset -c 0 apibench -serve 127.0.0.1:8090 & taskset -c 1 apibench -url http://127.0.0.1:8090
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/maillage/maillage/api"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/internal/synth"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/postgres"
	"github.com/maillage/maillage/store/sqlite"
)

func main() {
	n := flag.Int("lieux", 120000, "lieux to generate")
	seed := flag.Uint64("seed", 1, "seed of the synthetic set")
	rate := flag.Int("rate", 1000, "requests a second, open loop")
	duration := flag.Duration("duration", 10*time.Second, "time of each open-loop and saturation run")
	concurrency := flag.Int("concurrency", 32, "clients of the saturation runs")
	pg := flag.String("pg", "", "PostgreSQL URL to store the lieux in (else a temporary SQLite file)")
	target := flag.String("target", "", "base URL of another OGC API to send the box queries to")
	collection := flag.String("collection", "public.lieux_gis", "its collection")
	cpuProfile := flag.String("cpuprofile", "", "write the CPU profile of the load runs to this file")
	only := flag.String("only", "", "run only the query kinds whose name holds this text")
	serveAddr := flag.String("serve", "", "only store the set and serve it at this address, until interrupted")
	tilesOnly := flag.Bool("tiles", false, "time vector tiles (zooms 5, 9, 13, cold and cached; the z0–z12 pyramid) instead of the queries")
	base := flag.String("url", "", "only load the maillage API at this base URL (started with -serve, same -lieux and -seed)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "apibench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	onlyKinds = *only
	r := runner{n: *n, seed: *seed, rate: *rate, duration: *duration, concurrency: *concurrency, pg: *pg, target: *target,
		collection: *collection, serveAddr: *serveAddr, base: *base, tiles: *tilesOnly}
	if err := r.run(); err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// onlyKinds filters the query kinds run (-only).
var onlyKinds string

// runner holds the flags of a run.
type runner struct {
	n                      int
	seed                   uint64
	rate, concurrency      int
	duration               time.Duration
	pg, target, collection string
	serveAddr, base        string
	tiles                  bool
}

func (r runner) run() error {
	ctx := context.Background()
	lieux := synth.PublishedLieux(r.n, r.seed)
	n := len(lieux)
	cities, service := biggestCities(lieux, 20), lieux[0].Lieu.Services[0]
	var points []orb.Point // the lieux' points, for the tiles to time
	for _, l := range lieux {
		if lon, lat, ok := l.Lieu.Point(); ok {
			points = append(points, orb.Point{lon, lat})
		}
	}
	base := r.base
	if base == "" {
		st, err := openStore(ctx, r.pg)
		if err != nil {
			return err
		}
		defer st.Close()
		start := time.Now()
		if _, err := st.SaveLieux(ctx, store.LieuSet{Lieux: lieux}, time.Now()); err != nil {
			return fmt.Errorf("saving %d lieux: %w", len(lieux), err)
		}
		fmt.Printf("stored %d lieux in %.1f s\n", len(lieux), time.Since(start).Seconds())
		lieux = nil // what the server holds is measured, not the generator's copy
		var heap float64
		var built time.Duration
		if base, heap, built, err = serve(ctx, st, r.serveAddr); err != nil {
			return err
		}
		fmt.Printf("read model: %d lieux, built in %.2f s, %.0f MB of heap; a full collection of the serving heap takes %.1f ms\n\n",
			n, built.Seconds(), heap/(1<<20), collection().Seconds()*1000)
		if r.serveAddr != "" {
			fmt.Println("serving at", base)
			select {}
		}
	}
	rate, duration, concurrency, target, collection := r.rate, r.duration, r.concurrency, r.target, r.collection
	kinds := queryKinds(base, cities, service)
	if target != "" {
		kinds = append(kinds, kind{"box of a city, limit 100 — " + target, boxURLs(target+"/collections/"+collection+"/items", cities)})
	}
	// no gzip asked, as wrk and most load tools: the figures are the server's, not zlib's
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512, DisableCompression: true}, Timeout: 30 * time.Second}
	if r.tiles {
		runTiles(client, base, points)
		return nil
	}
	var warm []string // a warm-up over every kind first: the build's garbage collected, the caches filled
	for _, k := range kinds {
		warm = append(warm, k.urls...)
	}
	closedLoop(client, warm, concurrency, 3*time.Second)
	fmt.Println("| query | open loop: rate · p50 · p99 · max · errors | saturation: req/s · p50 · p99 |")
	fmt.Println("|---|---|---|")
	for _, k := range kinds {
		if !strings.Contains(k.name, onlyKinds) {
			continue
		}
		open := openLoop(client, k.urls, rate, duration)
		sat := closedLoop(client, k.urls, concurrency, duration)
		fmt.Printf("| %s | %d/s · %s · %s · %s · %d | %.0f · %s · %s |\n", k.name, rate, ms(open.p(50)), ms(open.p(99)), ms(open.p(100)), open.errors,
			sat.throughput, ms(sat.p(50)), ms(sat.p(99)))
	}
	return nil
}

func openStore(ctx context.Context, pg string) (store.Store, error) {
	if pg != "" {
		return postgres.Open(ctx, pg, postgres.Options{})
	}
	dir, err := os.MkdirTemp("", "apibench-")
	if err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, filepath.Join(dir, "m.db"))
}

// serve starts the API at addr (a free loopback port when empty) and
// returns its base URL, the heap its read model takes and the time it
// took to build.
func serve(ctx context.Context, st store.Store, addr string) (string, float64, time.Duration, error) {
	srv := api.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	before := liveHeap()
	start := time.Now()
	if err := srv.Refresh(ctx); err != nil {
		return "", 0, 0, err
	}
	built := time.Since(start)
	heap := liveHeap() - before
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", 0, 0, err
	}
	mux := http.NewServeMux() // the API, and the Go profiles of the serving process under /debug/pprof/
	mux.Handle("/", srv.Handler())
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	go http.Serve(ln, mux)
	return "http://" + ln.Addr().String(), heap, built, nil
}

// collection is the median time of five full garbage collections: what
// marking the live heap (mostly the read model) costs.
func collection() time.Duration {
	var times []time.Duration
	for range 5 {
		start := time.Now()
		runtime.GC()
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[2]
}

func liveHeap() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc)
}

type kind struct {
	name string
	urls []string
}

// biggestCities are the communes holding the most lieux.
func biggestCities(lieux []store.PublishedLieu, k int) []*geo.Commune {
	count := map[string]int{}
	for _, l := range lieux {
		count[l.Lieu.CodeINSEE]++
	}
	codes := make([]string, 0, len(count))
	for c := range count {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		return count[codes[i]] > count[codes[j]] || count[codes[i]] == count[codes[j]] && codes[i] < codes[j]
	})
	var out []*geo.Commune
	for _, code := range codes {
		if c, ok := geo.Communes().Commune(code); ok && c.Centre != nil {
			out = append(out, c)
		}
		if len(out) == k {
			break
		}
	}
	return out
}

func queryKinds(base string, cities []*geo.Commune, service string) []kind {
	items := base + "/collections/lieux/items"
	var near, filtered, filteredNear []string
	for _, c := range cities {
		near = append(near, fmt.Sprintf("%s?near=%.5f,%.5f&radius=10000&limit=20", items, c.Centre.Lon, c.Centre.Lat))
		filteredNear = append(filteredNear, fmt.Sprintf("%s?near=%.5f,%.5f&radius=10000&limit=20&services=%s&frais=gratuit&ouvert_maintenant=true",
			items, c.Centre.Lon, c.Centre.Lat, urlValue(service)))
	}
	for _, dep := range []string{"05", "13", "33", "59", "69", "75", "93", "974"} {
		filtered = append(filtered, fmt.Sprintf("%s?departement=%s&services=%s&frais=gratuit&ouvert_maintenant=true&limit=100", items, dep, urlValue(service)))
	}
	filtered = append(filtered, fmt.Sprintf("%s?services=%s&frais=gratuit&ouvert_maintenant=true&limit=100", items, urlValue(service)))
	return []kind{
		{"nearest 20 within 10 km of a city", near},
		{"box of a city, limit 100 — maillage", boxURLs(items, cities)},
		{"two enums + open now, by département and nationwide, limit 100", filtered},
		{"two enums + open now near a city, nearest 20", filteredNear},
	}
}

func urlValue(s string) string { return url.QueryEscape(s) }

// boxURLs asks each city's box (about 4 × 4 km) with limit 100.
func boxURLs(items string, cities []*geo.Commune) []string {
	var out []string
	for _, c := range cities {
		out = append(out, fmt.Sprintf("%s?bbox=%.5f,%.5f,%.5f,%.5f&limit=100", items, c.Centre.Lon-0.03, c.Centre.Lat-0.02, c.Centre.Lon+0.03, c.Centre.Lat+0.02))
	}
	return out
}

// result holds a run's latencies.
type result struct {
	latencies  []time.Duration
	errors     int64
	throughput float64
}

func (r *result) p(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	slices.Sort(r.latencies)
	i := int(q / 100 * float64(len(r.latencies)-1))
	return r.latencies[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// openLoop sends rate requests a second for d, each timed from when it
// was due (a slow answer delays no later request's clock).
func openLoop(client *http.Client, urls []string, rate int, d time.Duration) *result {
	total := int(float64(rate) * d.Seconds())
	res := &result{latencies: make([]time.Duration, total)}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		time.Sleep(time.Until(due))
		wg.Go(func() {
			if err := fetch(client, urls[i%len(urls)]); err != nil {
				atomic.AddInt64(&res.errors, 1)
			}
			res.latencies[i] = time.Since(due)
		})
	}
	wg.Wait()
	return res
}

// closedLoop runs c clients back to back for d.
func closedLoop(client *http.Client, urls []string, c int, d time.Duration) *result {
	res := &result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for w := range c {
		wg.Go(func() {
			var mine []time.Duration
			for i := w; time.Now().Before(stop); i += c {
				t := time.Now()
				if err := fetch(client, urls[i%len(urls)]); err != nil {
					atomic.AddInt64(&res.errors, 1)
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			res.latencies = append(res.latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.throughput = float64(len(res.latencies)) / d.Seconds()
	return res
}

func fetch(client *http.Client, u string) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d", u, resp.StatusCode)
	}
	return nil
}
