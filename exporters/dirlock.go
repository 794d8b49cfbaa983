package exporters

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// lockName is the file whose lock a writer of a directory holds.
const lockName = ".maillage.lock"

// LockDir takes the exclusive lock of a directory of exported files, so
// that one writer at a time writes them (a sync and a serve may share
// it), then removes the temporary files WriteFileAtomic left for the
// named files: under the lock, none can be another writer's, so they
// are a killed writer's. unlock releases the lock.
func LockDir(dir string, names ...string) (unlock func() error, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("exporters: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("exporters: lock of %s: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("exporters: lock of %s: %w", dir, err)
	}
	if err := removeLeftovers(dir, names); err != nil {
		unlockFile(f)
		f.Close()
		return nil, err
	}
	return func() error {
		unlockFile(f)
		return f.Close()
	}, nil
}

// removeLeftovers removes the temporary files of the named files.
func removeLeftovers(dir string, names []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("exporters: %w", err)
	}
	for _, e := range entries {
		for _, name := range names {
			if strings.HasPrefix(e.Name(), tempPrefix(name)) {
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
					return fmt.Errorf("exporters: removing a killed writer's %s: %w", e.Name(), err)
				}
			}
		}
	}
	return nil
}

// tempPrefix starts the names of the temporary files of a file.
func tempPrefix(name string) string { return "." + name + "." }
