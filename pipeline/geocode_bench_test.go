package pipeline_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo/geocodertest"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// geocodeBenchSource writes one record without coordinates per address
// the fake knows (962 real queries from the corpus, their real answers:
// most at address level, some only at commune level); rev changes every
// record's date so the run re-normalises them all.
func geocodeBenchSource(tb testing.TB, f *geocodertest.Fake, dir string, rev int) int {
	tb.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.Write([]string{"id", "nom", "adresse", "code_postal", "commune", "date_maj"})
	entries := f.Entries()
	for i, e := range entries {
		w.Write([]string{fmt.Sprint("b-", i), fmt.Sprint("Lieu ", i), e.QueryAddress, e.QueryPostcode, e.QueryCity, fmt.Sprintf("2024-01-%02d", 1+rev%28)})
	}
	w.Flush()
	if err := os.WriteFile(filepath.Join(dir, "lieux.csv"), []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return len(entries)
}

// BenchmarkGeocoding measures a sync of records that all need geocoding,
// against the fake geocoder: with an empty cache (every address asked in
// one /search/csv batch, misses asked again at commune level), with a
// warm cache (records changed, addresses not: zero calls), and with the
// geocoder off as the baseline.
func BenchmarkGeocoding(b *testing.B) {
	for _, mode := range []string{"cold", "warm", "off"} {
		b.Run(mode, func(b *testing.B) {
			f, srv := geocodertest.Start()
			defer srv.Close()
			dir := b.TempDir()
			cfg := &config.Config{Dir: dir, Sources: []config.Source{{Source: harvest.Source{Name: "hub", Kind: "file", Location: "lieux.csv"}}}}
			n := geocodeBenchSource(b, f, dir, 0)
			var st store.Store
			if mode == "warm" {
				st = openStore(b)
				run(b, st, cfg, srv.URL, false)
			}
			rev, before := 0, f.Calls("")
			for b.Loop() {
				b.StopTimer()
				rev++
				geocodeBenchSource(b, f, dir, rev)
				if mode != "warm" {
					st = openStore(b)
				}
				b.StartTimer()
				run(b, st, cfg, srv.URL, mode == "off")
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(f.Calls("")-before)/float64(b.N), "calls/op")
		})
	}
}

func run(tb testing.TB, st store.Store, cfg *config.Config, url string, off bool) {
	tb.Helper()
	p := newPipeline(st, cfg)
	if !off {
		p.Placer = placerFor(url)
	}
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil || rep.Sources[0].Status != store.RunOK {
		tb.Fatalf("run: %v %+v", err, rep.Sources[0].SourceRun)
	}
}
