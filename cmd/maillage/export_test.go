package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/internal/exportread"
)

// TestExportCommand: maillage export writes a territory's extract as
// the national file filtered, valid against the standard, in every
// format; a bad territory or format is named and nothing is written.
func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"MAILLAGE_DB": filepath.Join(dir, "m.db"), "MAILLAGE_GEOCODER_URL": "off"}
	out := filepath.Join(dir, "out")
	ctx := context.Background()
	if code, _, stderr := runCLI(t, ctx, env, "sync", "--config", "../../config.example.yaml", "--out", out); code != 0 {
		t.Fatalf("sync exit %d: %s", code, stderr)
	}
	raw, _ := os.ReadFile(filepath.Join(out, "lieux.csv"))
	national, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			ID         string
			Properties struct{ Territoire struct{ Departement string } }
		}
	}
	raw, _ = os.ReadFile(filepath.Join(out, "lieux.geojson"))
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	in05 := map[string]bool{}
	for _, f := range fc.Features {
		in05[f.ID] = f.Properties.Territoire.Departement == "05"
	}
	want := [][]string{national[0]}
	for _, row := range national[1:] {
		if in05[row[0]] {
			want = append(want, row)
		}
	}
	if len(want) < 10 {
		t.Fatalf("%d lieux in dep:05", len(want)-1)
	}
	var wantCSV bytes.Buffer
	cw := csv.NewWriter(&wantCSV)
	cw.UseCRLF = true
	cw.WriteAll(want)

	path := filepath.Join(dir, "05.csv")
	if code, _, stderr := runCLI(t, ctx, env, "export", "--config", "../../config.example.yaml", "--territoire", "dep:05", "-o", path); code != 0 {
		t.Fatalf("export exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, wantCSV.Bytes()) {
		t.Errorf("the extract of dep:05 is not the national CSV filtered: %d bytes, want %d", len(got), wantCSV.Len())
	}
	if code, stdout, _ := runCLI(t, ctx, env, "validate", path); code != 0 || !strings.Contains(stdout, "0 erreur(s)") {
		t.Errorf("validate the extract: exit %d %s", code, stdout)
	}
	readers := map[string]func([]byte) ([][]string, error){
		"xlsx":    exportread.XLSXRows,
		"parquet": func(b []byte) ([][]string, error) { rows, _, err := exportread.ParquetRows(b); return rows, err },
	}
	for ext, read := range readers {
		path := filepath.Join(dir, "05."+ext)
		if code, _, stderr := runCLI(t, ctx, env, "export", "--config", "../../config.example.yaml", "--territoire", "dep:05", "-o", path); code != 0 {
			t.Fatalf("export %s exit %d: %s", ext, code, stderr)
		}
		raw, _ := os.ReadFile(path)
		if rows, err := read(raw); err != nil || !reflect.DeepEqual(rows, want) {
			t.Errorf("%s: %v, %d rows, want %d", ext, err, len(rows), len(want))
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--territoire", "dep:5", "-o", filepath.Join(dir, "x.csv")}, `--territoire: "5" is not a département code`},
		{[]string{"--territoire", "canton:12", "-o", filepath.Join(dir, "x.csv")}, "is not a territory"},
		{[]string{"--format", "pdf", "-o", filepath.Join(dir, "x.csv")}, `--format: exporters: "pdf" is not a format (csv, geojson, parquet, xlsx)`},
		{[]string{}, "-o FILE is required"},
	} {
		code, _, stderr := runCLI(t, ctx, env, append([]string{"export", "--config", "../../config.example.yaml"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d %q, want 2 naming %q", tc.args, code, stderr, tc.want)
		}
	}
	if fileExists(filepath.Join(dir, "x.csv")) {
		t.Error("a refused export wrote a file")
	}
}

// TestDataPackage: sync describes its files in a datapackage.json valid
// against the Frictionless Data Package profiles 1.0 and 2.0, naming the
// standard's Table Schema, the sources' attributions and licence, the
// date_maj range, and each file's size and SHA-256.
func TestDataPackage(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"MAILLAGE_DB": filepath.Join(dir, "m.db"), "MAILLAGE_GEOCODER_URL": "off"}
	out := filepath.Join(dir, "out")
	if code, _, stderr := runCLI(t, context.Background(), env, "sync", "--config", "../../config.example.yaml", "--out", out); code != 0 {
		t.Fatalf("sync exit %d: %s", code, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(out, "datapackage.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range []string{"datapackage-1.0.schema.json", "datapackage-2.0.schema.json"} {
		if err := exportread.ValidateJSON(filepath.Join("../../exporters/testdata", profile), raw); err != nil {
			t.Errorf("%s: %v", profile, err)
		}
	}
	var pkg struct {
		Licenses  []struct{ Name string }
		Sources   []struct{ Title string }
		Temporal  struct{ Start, End string }
		Resources []struct {
			Name, Path, Hash string
			Bytes            int64
			Schema           any
		}
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	if len(pkg.Licenses) != 1 || pkg.Licenses[0].Name != "etalab-2.0" || len(pkg.Sources) < 3 ||
		pkg.Temporal.Start == "" || pkg.Temporal.Start > pkg.Temporal.End {
		t.Errorf("licences %v, sources %v, temporal %v", pkg.Licenses, pkg.Sources, pkg.Temporal)
	}
	var names []string
	for _, r := range pkg.Resources {
		names = append(names, r.Path)
		body, err := os.ReadFile(filepath.Join(out, r.Path))
		sum := sha256.Sum256(body)
		if err != nil || int64(len(body)) != r.Bytes || r.Hash != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("%s: %v, %d bytes, %s; described %d, %s", r.Path, err, len(body), hex.EncodeToString(sum[:]), r.Bytes, r.Hash)
		}
		if r.Name == "lieux-csv" && r.Schema != exporters.StandardSchemaURL {
			t.Errorf("lieux.csv schema %v", r.Schema)
		}
	}
	if strings.Join(names, " ") != "lieux.csv lieux.geojson lieux.parquet lieux.xlsx provenance.csv" {
		t.Errorf("resources %v", names)
	}
}
