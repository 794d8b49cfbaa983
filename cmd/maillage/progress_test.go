package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/pipeline"
)

// TestSyncProgressLines: off a terminal, sync says each source's stages
// as plain lines.
func TestSyncProgressLines(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"MAILLAGE_DB": filepath.Join(dir, "m.db"), "MAILLAGE_GEOCODER_URL": "off"}
	code, _, stderr := runCLI(t, context.Background(), env, "sync", "--config", "../../config.example.yaml", "--out", filepath.Join(dir, "out"),
		"--source", "nouvelle-caledonie-2024-03-20")
	if code != 0 {
		t.Fatalf("sync: %s", stderr)
	}
	for _, want := range []string{"nouvelle-caledonie-2024-03-20: fetching\n", "nouvelle-caledonie-2024-03-20: normalising 90 records\n",
		"nouvelle-caledonie-2024-03-20: storing 90 records\n", "nouvelle-caledonie-2024-03-20: ok\n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("missing %q in:\n%s", want, stderr)
		}
	}
}

// TestProgressBars: on a terminal, each source keeps its line, redrawn in
// place as its stages pass.
func TestProgressBars(t *testing.T) {
	var b bytes.Buffer
	p := &barProgress{w: &b, line: map[string]int{}}
	p.Stage("a", pipeline.StageFetch, 0)
	p.Stage("b", pipeline.StageFetch, 0)
	p.Stage("a", pipeline.StageNormalise, 12)
	p.Done("b", "failed", "HTTP 500")
	out := b.String()
	for _, want := range []string{"a                                ▕█░░░░▏ fetching\n", "\x1b[2A\r\x1b[2Ka                                ▕███░░▏ normalising 12 records\x1b[2B\r",
		"\x1b[1A\r\x1b[2Kb                                ▕█████▏ failed: HTTP 500\x1b[1B\r"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in %q", want, out)
		}
	}
}
