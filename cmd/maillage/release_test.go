package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewReleaseNormalisesAgain: two builds of maillage that differ in
// one normaliser only (the second upper-cases nom), from the same tree,
// with -buildvcs=false as on these machines. The second, run on the
// store the first filled, normalises every record again and publishes
// what it makes; run once more, it finds nothing changed.
func TestNewReleaseNormalisesAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	dir := t.TempDir()
	first, second := buildMaillage(t, dir, "first", ""), buildMaillage(t, dir, "second", upperCaseNom(t, dir))
	site := newCrashSite(t, "sqlite")
	v1, _ := versions(t)
	os.WriteFile(site.src, v1, 0o644)
	sync := func(bin string) map[string]any {
		t.Helper()
		cmd := exec.Command(bin, "sync", "--config", site.config, "--out", site.out)
		cmd.Env = append(os.Environ(), site.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s sync: %v\n%s", filepath.Base(bin), err, out)
		}
		var rep struct {
			Sources []map[string]any `json:"sources"`
		}
		b, _ := os.ReadFile(filepath.Join(site.out, "report.json"))
		if err := json.Unmarshal(b, &rep); err != nil || len(rep.Sources) != 1 {
			t.Fatalf("report.json: %v", err)
		}
		return rep.Sources[0]
	}
	sync(first)
	if names := publishedNames(t, site.out); upperShare(names) > 0.5 {
		t.Fatalf("the first build already upper-cases: %v", names[:3])
	}
	s := sync(second)
	if s["status"] != "ok" || s["normalised"].(float64) == 0 {
		t.Errorf("the second build kept the first one's records: status %v, normalised %v", s["status"], s["normalised"])
	}
	if names := publishedNames(t, site.out); upperShare(names) < 0.99 {
		t.Errorf("the second build's normaliser is not in lieux.csv: %v", names[:3])
	}
	if s := sync(second); s["status"] != "not_modified" {
		t.Errorf("the second build run again: status %v, want not_modified", s["status"])
	}
}

// buildMaillage builds cmd/maillage into dir, with an overlay when one is
// given (go build -overlay), as the tests themselves were built.
func buildMaillage(t *testing.T, dir, name, overlay string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	args := []string{"build", "-buildvcs=false", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command("go", append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	return bin
}

// upperCaseNom writes an overlay in which schema.Normalise ends by
// upper-casing nom, and returns its path.
func upperCaseNom(t *testing.T, dir string) string {
	t.Helper()
	orig, err := filepath.Abs("../../schema/normalise.go")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	const end = "\treturn issues\n}\n\n// normaliseSteps"
	if !strings.Contains(string(src), end) {
		t.Fatalf("schema.Normalise no longer ends with %q: update the test", end)
	}
	changed := strings.Replace(string(src), end, "\tl.Nom = strings.ToUpper(l.Nom)\n"+end, 1)
	file := filepath.Join(dir, "normalise.go")
	os.WriteFile(file, []byte(changed), 0o644)
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{orig: file}})
	path := filepath.Join(dir, "overlay.json")
	os.WriteFile(path, overlay, 0o644)
	return path
}

// publishedNames reads the nom column of lieux.csv.
func publishedNames(t *testing.T, out string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "lieux.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("lieux.csv: %v, %d rows", err, len(rows))
	}
	col := -1
	for i, h := range rows[0] {
		if h == "nom" {
			col = i
		}
	}
	var names []string
	for _, r := range rows[1:] {
		names = append(names, r[col])
	}
	return names
}

func upperShare(names []string) float64 {
	n := 0
	for _, s := range names {
		if s == strings.ToUpper(s) {
			n++
		}
	}
	return float64(n) / float64(len(names))
}
