package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
)

func TestLoadExample(t *testing.T) {
	cfg, err := config.Load("../config.example.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	on := 0
	for _, s := range cfg.Sources {
		if s.On() {
			on++
		}
	}
	if cfg.Federation.Retention != 90*24*time.Hour {
		t.Errorf("federation.retention defaults to %s", cfg.Federation.Retention)
	}
	if on != 5 || len(cfg.Sources) < 10 || cfg.Server.Addr != ":8080" || cfg.Database.Path != "data/maillage.db" || !filepath.IsAbs(cfg.Dir) {
		t.Errorf("%d sources, %d enabled (the offline examples); %+v", len(cfg.Sources), on, cfg.Server)
	}
	fs, ok := cfg.Source("france-services-2022-12-01")
	if !ok || fs.Mapping.ID != "id_fs" || fs.Mapping.Columns["lib_fs"] != "nom" || fs.Mapping.Constants["typologie"] != "RFS" {
		t.Errorf("mapping %+v", fs.Mapping)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	env := map[string]string{"MAILLAGE_DB": "/tmp/x.db", "MAILLAGE_ADDR": ":9999", "MAILLAGE_GEOCODER_URL": "off",
		"MAILLAGE_ADMIN_TOKEN": "secret", "DATABASE_URL": "postgres://u@h/db"}
	cfg, err := config.Load("../config.example.yaml", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.Path != "/tmp/x.db" || cfg.Server.Addr != ":9999" || cfg.Geocoder.URL != "off" ||
		cfg.AdminToken != "secret" || cfg.Database.URL != "postgres://u@h/db" {
		t.Errorf("%+v", cfg)
	}
}

func TestInvalidConfigs(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"no sources", "out: x\n", "no sources"},
		{"unknown key", "sources: []\nsourcez: []\n", "field sourcez not found"},
		{"bad kind", "sources:\n  - {name: a, kind: ftp, location: x}\n", `sources[0] (a): kind "ftp"`},
		{"duplicate name", "sources:\n  - {name: a, kind: file, location: x}\n  - {name: a, kind: file, location: y}\n", "duplicate name"},
		{"missing location", "sources:\n  - {name: a, kind: http}\n", "location is required"},
		{"bad format", "sources:\n  - {name: a, kind: file, location: x, format: xls}\n", `format "xls"`},
		{"bad database url", "database: {url: 'mysql://x'}\nsources:\n  - {name: a, kind: file, location: x}\n", "not a postgres:// URL"},
		{"short retention", "federation: {retention: 2h}\nsources:\n  - {name: a, kind: file, location: x}\n", "federation.retention: 2h0m0s (at least 24h"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(path, []byte(c.yaml), 0o644)
			_, err := config.Load(path, func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestMappingFile: a source's mapping_file, relative to the
// configuration, is read as maillage's YAML or as a mednum-cli source
// configuration; giving both a mapping and a file, or a file that cannot
// be read, is refused naming the source.
func TestMappingFile(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("../testdata/mednumcli/corse.config.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "corse.config.json"), raw, 0o644)
	os.WriteFile(filepath.Join(dir, "own.yaml"), []byte("columns:\n  Structure: nom\n"), 0o644)
	write := func(body string) string {
		path := filepath.Join(dir, "maillage.yaml")
		os.WriteFile(path, []byte(body), 0o644)
		return path
	}
	cfg, err := config.Load(write("sources:\n  - name: corse\n    kind: file\n    location: corse.json\n    mapping_file: corse.config.json\n  - name: own\n    kind: file\n    location: own.csv\n    mapping_file: own.yaml\n"),
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Sources[0].Mapping.Columns["Structure"]; got != "nom" || len(cfg.Sources[0].Mapping.Choices["typologie"]) == 0 {
		t.Errorf("mednum-cli mapping_file read as %+v", cfg.Sources[0].Mapping)
	}
	if got := cfg.Sources[1].Mapping.Columns["Structure"]; got != "nom" {
		t.Errorf("YAML mapping_file read as %+v", cfg.Sources[1].Mapping)
	}
	for _, body := range []string{
		"sources:\n  - name: both\n    kind: file\n    location: a.csv\n    mapping_file: own.yaml\n    mapping:\n      columns: {a: nom}\n",
		"sources:\n  - name: lost\n    kind: file\n    location: a.csv\n    mapping_file: nowhere.json\n",
	} {
		if _, err := config.Load(write(body), func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "sources[0]") {
			t.Errorf("%q: %v", body, err)
		}
	}
}
