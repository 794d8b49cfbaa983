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
	"syscall"
	"testing"
	"time"
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
	if p, err := exec.LookPath("ogrinfo"); err == nil {
		return filepath.Dir(p), nil
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("ogrinfo is not on the PATH and only root may install gdal-bin")
	}
	// test packages start in parallel: one installs, the others wait
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "gdaltest-install.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("gdaltest: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("gdaltest: %w", err)
	}
	if p, err := exec.LookPath("ogrinfo"); err == nil {
		return filepath.Dir(p), nil // installed while we waited
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	install := func() error {
		return run(ctx, "apt-get", "install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300", "gdal-bin")
	}
	if err := install(); err != nil {
		if err := run(ctx, "apt-get", "update"); err != nil {
			return "", fmt.Errorf("gdaltest: apt-get update: %w", err)
		}
		if err := install(); err != nil {
			return "", fmt.Errorf("gdaltest: install gdal-bin: %w", err)
		}
	}
	p, err := exec.LookPath("ogrinfo")
	if err != nil {
		return "", fmt.Errorf("gdaltest: gdal-bin installed but no ogrinfo: %w", err)
	}
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

func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return nil
}
