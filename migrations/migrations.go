// Package migrations holds the ordered SQL migrations of each store dialect,
// embedded in the binary. A released migration is never edited: changes
// come as a new file with the next number.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// State is a migration and when a database applied it (zero: pending).
type State struct {
	Migration
	AppliedAt time.Time
}

// Migration is one numbered SQL script.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// For returns the migrations of a dialect ("sqlite" or "postgres"), in order.
func For(dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(files, dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations: dialect %q: %w", dialect, err)
	}
	var out []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migrations: %s/%s: name must start with a number and '_'", dialect, e.Name())
		}
		body, err := files.ReadFile(path.Join(dialect, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: %s: expected version %d, found %d", dialect, i+1, m.Version)
		}
	}
	return out, nil
}
