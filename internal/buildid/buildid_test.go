package buildid_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/internal/buildid"
)

// TestExecutable: the running test binary has a Go build ID, and a file
// that is not an ELF executable is identified by its bytes.
func TestExecutable(t *testing.T) {
	id, err := buildid.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "go:") || len(id) < 20 {
		t.Errorf("id %q, want the Go build ID", id)
	}
	exe, _ := os.Executable()
	if out, err := exec.Command("go", "tool", "buildid", exe).Output(); err == nil {
		if want := "go:" + strings.TrimSpace(string(out)); id != want {
			t.Errorf("id %q, go tool buildid says %q", id, want)
		}
	}
	path := filepath.Join(t.TempDir(), "script")
	os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755)
	a, err := buildid.Of(path)
	os.WriteFile(path, []byte("#!/bin/sh\necho\n"), 0o755)
	b, err2 := buildid.Of(path)
	if err != nil || err2 != nil || !strings.HasPrefix(a, "sha256:") || a == b {
		t.Errorf("non-ELF files: %q %q (%v %v), want two different content hashes", a, b, err, err2)
	}
}
