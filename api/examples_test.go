package api_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
)

// examples syncs the bundled examples (config.example.yaml, no
// geocoder) into a SQLite store once for the package's tests, which
// only read it.
var examples struct {
	root string // made and removed by TestMain
	once sync.Once
	dir  string
	err  error
}

// examplesStore opens the store holding the bundled examples' lieux.
func examplesStore(t *testing.T) store.Store {
	t.Helper()
	examples.once.Do(func() { examples.dir, examples.err = syncExamples() })
	if examples.err != nil {
		t.Fatal(examples.err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(examples.dir, "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func syncExamples() (string, error) {
	ctx := context.Background()
	cfg, err := config.Load("../config.example.yaml", func(string) string { return "" })
	if err != nil {
		return "", err
	}
	dir := examples.root
	st, err := sqlite.Open(ctx, filepath.Join(dir, "m.db"))
	if err != nil {
		return "", err
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := pipeline.New(st, harvest.New(harvest.Options{BaseDir: cfg.Dir, MaxBytes: 1 << 26}), log)
	_, err = p.Run(ctx, cfg, pipeline.Options{})
	return dir, err
}
