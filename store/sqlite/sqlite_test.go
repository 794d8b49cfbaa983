package sqlite_test

import (
	"context"
	"path/filepath"
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
