package postgres_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

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

// TestLieuIDsCompareInOneCollation: every column holding a lieu id is
// in the "C" collation, as lieux.id: an index of another collation than
// the value compared cannot serve a lookup (the change feed's insert
// scanned lieu_changes once per changed lieu when its lieu_id was not).
func TestLieuIDsCompareInOneCollation(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.Database(t, migrated))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name, column_name, coalesce(collation_name, '') FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type = 'text'
			AND (column_name IN ('lieu_id', 'old_id', 'new_id') OR (table_name = 'lieux' AND column_name = 'id'))`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var table, column, collation string
		if err := rows.Scan(&table, &column, &collation); err != nil {
			t.Fatal(err)
		}
		n++
		if collation != "C" {
			t.Errorf("%s.%s: collation %q, want C", table, column, collation)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Errorf("%d lieu id columns found, want lieux.id, lieu_links, lieu_redirects (2), lieu_changes, error_reports", n)
	}
}
