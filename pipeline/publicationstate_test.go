package pipeline_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// twoSources is the example configuration cut to two sources: the PACA
// places in two schema versions, which dedup merges.
func twoSources(t *testing.T) *config.Config {
	t.Helper()
	cfg := exampleConfig(t)
	var keep []config.Source
	for _, src := range cfg.Sources {
		if src.Name == "paca-2023-05-17" || src.Name == "paca-2023-05-16" {
			keep = append(keep, src)
		}
	}
	cfg.Sources = keep
	return cfg
}

// TestNewProcessOnAnUnchangedStore: a pipeline started on a store whose
// last publication was made of the same inputs (a new `maillage sync`
// process, nothing changed) neither deduplicates nor saves again, and
// reports what the first reported; the files of that publication are not
// written again, and the data package still describes them. Another
// dedup configuration, a verdict or another build publishes again.
func TestNewProcessOnAnUnchangedStore(t *testing.T) {
	ctx := context.Background()
	cfg := twoSources(t)
	st := openStore(t)
	out := t.TempDir()
	first := syncInto(t, newPipeline(st, cfg), cfg, out)
	if _, ok := first.Report.Timings["dedup"]; !ok {
		t.Fatal("the first run did not deduplicate")
	}
	before := modTimes(t, out)
	time.Sleep(20 * time.Millisecond) // a file written again would get another time

	again := syncInto(t, newPipeline(st, cfg), cfg, out)
	if _, ok := again.Report.Timings["dedup"]; ok {
		t.Error("a new process on an unchanged store deduplicated again")
	}
	a, b := first.Report.Lieux, again.Report.Lieux
	if b.Total != a.Total || b.Unchanged != a.Total || b.Created+b.Updated+b.Deleted != 0 || b.Review != a.Review {
		t.Errorf("lieux: %+v after %+v", b, a)
	}
	if again.Report.Totals != first.Report.Totals {
		t.Errorf("totals %+v, the first run's %+v", again.Report.Totals, first.Report.Totals)
	}
	for i, s := range again.Report.Sources {
		f := first.Report.Sources[i]
		if s.Current != f.Current || !reflect.DeepEqual(s.Fixes, f.Fixes) || !reflect.DeepEqual(s.QuarantineReasons, f.QuarantineReasons) ||
			!reflect.DeepEqual(s.QuarantinedRecords, f.QuarantinedRecords) || !reflect.DeepEqual(s.WarnedRecords, f.WarnedRecords) {
			t.Errorf("%s: the accounting differs from the first run's", s.Source)
		}
	}
	if after := modTimes(t, out); !reflect.DeepEqual(after, before) {
		t.Errorf("the publication's files were written again: %v, before %v", after, before)
	}
	checkDataPackage(t, out)

	t.Run("another dedup configuration", func(t *testing.T) {
		other := *cfg
		other.Dedup.MergeAt = cfg.Dedup.MergeAt - 0.01
		republishes(t, newPipeline(st, &other), &other, out)
	})
	t.Run("a verdict", func(t *testing.T) {
		recs, err := st.ActiveRecords(ctx)
		if err != nil || len(recs) < 2 {
			t.Fatal(err)
		}
		d := store.Decision{A: store.RecordRef{Source: recs[0].Source, RecordKey: recs[0].RecordKey},
			B: store.RecordRef{Source: recs[1].Source, RecordKey: recs[1].RecordKey}, Same: false, DecidedAt: time.Now()}
		if err := st.SaveDecision(ctx, d); err != nil {
			t.Fatal(err)
		}
		republishes(t, newPipeline(st, cfg), cfg, out)
	})
	t.Run("another build", func(t *testing.T) {
		p := newPipeline(st, cfg)
		p.Build = "another build"
		republishes(t, p, cfg, out)
	})
}

func syncInto(t *testing.T, p *pipeline.Pipeline, cfg *config.Config, out string) *pipeline.Result {
	t.Helper()
	res, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WriteFiles(context.Background(), out, res); err != nil {
		t.Fatal(err)
	}
	return res
}

func republishes(t *testing.T, p *pipeline.Pipeline, cfg *config.Config, out string) {
	t.Helper()
	res := syncInto(t, p, cfg, out)
	if _, ok := res.Report.Timings["dedup"]; !ok {
		t.Error("not published again")
	}
	checkDataPackage(t, out)
}

func modTimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, name := range []string{pipeline.FileLieuxCSV, pipeline.FileLieuxGeoJSON, pipeline.FileLieuxParquet, pipeline.FileLieuxXLSX, pipeline.FileProvenance} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = st.ModTime()
	}
	return out
}

// checkDataPackage: every file the data package lists has the size and
// digest it says.
func checkDataPackage(t *testing.T, dir string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, pipeline.FileDataPackage))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Resources []struct {
			Path  string `json:"path"`
			Bytes int64  `json:"bytes"`
			Hash  string `json:"hash"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil || len(pkg.Resources) == 0 {
		t.Fatalf("datapackage.json: %v", err)
	}
	for _, r := range pkg.Resources {
		n, sum, err := exporters.FileDigest(filepath.Join(dir, r.Path))
		if err != nil || n != r.Bytes || "sha256:"+sum != r.Hash && sum != r.Hash {
			t.Errorf("%s: %d bytes %s, the data package says %d %s (%v)", r.Path, n, sum, r.Bytes, r.Hash, err)
		}
	}
}
