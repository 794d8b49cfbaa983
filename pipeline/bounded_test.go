package pipeline_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// TestErrorsBounded: a source replaced by a zip of 100,000 entries fails
// with a short error, in the run, in the statuses and in their public
// form, which also leaves out paths; its lieux stay published.
func TestErrorsBounded(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flaky.csv")
	os.WriteFile(path, []byte(goodCSV), 0o644)
	cfg := &config.Config{Dir: dir, Sources: []config.Source{{Source: harvest.Source{Name: "flaky", Kind: "file", Location: "flaky.csv"}}}}
	st, p, before := synced(t, cfg)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := range 100_000 {
		f, _ := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("dossier/%s-%d.csv", strings.Repeat("n", 40), i), Method: zip.Store})
		f.Write([]byte("x"))
	}
	w.Close()
	os.WriteFile(path, buf.Bytes(), 0o644)
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Sources[0]; s.Status != store.RunFailed || len(s.Error) > 1000 || !strings.Contains(s.Error, "and 99995 more") {
		t.Errorf("status %s, error of %d bytes: %.200s", s.Status, len(s.Error), s.Error)
	}
	statuses, err := pipeline.Statuses(context.Background(), st, cfg, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := statuses[0].LastError; len(e) > 1000 {
		t.Errorf("last_error of %d bytes", len(e))
	}
	if e := statuses[0].Public().LastError; len(e) > 310 || strings.Contains(e, dir) {
		t.Errorf("public last_error: %q", e)
	}
	if after := snapshot(t, st); after != before {
		t.Errorf("the failing source's lieux changed")
	}
}
