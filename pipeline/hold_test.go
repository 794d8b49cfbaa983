package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// TestSafetyHolds: a harvest with far fewer records than the source's
// applied data, or with its columns renamed (all quarantined), is held:
// nothing changes, again on the next run, until --force applies it. The
// baseline is the applied data whatever ran since: runs that found the
// source unchanged (which fetch nothing) do not lower it.
func TestSafetyHolds(t *testing.T) {
	shrunk := strings.Join(strings.SplitN(goodCSV, "\n", 3)[:2], "\n") + "\n"
	// the names' column renamed and emptied: nothing says what the lieux
	// are called (a column only renamed is read by its values)
	renamed := strings.NewReplacer("id,pivot,nom,", "id,pivot,colonne_x,", "Médiathèque Jean Jaurès", "", "EPN du Marais", "",
		"Sans adresse", "").Replace(goodCSV)
	cases := []struct {
		name      string
		unchanged int // unchanged runs between the full harvest and the bad one
		body      string
		want      string
	}{
		{"a third of the rows", 0, shrunk, "held: 1 records, the source's applied data has 3 (below 50%)"},
		{"names gone", 0, renamed, "held: 3 of 3 records quarantined, the source's applied data has 1 of 3"},
		{"a third of the rows after an unchanged run", 1, shrunk, "held: 1 records, the source's applied data has 3 (below 50%)"},
		{"names gone after two unchanged runs", 2, renamed, "held: 3 of 3 records quarantined, the source's applied data has 1 of 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "flaky.csv")
			os.WriteFile(path, []byte(goodCSV), 0o644)
			cfg := &config.Config{Dir: dir, Harvest: config.Harvest{HoldBelow: 0.5},
				Sources: []config.Source{{Source: harvest.Source{Name: "flaky", Kind: "file", Location: "flaky.csv"}}}}
			st, p, before := synced(t, cfg)
			ctx := context.Background()
			published := writtenCSV(t, p, nil)
			for range c.unchanged {
				rep, err := p.Run(ctx, cfg, pipeline.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if s := rep.Sources[0]; s.Status != store.RunNotModified {
					t.Fatalf("unchanged run: status %s, want not_modified", s.Status)
				}
			}
			os.WriteFile(path, []byte(c.body), 0o644)
			for range 2 {
				rep, err := p.Run(ctx, cfg, pipeline.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if s := rep.Sources[0]; s.Status != store.RunHeld || !strings.Contains(s.Error, c.want) {
					t.Fatalf("status %s, %q; want held, %q", s.Status, s.Error, c.want)
				}
				if after := snapshot(t, st); after != before {
					t.Fatalf("a held harvest changed the published lieux")
				}
				if got := writtenCSV(t, p, nil); got != published {
					t.Fatalf("a held harvest changed lieux.csv:\n%s\n---\n%s", published, got)
				}
			}
			rep, err := p.Run(ctx, cfg, pipeline.Options{Only: "flaky", Force: true})
			if err != nil {
				t.Fatal(err)
			}
			if s := rep.Sources[0]; s.Status != store.RunOK || s.Deleted == 0 && s.Updated == 0 {
				t.Errorf("--force applies it: %+v", s.SourceRun)
			}
		})
	}
}

// writtenCSV writes the published files of a run's result (nil: from the
// store) and returns lieux.csv.
func writtenCSV(t *testing.T, p *pipeline.Pipeline, res *pipeline.Result) string {
	t.Helper()
	if res == nil {
		res = &pipeline.Result{Report: &pipeline.Report{}}
	}
	out := t.TempDir()
	if err := p.WriteFiles(context.Background(), out, res); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "lieux.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
