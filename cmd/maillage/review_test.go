package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
)

// TestReviewAndExplain drives the review and explain commands on two small
// sources whose « Espace Jean Moulin » records the scorer leaves in doubt.
func TestReviewAndExplain(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.csv": "id;nom;adresse;code_postal;commune\na1;Espace Jean Moulin;rue Ducrès;84700;Sorgues\na2;CCAS;41 avenue d'Orange;84700;Sorgues\n",
		"b.csv": "id;nom;adresse;code_postal;commune\nb1;Jean Moulin;12 rue Ducres;84700;Sorgues\n",
		"config.yaml": "sources:\n  - {name: a, kind: file, location: a.csv}\n  - {name: b, kind: file, location: b.csv}\n" +
			"database: {path: m.db}\ngeocoder: {url: \"off\"}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "config.yaml")
	env := map[string]string{"MAILLAGE_DB": filepath.Join(dir, "m.db"), "USER": "agent"}
	ctx := context.Background()
	if code, _, stderr := runCLI(t, ctx, env, "sync", "--config", cfg, "--out", filepath.Join(dir, "out")); code != 0 {
		t.Fatalf("sync: %s", stderr)
	}
	code, stdout, stderr := runCLI(t, ctx, env, "explain", "a/a1", "b/b1", "--config", cfg)
	// every contribution names its weight key (the prior's is "prior")
	if code != 0 || !strings.Contains(stdout, "name") || !strings.Contains(stdout, "total") || !strings.Contains(stdout, "a/a1") ||
		!regexp.MustCompile(`(?m)^  prior +[-+][0-9.]+  prior `).MatchString(stdout) {
		t.Fatalf("explain exit %d: %s %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, ctx, env, "review", "list", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "a/a1") || !strings.Contains(stdout, "b/b1") {
		t.Fatalf("review list exit %d: %s", code, stdout)
	}
	code, stdout, _ = runCLI(t, ctx, env, "review", "same", "a/a1", "b/b1", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "one lieu") {
		t.Fatalf("review same exit %d: %s", code, stdout)
	}
	runCLI(t, ctx, env, "sync", "--config", cfg, "--out", filepath.Join(dir, "out"))
	prov, _ := os.ReadFile(filepath.Join(dir, "out", "provenance.csv"))
	if lines := strings.Split(strings.TrimSpace(string(prov)), "\n"); len(lines) != 4 || lieuOf(lines, "a,a1") != lieuOf(lines, "b,b1") {
		t.Errorf("after « same », provenance:\n%s", prov)
	}
	if code, stdout, _ := runCLI(t, ctx, env, "review", "list", "--config", cfg); code != 0 || !strings.Contains(stdout, "no pair") {
		t.Errorf("decided pair still listed: %s", stdout)
	}
	if code, _, stderr := runCLI(t, ctx, env, "review", "different", "a/a1", "nope", "--config", cfg); code != 1 || !strings.Contains(stderr, `"nope"`) {
		t.Errorf("unknown reference: exit %d %s", code, stderr)
	}
	if code, _, _ := runCLI(t, ctx, env, "review", "maybe", "--config", cfg); code != 2 {
		t.Errorf("unknown verb: exit %d", code)
	}
	if code, stdout, _ := runCLI(t, ctx, env, "review", "reports", "--config", cfg); code != 0 || !strings.Contains(stdout, "no error was reported") {
		t.Errorf("review reports on none: exit %d %s", code, stdout)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"Fermé depuis septembre.", "Le numéro a changé :\n04 90 00 00 00"} {
		if _, err := st.SaveReport(ctx, store.Report{LieuID: "lieu-x", Message: m, Contact: "agent@mairie.fr", ReportedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	code, stdout, _ = runCLI(t, ctx, env, "review", "reports", "--config", cfg, "--limit", "1")
	if code != 0 || !strings.Contains(stdout, "Le numéro a changé :\n     04 90 00 00 00") || strings.Contains(stdout, "Fermé depuis") ||
		!strings.Contains(stdout, "1 more") || !strings.Contains(stdout, "contact: agent@mairie.fr") {
		t.Errorf("review reports: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ := runCLI(t, ctx, env, "review", "list", "--config", cfg); code != 0 || !strings.Contains(stdout, "2 error reports on lieux") {
		t.Errorf("review list does not say there are reports: %s", stdout)
	}
}

// lieuOf finds the lieu id of a provenance.csv line ending with ref.
func lieuOf(lines []string, ref string) string {
	for _, l := range lines {
		if l = strings.TrimSpace(l); strings.HasSuffix(l, ","+ref) {
			return strings.SplitN(l, ",", 2)[0]
		}
	}
	return ""
}
