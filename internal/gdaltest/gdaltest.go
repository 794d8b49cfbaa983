// Package gdaltest gives tests GDAL's command-line tools (ogrinfo,
// ogr2ogr) as a real client of the API: found on the PATH, or installed
// from Debian's gdal-bin when the test runs as root. Under CI=true a
// missing GDAL fails the test instead of skipping it.
package gdaltest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/internal/debinstall"
)

// Tools returns the directory of ogrinfo and ogr2ogr, installing
// gdal-bin when needed and possible; the test is skipped (failed under
// CI=true) when GDAL cannot be had.
func Tools(t testing.TB) string {
	t.Helper()
	dir, err := ensure(context.Background())
	if err == nil {
		return dir
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("GDAL is required under CI=true: %v", err)
	}
	t.Skipf("no GDAL (%v): install gdal-bin; with CI=true this is a failure", err)
	return ""
}

func ensure(ctx context.Context) (string, error) {
	present := func() bool { _, err := exec.LookPath("ogrinfo"); return err == nil }
	if err := debinstall.Ensure(ctx, present, "gdal-bin"); err != nil {
		return "", fmt.Errorf("gdaltest: %w", err)
	}
	p, _ := exec.LookPath("ogrinfo")
	return filepath.Dir(p), nil
}

// Run runs one of the tools with args and returns what it printed; a
// failure is the test's, with the output.
func Run(t testing.TB, dir, tool string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, tool), args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}
