package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
)

// TestSourceQualityFiles: each source's quality report is published on
// its own, read back as written, and kept when a run harvests another
// source only; a source never harvested has none.
func TestSourceQualityFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte(goodCSV), 0o644)
	cfg := &config.Config{Dir: dir, Sources: []config.Source{
		{Source: harvest.Source{Name: "hub a", Kind: "file", Location: "a.csv"}},
		{Source: harvest.Source{Name: "../b/c", Kind: "file", Location: "a.csv"}},
	}}
	st := openStore(t)
	p := newPipeline(st, cfg)
	ctx := context.Background()
	out := t.TempDir()
	res, err := p.Run(ctx, cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WriteFiles(ctx, out, res); err != nil {
		t.Fatal(err)
	}
	first := map[string]int64{}
	for _, name := range []string{"hub a", "../b/c"} {
		q, ok, err := pipeline.ReadSourceQuality(out, name)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", name, ok, err)
		}
		if q.Source != name || q.Current.Records != 3 || q.Current.Quarantined != 1 || len(q.QuarantinedRecords) != 1 || q.QuarantinedRecords[0].Fields != nil {
			t.Errorf("%s: %+v", name, q)
		}
		first[name] = q.RunID
	}
	if entries, _ := os.ReadDir(filepath.Join(out, pipeline.DirSourceReports)); len(entries) != 2 {
		t.Errorf("%d files in %s, want 2 (a name with slashes stays in the directory)", len(entries), pipeline.DirSourceReports)
	}
	res, err = p.Run(ctx, cfg, pipeline.Options{Only: "hub a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WriteFiles(ctx, out, res); err != nil {
		t.Fatal(err)
	}
	a, _, _ := pipeline.ReadSourceQuality(out, "hub a")
	c, ok, _ := pipeline.ReadSourceQuality(out, "../b/c")
	if a.RunID == first["hub a"] || !ok || c.RunID != first["../b/c"] {
		t.Errorf("after a run of hub a only: hub a from run %d (was %d), ../b/c from %d (was %d)", a.RunID, first["hub a"], c.RunID, first["../b/c"])
	}
	if _, ok, err := pipeline.ReadSourceQuality(out, "nouvelle"); ok || err != nil {
		t.Errorf("a source never harvested: %v %v", ok, err)
	}
}
