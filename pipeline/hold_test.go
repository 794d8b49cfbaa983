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

// TestSafetyHolds: a harvest with far fewer records than the last applied
// one, or with its columns renamed (all quarantined), is held: nothing
// changes, again on the next run, until --force applies it.
func TestSafetyHolds(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"a third of the rows", strings.Join(strings.SplitN(goodCSV, "\n", 3)[:2], "\n") + "\n",
			"held: 1 records, the last applied harvest had 3 (below 50%)"},
		{"renamed columns", strings.Replace(goodCSV, "id,pivot,nom,commune,code_postal,adresse,date_maj,services",
			"id,pivot,colonne_x,commune,code_postal,adresse,date_maj,services", 1), "held: 3 of 3 records quarantined, the last applied harvest had 1 of 3"},
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
