package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/exporters/datagouv/datagouvtest"
)

// TestPublishCommand: maillage publish creates the configured datasets
// once, a second run changes nothing, --dry-run says what it would do,
// and without an API key nothing is tried.
func TestPublishCommand(t *testing.T) {
	dg := datagouvtest.New("k")
	defer dg.Close()
	dir := t.TempDir()
	example, _ := filepath.Abs("../../examples/paca-20230517-schema-1.x.json")
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`sources:
  - name: paca
    kind: file
    location: %s
    licence: etalab-2.0
datagouv:
  url: %s
  datasets:
    - title: Lieux de médiation numérique (test)
    - territoire: dep:05
      private: true
`, example, dg.API())), 0o644)
	env := map[string]string{"MAILLAGE_DB": filepath.Join(dir, "m.db"), "MAILLAGE_GEOCODER_URL": "off", "MAILLAGE_OUT": filepath.Join(dir, "out")}
	ctx := context.Background()
	if code, _, stderr := runCLI(t, ctx, env, "sync", "--config", cfg); code != 0 {
		t.Fatalf("sync: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, ctx, env, "publish", "--config", cfg); code != 2 || !strings.Contains(stderr, "MAILLAGE_DATAGOUV_API_KEY is not set") {
		t.Errorf("without a key: %d %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, ctx, env, "publish", "--config", cfg, "--dry-run")
	if code != 0 || !strings.Contains(stdout, "WOULD") || !strings.Contains(stdout, "dep:05") || len(dg.Count()) != 0 {
		t.Errorf("dry run: %d %s %s", code, stdout, stderr)
	}
	env["MAILLAGE_DATAGOUV_API_KEY"] = "k"
	code, stdout, stderr = runCLI(t, ctx, env, "publish", "--config", cfg)
	if calls := dg.Count(); code != 0 || calls["POST datasets"] != 2 || calls["POST upload-new"] != 8 {
		t.Fatalf("first run: %d %v\n%s%s", code, calls, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, ctx, env, "publish", "--config", cfg)
	if calls := dg.Count(); code != 0 || calls["POST upload"]+calls["POST upload-new"]+calls["PUT dataset"] != 0 || strings.Count(stdout, "unchanged") != 8 {
		t.Errorf("second run: %d %v\n%s", code, calls, stdout)
	}
}
