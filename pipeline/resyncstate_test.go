package pipeline

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/store/sqlite"
)

// TestResetReadsTheStoreWhole: after a reset (logged with its reason),
// the state holds nothing, and the next run reads the store whole and
// publishes the same files as one that kept its state.
func TestResetReadsTheStoreWhole(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nc.json"), mustRead(t, "../examples/nouvelle-caledonie-20240320.json"), 0o644)
	cfg := &config.Config{Dir: dir, Sources: []config.Source{{Source: harvest.Source{Name: "nc", Kind: "file", Location: "nc.json"}}}}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logged bytes.Buffer
	p := New(st, harvest.New(harvest.Options{BaseDir: dir}), slog.New(slog.NewTextHandler(&logged, nil)))
	files := func() string {
		t.Helper()
		rep, err := p.Run(context.Background(), cfg, Options{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		if err := p.WriteFiles(context.Background(), out, rep); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, f := range []string{FileLieuxCSV, FileLieuxGeoJSON, FileProvenance} {
			b.Write(mustRead(t, filepath.Join(out, f)))
		}
		return b.String()
	}
	kept := files()
	if !p.state.records.loaded || !p.state.published.known || !p.state.exports.known {
		t.Fatal("a run left no state: the test would prove nothing")
	}
	p.state.publishing.Lock()
	p.state.reset(p.Log, p.Harvester, "test")
	p.state.publishing.Unlock()
	if p.state.records.loaded || p.state.published.known || p.state.exports.known || p.state.members != nil {
		t.Errorf("reset left state")
	}
	if !strings.Contains(logged.String(), "resync_state_reset") || !strings.Contains(logged.String(), "reason=test") {
		t.Errorf("the reset is not logged with its reason: %s", logged.String())
	}
	if again := files(); again != kept {
		t.Errorf("the run after a reset published other files")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
