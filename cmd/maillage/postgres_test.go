package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/internal/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(beMain) == "1" {
		main() // a maillage process started by a test
	}
	os.Exit(withReportsDir(m))
}

// withReportsDir runs the tests with the operator's reports in a
// temporary directory (MAILLAGE_REPORTS, inherited by the processes the
// tests start), not in the source tree.
func withReportsDir(m *testing.M) int {
	dir, err := os.MkdirTemp("", "maillage-reports-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	os.Setenv("MAILLAGE_REPORTS", dir)
	return pgtest.Main(m)
}

// TestSameFilesOnBothStores is issue 7's acceptance point 1: the same
// config and inputs give byte-identical open-data files on SQLite and on
// PostgreSQL, on a first sync and on a second one over existing data.
func TestSameFilesOnBothStores(t *testing.T) {
	pg := pgtest.Database(t, nil)
	dir := t.TempDir()
	envs := map[string]map[string]string{
		"sqlite":   {"MAILLAGE_DB": filepath.Join(dir, "m.db"), "MAILLAGE_GEOCODER_URL": "off"},
		"postgres": {"DATABASE_URL": pg, "MAILLAGE_GEOCODER_URL": "off"},
	}
	for round := range 2 {
		for name, env := range envs {
			out := filepath.Join(dir, name)
			if code, _, stderr := runCLI(t, context.Background(), env, "sync", "--config", "../../config.example.yaml", "--out", out); code != 0 {
				t.Fatalf("round %d, %s: sync exit %d: %s", round, name, code, stderr)
			}
		}
		for _, f := range []string{"lieux.csv", "lieux.geojson", "provenance.csv"} {
			a, errA := os.ReadFile(filepath.Join(dir, "sqlite", f))
			b, errB := os.ReadFile(filepath.Join(dir, "postgres", f))
			if errA != nil || errB != nil || len(a) == 0 || !bytes.Equal(a, b) {
				t.Errorf("round %d: %s differs between the stores (%d and %d bytes; %v %v)", round, f, len(a), len(b), errA, errB)
			}
		}
	}
}

// TestMigrateCommand: status lists pending migrations on a new database,
// up applies them, status then lists them applied; on both stores.
func TestMigrateCommand(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"sqlite":   {"MAILLAGE_DB": filepath.Join(t.TempDir(), "m.db")},
		"postgres": {"DATABASE_URL": pgtest.Database(t, nil)},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, context.Background(), env, "migrate", "status", "--config", "../../config.example.yaml")
			if code != 0 || !strings.Contains(stdout, "0001  0001_init.sql") || !strings.Contains(stdout, "pending\n") || strings.Contains(stdout, ", 0 pending") {
				t.Fatalf("status before: exit %d\n%s%s", code, stdout, stderr)
			}
			code, stdout, stderr = runCLI(t, context.Background(), env, "migrate", "up", "--config", "../../config.example.yaml")
			if code != 0 || !strings.Contains(stdout, ", 0 pending") || strings.Contains(stdout, "  pending") {
				t.Fatalf("up: exit %d\n%s%s", code, stdout, stderr)
			}
		})
	}
	if code, _, stderr := runCLI(t, context.Background(), nil, "migrate", "sideways"); code != 2 || !strings.Contains(stderr, "migrate up") {
		t.Errorf("bad verb: exit %d %s", code, stderr)
	}
}
