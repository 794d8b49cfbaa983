package pipeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/pipeline"
)

// TestReportWrittenBySource: the report written one source at a time is
// byte for byte the report encoded whole, with sources or without; so is
// the report of the next syncs (one sync after a file of quarantined
// records changed, one after nothing changed).
func TestReportWrittenBySource(t *testing.T) {
	cfg, _ := exampleCopy(t)
	p := newPipeline(openStore(t), cfg)
	first := runAll(t, p, cfg)
	sameBytes(t, "no source", &pipeline.Report{RunID: 7, Status: "ok"})
	sameBytes(t, "examples", first.Report)
	if len(first.Sources) < 2 || first.Totals.Quarantined == 0 {
		t.Fatalf("%d sources, %d quarantined records", len(first.Sources), first.Totals.Quarantined)
	}
	for _, s := range first.Sources {
		if len(s.QuarantinedRecords) == 0 {
			continue
		}
		path := filepath.Join(cfg.Dir, sourceLocation(t, cfg, s.Source))
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(raw), "\n", "\n\n", 1) // every record one line down
		if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		break
	}
	sameBytes(t, "examples, a file of quarantined records moved down a line", runAll(t, p, cfg).Report)
	sameBytes(t, "examples, again", runAll(t, p, cfg).Report)
}

func sameBytes(t *testing.T, name string, r *pipeline.Report) {
	t.Helper()
	var whole, bySource bytes.Buffer
	if err := exporters.WriteJSON(&whole, r); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&bySource); err != nil {
		t.Fatal(err)
	}
	if whole.String() != bySource.String() {
		t.Errorf("%s: the report written by source differs from the report encoded whole", name)
	}
}

func sourceLocation(t *testing.T, cfg *config.Config, name string) string {
	t.Helper()
	src, ok := cfg.Source(name)
	if !ok {
		t.Fatalf("no source %q", name)
	}
	return src.Location
}
