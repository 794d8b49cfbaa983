package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
	"github.com/maillage/maillage/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func TestReopenDoesNotReapplyMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "m.db")
	for range 2 {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
}

// BenchmarkStore: bulk loads and a bbox read on the ×10 corpus
// (docs/PERFORMANCE.md).
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "m.db"))
		if err != nil {
			b.Fatal(err)
		}
		return st
	})
}

// TestNewDatabaseLayout: a new file gets 16 kB pages and WAL, also when
// several processes' stores open it at once.
func TestNewDatabaseLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			st, err := sqlite.Open(context.Background(), path)
			if err == nil {
				err = st.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pageSize int
	var journal string
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if pageSize != 16384 || journal != "wal" {
		t.Errorf("page size %d, journal %s; want 16384, wal", pageSize, journal)
	}
}
