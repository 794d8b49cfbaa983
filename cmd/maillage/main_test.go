package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb, func(k string) string {
		if v, ok := env[k]; ok || k != "MAILLAGE_REPORTS" {
			return v
		}
		return os.Getenv(k) // the test binary's temporary reports directory
	})
	return code, out.String(), errb.String()
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > 0
}

// TestSyncThenValidate is acceptance point 2: sync writes the four files
// and validate finds the published CSV valid.
func TestSyncThenValidate(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"MAILLAGE_DB": filepath.Join(dir, "m.db"), "MAILLAGE_GEOCODER_URL": "off"}
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI(t, context.Background(), env, "sync", "--config", "../../config.example.yaml", "--out", out)
	if code != 0 {
		t.Fatalf("sync exit %d: %s", code, stderr)
	}
	for _, f := range []string{"lieux.csv", "lieux.geojson", "provenance.csv", "report.json"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v", f, err, st)
		}
	}
	code, stdout, _ := runCLI(t, context.Background(), env, "validate", filepath.Join(out, "lieux.csv"))
	if code != 0 || !strings.Contains(stdout, "VALIDE") || !strings.Contains(stdout, "0 erreur(s)") {
		t.Errorf("validate exit %d: %s", code, stdout)
	}
	code, _, stderr = runCLI(t, context.Background(), env, "sync", "--config", "../../config.example.yaml", "--out", out, "--source", "nope")
	if code != 1 || !strings.Contains(stderr, `unknown source "nope"`) {
		t.Errorf("unknown source: exit %d %s", code, stderr)
	}
}

func TestValidateReportsRowColumnRule(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/official/exemple-valide-v1.0.x.csv")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, bytes.Replace(raw, []byte(`"51100"`), []byte(`"5110"`), 1), 0o644)
	code, stdout, _ := runCLI(t, context.Background(), nil, "validate", bad)
	want := `bad.csv: erreur ligne 2, colonne 5 (code_postal) : constraint-error [pattern]`
	if code != 1 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "INVALIDE") || !strings.Contains(stdout, "« 5110 »") {
		t.Errorf("exit %d:\n%s\nwant a line containing %q", code, stdout, want)
	}
	if code, _, _ := runCLI(t, context.Background(), nil, "validate", "../../testdata/official/exemple-valide-v0.1.1.csv", "--schema", "v0.1.1"); code != 0 {
		t.Errorf("0.1.1 example against 0.1.1: exit %d", code)
	}
	if code, _, stderr := runCLI(t, context.Background(), nil, "validate", "missing.csv"); code != 2 || !strings.Contains(stderr, "missing.csv") {
		t.Errorf("missing file: exit %d %s", code, stderr)
	}
}

func TestValidateJSON(t *testing.T) {
	code, stdout, _ := runCLI(t, context.Background(), nil, "validate", "../../examples/nouvelle-caledonie-20240320.json")
	want := "nouvelle-caledonie-20240320.json: erreur élément 38, colonne 16 (presentation_resume) : constraint-error [maxLength] — 2420 caractères, maximum 280"
	if code != 1 || !strings.Contains(stdout, want) || strings.Count(stdout, "[maxLength]") != 12 ||
		!strings.Contains(stdout, "json: erreur, colonne 33 (courriel) : extra-label") {
		t.Errorf("exit %d:\n%s\nwant 12 maxLength errors and %q", code, stdout, want)
	}
}

func TestUsage(t *testing.T) {
	if code, _, stderr := runCLI(t, context.Background(), nil); code != 2 || !strings.Contains(stderr, "Usage") {
		t.Errorf("no args: %d", code)
	}
	if code, _, stderr := runCLI(t, context.Background(), nil, "frobnicate"); code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d", code)
	}
	if code, _, stderr := runCLI(t, context.Background(), map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=5"},
		"sync", "--config", "../../config.example.yaml"); code != 1 || !strings.Contains(stderr, "postgres: connect") {
		t.Errorf("unreachable PostgreSQL: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, context.Background(), map[string]string{"DATABASE_URL": "mysql://x/y"}, "sync", "--config", "../../config.example.yaml"); code != 1 || !strings.Contains(stderr, "not a postgres:// URL") {
		t.Errorf("not a PostgreSQL URL: %d %s", code, stderr)
	}
}

// TestSourcesCommand: after a sync, every source has its kind, schedule,
// last success, records, status and next run; a source never run says so.
func TestSourcesCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"MAILLAGE_DB": filepath.Join(dir, "m.db"), "MAILLAGE_GEOCODER_URL": "off"}
	if code, _, stderr := runCLI(t, context.Background(), env, "sync", "--config", "../../config.example.yaml", "--out", filepath.Join(dir, "out"),
		"--source", "nouvelle-caledonie-2024-03-20"); code != 0 {
		t.Fatalf("sync: %s", stderr)
	}
	code, stdout, stderr := runCLI(t, context.Background(), env, "sources", "--config", "../../config.example.yaml")
	if code != 0 {
		t.Fatalf("sources exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var nc, never string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "nouvelle-caledonie-2024-03-20"):
			nc = l
		case strings.HasPrefix(l, "paca-2023-05-17"):
			never = l
		}
	}
	if !strings.HasPrefix(lines[0], "SOURCE") || !strings.Contains(nc, "file") || !strings.Contains(nc, "@every 6h") ||
		!strings.Contains(nc, " ok ") || !strings.Contains(nc, " 90 ") || strings.Count(nc, "Z") != 2 {
		t.Errorf("a harvested source:\n%s", stdout)
	}
	if !strings.Contains(never, "never run") || !strings.Contains(never, "—") {
		t.Errorf("a source never run:\n%s", stdout)
	}
}
