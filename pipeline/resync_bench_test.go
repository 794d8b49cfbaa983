package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/geo/geocodertest"
	"github.com/maillage/maillage/pipeline"
)

// BenchmarkResyncCorpus syncs the whole reference corpus (one file source
// per data file, the fake geocoder answering) into an empty store, then
// edits one record in a hundred in every file and syncs again with the
// same pipeline (as serve does). Each sync is timed whole: harvest,
// normalise, geocode, store, merge, publish and write the open-data
// files. resync-% is the second sync's time as a share of the first's;
// the -s metrics split the second sync into its harvests (all sources),
// its publication and its files.
func BenchmarkResyncCorpus(b *testing.B) {
	root, files := corpusFiles(b)
	dir := b.TempDir()
	cfg := corpusConfig(b, root, dir, files)
	_, srv := geocodertest.Start()
	defer srv.Close()
	var first, second syncTimes
	var records, edited, normalised int
	for b.Loop() {
		b.StopTimer()
		copyCorpus(b, root, dir, files)
		p := newPipeline(openStore(b), cfg)
		p.Placer = &pipeline.Placer{Policy: geo.DefaultPolicy, RetryFailures: 24 * time.Hour,
			Geocoder: geo.NewGeocoder(geo.GeocoderOptions{BaseURL: srv.URL, Timeout: time.Minute, BatchSize: 5000})}
		b.StartTimer()
		rep := timedSync(b, p, cfg, &first)
		b.StopTimer()
		records, normalised = 0, 0
		for _, s := range rep.Sources {
			records += s.Fetched
		}
		edited = editCorpus(b, dir, files, 100)
		stop := profileResync(b)
		b.StartTimer()
		rep = timedSync(b, p, cfg, &second)
		b.StopTimer()
		stop()
		b.StartTimer()
		for _, s := range rep.Sources {
			normalised += s.Normalised
		}
	}
	n := float64(b.N)
	b.ReportMetric(first.total.Seconds()/n, "first-s")
	b.ReportMetric(second.total.Seconds()/n, "resync-s")
	b.ReportMetric(first.harvest.Seconds()/n, "first-harvest-s")
	b.ReportMetric(first.publish.Seconds()/n, "first-publish-s")
	b.ReportMetric(first.files.Seconds()/n, "first-files-s")
	b.ReportMetric(100*second.total.Seconds()/first.total.Seconds(), "resync-%")
	b.ReportMetric(second.harvest.Seconds()/n, "resync-harvest-s")
	b.ReportMetric(second.publish.Seconds()/n, "resync-publish-s")
	b.ReportMetric(second.files.Seconds()/n, "resync-files-s")
	b.ReportMetric(float64(second.gcs)/n, "resync-gcs")
	b.ReportMetric(float64(second.allocated)/n/(1<<20), "resync-MB")
	b.ReportMetric(float64(records), "records")
	b.ReportMetric(float64(edited), "edited")
	b.ReportMetric(float64(normalised), "renormalised")
}

// profileResync profiles the second sync: its CPU into the file
// MAILLAGE_RESYNC_CPUPROFILE names, its allocations into the file
// MAILLAGE_RESYNC_MEMPROFILE names (the heap profiles before and after
// it, the first with the suffix .base: go tool pprof -base). The returned
// func ends the profiles.
func profileResync(b *testing.B) func() {
	if path := os.Getenv("MAILLAGE_RESYNC_MEMPROFILE"); path != "" {
		writeHeapProfile(b, path+".base")
		return func() { writeHeapProfile(b, path) }
	}
	path := os.Getenv("MAILLAGE_RESYNC_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func writeHeapProfile(b *testing.B, path string) {
	runtime.GC() // the profile holds the allocations up to the last collection
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
}

// syncTimes adds up where syncs spend their time, and the collections
// and allocations they cause.
type syncTimes struct {
	total, harvest, publish, files time.Duration
	gcs                            int
	allocated                      uint64
}

// timedSync runs one sync and writes its files, adding its times to t.
func timedSync(b *testing.B, p *pipeline.Pipeline, cfg *config.Config, t *syncTimes) *pipeline.Report {
	clock := &stageClock{at: map[string]time.Time{}}
	p.Progress = clock
	defer func() { p.Progress = nil }()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	gcs, allocated := mem.NumGC, mem.TotalAlloc
	start := time.Now()
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ran := time.Since(start)
	if err := p.WriteFiles(context.Background(), b.TempDir(), rep); err != nil {
		b.Fatal(err)
	}
	t.total += time.Since(start)
	runtime.ReadMemStats(&mem)
	t.gcs += int(mem.NumGC - gcs)
	t.allocated += mem.TotalAlloc - allocated
	t.files += time.Since(start) - ran
	t.harvest += clock.took
	t.publish += ran - clock.took
	return rep.Report
}

// stageClock adds up the time sources spend being harvested (sources are
// harvested one after the other in a run).
type stageClock struct {
	took time.Duration
	at   map[string]time.Time
}

func (c *stageClock) Stage(source, _ string, _ int) {
	if _, ok := c.at[source]; !ok {
		c.at[source] = time.Now()
	}
}

func (c *stageClock) Done(source, _, _ string) {
	if at, ok := c.at[source]; ok {
		c.took += time.Since(at)
		delete(c.at, source)
	}
}

// corpusConfig is one file source per corpus file, read from dir.
func corpusConfig(b *testing.B, root, dir string, files []string) *config.Config {
	var y strings.Builder
	y.WriteString("harvest:\n  max_bytes: 67108864\nsources:\n")
	for i, f := range files {
		fmt.Fprintf(&y, "  - name: s%02d\n    kind: file\n    location: %q\n", i, f)
	}
	path := filepath.Join(dir, "maillage.yaml")
	if err := os.WriteFile(path, []byte(y.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

func copyCorpus(b testing.TB, root, dir string, files []string) {
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err == nil {
			err = os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f), raw, 0o644)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// editCorpus changes one letter of one value in every n-th record of each
// file (CSV rows; the elements of a JSON file's largest array of objects)
// and returns how many records it edited.
func editCorpus(b testing.TB, dir string, files []string, n int) int {
	edited := 0
	for _, f := range files {
		path := filepath.Join(dir, f)
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		var k int
		if strings.HasSuffix(strings.ToLower(f), ".csv") {
			k = editCSV(raw, n)
		} else {
			k = editJSON(raw, n)
		}
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			b.Fatal(err)
		}
		edited += k
	}
	return edited
}

// editCSV changes the first lowercase ASCII letter of every n-th line
// after the header.
func editCSV(raw []byte, n int) int {
	edited := 0
	for i, line := range bytes.Split(raw, []byte("\n")) {
		if i == 0 || i%n != n/2 {
			continue
		}
		if j := bytes.IndexFunc(line, func(r rune) bool { return r >= 'a' && r <= 'z' }); j >= 0 {
			line[j] = nextLetter(line[j])
			edited++
		}
	}
	return edited
}

func nextLetter(c byte) byte { return 'a' + (c-'a'+1)%26 }

// editJSON finds the array holding the most objects (the records) and,
// in every n-th of them, changes the last letter of the first string
// value ending in one (a GeoJSON "type" is structure, not data).
func editJSON(raw []byte, n int) int {
	counts := map[string]int{}
	walkJSON(raw, "", func(string, int, int64) {}, counts)
	best, most := "", 0
	for p, c := range counts {
		if c > most {
			best, most = p, c
		}
	}
	edited, last := 0, -1
	walkJSON(raw, best, func(key string, elem int, end int64) {
		if elem%n != n/2 || elem == last || key == "type" {
			return
		}
		if c := raw[end-2]; c >= 'a' && c <= 'z' && raw[end-3] != '\\' {
			raw[end-2], last = nextLetter(c), elem
			edited++
		}
	}, map[string]int{})
	return edited
}

// walkJSON counts, per array path, the objects directly in it, and calls
// fn for every string value inside an element of the array at records,
// with its key, the element's index and the offset past the value's
// closing quote.
func walkJSON(raw []byte, records string, fn func(key string, elem int, end int64), counts map[string]int) {
	type frame struct {
		path              string
		object, expectKey bool
		key               string
		n                 int
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	stack := []frame{{path: "$"}}
	elem, depth := -1, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		top := &stack[len(stack)-1]
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				path := top.path
				if top.object {
					path += "." + top.key
				} else if len(stack) > 1 {
					path += "[]"
				}
				if t == '{' && !top.object && len(stack) > 1 {
					counts[top.path]++
					if top.path == records && elem < 0 {
						elem, depth = top.n, len(stack)
					}
					top.n++
				}
				top.expectKey = true
				stack = append(stack, frame{path: path, object: t == '{', expectKey: true})
			default:
				stack = stack[:len(stack)-1]
				stack[len(stack)-1].expectKey = true
				if len(stack) == depth {
					elem, depth = -1, 0
				}
			}
		case string:
			if top.object && top.expectKey {
				top.key, top.expectKey = t, false
				continue
			}
			top.expectKey = true
			if elem >= 0 && len(t) > 1 {
				fn(top.key, elem, dec.InputOffset())
			}
		default:
			top.expectKey = true
		}
	}
}
