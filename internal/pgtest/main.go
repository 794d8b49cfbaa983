package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

// the package's server, started by Main.
var (
	shared    *Server
	sharedErr error
	template  struct {
		once sync.Once
		name string
		err  error
	}
	seq atomic.Int64
)

// Main runs a test package with a server: call it from TestMain. The
// server is stopped when the tests end.
func Main(m *testing.M) int {
	shared, sharedErr = Start(context.Background())
	if sharedErr != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", sharedErr)
	}
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// Available returns the package's server, or skips the test (fails it
// with CI=true) when there is none.
func Available(t testing.TB) *Server {
	t.Helper()
	if shared == nil {
		if Required() {
			t.Fatalf("pgtest: CI=true and no PostgreSQL: %v", sharedErr)
		}
		t.Skipf("%s (%v)", Skip, sharedErr)
	}
	return shared
}

// Database creates a fresh database for the test, copied from a template
// that prepare (migrations, typically) builds once per package, or empty
// when prepare is nil, and drops it when the test ends. It returns the
// database's URL.
func Database(t testing.TB, prepare func(ctx context.Context, url string) error) string {
	t.Helper()
	s := Available(t)
	ctx := context.Background()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), seq.Add(1))
	t.Cleanup(func() { _ = s.exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	if prepare == nil {
		if err := s.exec(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		return s.DatabaseURL(name)
	}
	template.once.Do(func() {
		template.name = fmt.Sprintf("tmpl_%d", os.Getpid())
		if template.err = s.exec(ctx, "CREATE DATABASE "+template.name); template.err == nil {
			template.err = prepare(ctx, s.DatabaseURL(template.name))
		}
	})
	if template.err != nil {
		t.Fatalf("pgtest: template database: %v", template.err)
	}
	if err := s.exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template.name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return s.DatabaseURL(name)
}

// exec runs one administrative statement on the postgres database.
func (s *Server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("pgtest: %s: %w", sql, err)
	}
	return nil
}
