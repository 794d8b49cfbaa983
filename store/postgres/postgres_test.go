package postgres_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/maillage/maillage/internal/pgtest"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/postgres"
	"github.com/maillage/maillage/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// migrated builds the package's template database.
func migrated(ctx context.Context, url string) error {
	st, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		return err
	}
	return st.Close()
}

func open(t *testing.T) store.Store {
	st, err := postgres.Open(context.Background(), pgtest.Database(t, migrated), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestContract(t *testing.T) { storetest.Run(t, open) }

// TestConcurrentOpenMigratesOnce: instances starting together on an empty
// database serialise on the advisory lock; every migration is applied
// once and all of them open.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	url := pgtest.Database(t, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := postgres.Open(ctx, url, postgres.Options{})
			if err == nil {
				st.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	states, err := postgres.Migrations(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range states {
		if m.AppliedAt.IsZero() {
			t.Errorf("%s not applied", m.Name)
		}
	}
}

// BenchmarkStore: bulk loads and a bbox read on the ×10 corpus
// (docs/PERFORMANCE.md).
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		st, err := postgres.Open(context.Background(), pgtest.Database(b, migrated), postgres.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return st
	})
}
