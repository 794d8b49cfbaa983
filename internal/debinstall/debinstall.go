// Package debinstall gives tests the real components they talk to
// (GDAL, PostGIS, Chromium) from Debian's packages: when a component is
// missing and the test runs as root, it installs the package with apt-get,
// refreshing the package lists once if the first attempt fails. Test
// processes start in parallel, so one installs while the others wait on a
// lock file.
package debinstall

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Ensure makes present true: it returns at once when it already is, else
// installs pkgs (as root only) and checks again.
func Ensure(ctx context.Context, present func() bool, pkgs ...string) error {
	if present() {
		return nil
	}
	what := strings.Join(pkgs, " ")
	if os.Geteuid() != 0 {
		return fmt.Errorf("debinstall: %s is missing and only root may install it", what)
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "maillage-debinstall.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("debinstall: lock for %s: %w", what, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("debinstall: lock for %s: %w", what, err)
	}
	if present() {
		return nil // installed while we waited
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	install := func() error {
		return run(ctx, "apt-get", append([]string{"install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300"}, pkgs...)...)
	}
	if err := install(); err != nil {
		if err := run(ctx, "apt-get", "update"); err != nil {
			return fmt.Errorf("debinstall: apt-get update: %w", err)
		}
		if err := install(); err != nil {
			return fmt.Errorf("debinstall: install %s: %w", what, err)
		}
	}
	if !present() {
		return fmt.Errorf("debinstall: %s installed, but what it should provide is still missing", what)
	}
	return nil
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
