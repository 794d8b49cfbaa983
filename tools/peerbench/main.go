// Command peerbench measures federation: one instance harvesting another
// through its change feed, on loopback, each in its own process. The
// upstream (this command run with -upstream, started by the downstream)
// stores a synthetic national set of -lieux lieux (internal/synth) in
// SQLite and serves its feed; the downstream harvests it as a peer
// source into its own SQLite and publishes. It measures, on both sides:
// the snapshot (wall time, CPU time, peak resident memory); a poll with
// nothing new (requests, changes and lieux sent, CPU time on each side);
// and -changed of the lieux edited upstream reaching the downstream
// publication (time, against the snapshot's).
//
//	go run ./tools/peerbench -lieux 120000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/maillage/maillage/api"
	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/internal/synth"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
)

func main() {
	n := flag.Int("lieux", 120000, "lieux the upstream publishes")
	seed := flag.Uint64("seed", 1, "seed of the synthetic set")
	page := flag.Int("page", 1000, "changes per request of the feed")
	changed := flag.Float64("changed", 0.01, "fraction of the lieux edited upstream for the incremental poll")
	upstream := flag.Bool("upstream", false, "be the upstream (started by the downstream)")
	flag.Parse()
	ctx := context.Background()
	var err error
	if *upstream {
		err = serveUpstream(ctx, *n, *seed)
	} else {
		err = downstream(ctx, *n, *seed, *page, *changed)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "peerbench:", err)
		os.Exit(1)
	}
}

// usage is what a process used: CPU time (user and system) and its peak
// resident memory since the last reset.
type usage struct {
	CPU     time.Duration `json:"cpu"`
	PeakRSS int64         `json:"peak_rss"` // bytes
}

func current() usage {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return usage{CPU: cpu, PeakRSS: peakRSS()}
}

// peakRSS is VmHWM from /proc/self/status.
func peakRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeak makes VmHWM start again from the current resident memory.
func resetPeak() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// counters are what the upstream's feed served since the last reset.
type counters struct {
	mu       sync.Mutex
	Requests int   `json:"requests"`
	Changes  int   `json:"changes"`
	Lieux    int   `json:"lieux"`
	Bytes    int64 `json:"bytes"`
	start    usage
	Usage    usage `json:"usage"` // CPU since the reset, peak RSS since the reset
}

func (c *counters) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Requests, c.Changes, c.Lieux, c.Bytes = 0, 0, 0, 0
	resetPeak()
	c.start = current()
}

func (c *counters) count(body []byte) {
	var page struct {
		Changes []struct {
			Lieu json.RawMessage `json:"lieu"`
		} `json:"changes"`
	}
	json.Unmarshal(body, &page)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Requests++
	c.Changes += len(page.Changes)
	for _, ch := range page.Changes {
		if len(ch.Lieu) > 0 {
			c.Lieux++
		}
	}
	c.Bytes += int64(len(body))
}

// serveUpstream stores the synthetic set, serves the feed on a free
// loopback port (written on stdout), counts what it serves, and edits a
// fraction of its lieux on POST /bench/change?fraction=F.
func serveUpstream(ctx context.Context, n int, seed uint64) error {
	st, dir, err := tempStore(ctx, "peerbench-up-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer st.Close()
	lieux := synth.PublishedLieux(n, seed)
	for i := range lieux {
		lieux[i].Provenance = map[string]store.RecordRef{"nom": {Source: "synth", RecordKey: lieux[i].Lieu.ID}}
	}
	if _, err := st.SaveLieux(ctx, store.LieuSet{Lieux: lieux}, time.Now()); err != nil {
		return err
	}
	srv := api.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Refresh(ctx); err != nil {
		return err
	}
	c := &counters{}
	feed := srv.Handler()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/changes", func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept-Encoding") // counted as sent: no gzip
		rec := &recorder{ResponseWriter: w}
		feed.ServeHTTP(rec, r)
		c.count(rec.body)
	})
	mux.HandleFunc("GET /bench/stats", func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		now := current()
		c.Usage = usage{CPU: now.CPU - c.start.CPU, PeakRSS: now.PeakRSS}
		b, _ := json.Marshal(c)
		c.mu.Unlock()
		w.Write(b)
	})
	mux.HandleFunc("POST /bench/reset", func(w http.ResponseWriter, r *http.Request) { c.reset() })
	mux.HandleFunc("POST /bench/change", func(w http.ResponseWriter, r *http.Request) {
		fraction, _ := strconv.ParseFloat(r.URL.Query().Get("fraction"), 64)
		step := max(1, int(1/fraction))
		edited := 0
		for i := 0; i < len(lieux); i += step {
			lieux[i].Lieu.Nom += " (modifié)"
			edited++
		}
		if _, err := st.SaveLieux(r.Context(), store.LieuSet{Lieux: lieux}, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if err := srv.Refresh(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, edited)
	})
	mux.Handle("/", feed)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	c.reset()
	return http.Serve(ln, mux)
}

// recorder passes a response on and keeps its body.
type recorder struct {
	http.ResponseWriter
	body []byte
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body = append(r.body, b...)
	return r.ResponseWriter.Write(b)
}

// downstream starts the upstream, harvests it three times (snapshot, a
// poll with nothing new, a poll after an edit of a fraction of the lieux)
// and prints what each cost on both sides.
func downstream(ctx context.Context, n int, seed uint64, page int, changed float64) error {
	up := exec.Command(os.Args[0], "-upstream", "-lieux", strconv.Itoa(n), "-seed", strconv.FormatUint(seed, 10))
	up.Stderr = os.Stderr
	out, err := up.StdoutPipe()
	if err != nil {
		return err
	}
	fmt.Printf("upstream: storing %d synthetic lieux…\n", n)
	if err := up.Start(); err != nil {
		return err
	}
	defer up.Process.Kill()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("the upstream did not start: %w", err)
	}
	base := "http://" + strings.TrimSpace(addr)
	st, dir, err := tempStore(ctx, "peerbench-down-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer st.Close()
	cfgPath := filepath.Join(dir, "maillage.yaml")
	yaml := fmt.Sprintf("sources:\n  - name: national\n    kind: peer\n    location: %s\n    peer:\n      page_size: %d\n", base, page)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		return err
	}
	cfg, err := config.Load(cfgPath, func(string) string { return "" })
	if err != nil {
		return err
	}
	p := pipeline.New(st, harvest.New(harvest.Options{MaxBytes: 1 << 30}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	step := func(name string) (time.Duration, error) {
		post(base + "/bench/reset")
		resetPeak()
		before := current()
		start := time.Now()
		res, err := p.Run(ctx, cfg, pipeline.Options{})
		took := time.Since(start)
		if err != nil {
			return took, err
		}
		after := current()
		var upStats counters
		if err := getJSON(base+"/bench/stats", &upStats); err != nil {
			return took, err
		}
		run := res.Sources[0]
		fmt.Printf("\n%s: %s, %s (fetched %d, normalised %d, lieux %d: %d created, %d updated)\n", name, took.Round(time.Millisecond), run.Status,
			run.Fetched, run.Normalised, res.Lieux.Total, res.Lieux.Created, res.Lieux.Updated)
		fmt.Printf("  downstream: CPU %s, peak RSS %d MiB\n", (after.CPU - before.CPU).Round(time.Millisecond), after.PeakRSS>>20)
		fmt.Printf("  upstream:   %d requests, %d changes, %d lieux, %.1f MB sent; CPU %s, peak RSS %d MiB\n", upStats.Requests, upStats.Changes,
			upStats.Lieux, float64(upStats.Bytes)/1e6, upStats.Usage.CPU.Round(time.Millisecond), upStats.Usage.PeakRSS>>20)
		if run.Status == "failed" {
			return took, fmt.Errorf("%s: %s", name, run.Error)
		}
		return took, nil
	}
	snapshot, err := step("snapshot")
	if err != nil {
		return err
	}
	if _, err := step("a poll with nothing new"); err != nil {
		return err
	}
	edited, err := post(fmt.Sprintf("%s/bench/change?fraction=%g", base, changed))
	if err != nil {
		return err
	}
	fmt.Printf("\nupstream: %s lieux edited\n", edited)
	incremental, err := step(fmt.Sprintf("%g %% changed", changed*100))
	if err != nil {
		return err
	}
	fmt.Printf("\nthe changes reached the downstream publication in %.1f %% of the snapshot's time\n", 100*incremental.Seconds()/snapshot.Seconds())
	return nil
}

// tempStore opens a SQLite store in a new temporary directory.
func tempStore(ctx context.Context, prefix string) (store.Store, string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, "", err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "m.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	return st, dir, nil
}

func post(u string) (string, error) {
	res, err := http.Post(u, "", nil)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("POST %s: %d %s", u, res.StatusCode, b)
	}
	return string(b), nil
}

func getJSON(u string, v any) error {
	res, err := http.Get(u)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}
