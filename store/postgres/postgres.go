// Package postgres is the production store of maillage: PostgreSQL with
// PostGIS through pgx (pgxpool). It behaves exactly as store/sqlite (the
// storetest contract runs on both); bulk writes go through COPY into a
// staging table and one set-based merge per table. Migrations are
// applied when the store opens, under an advisory lock so that instances
// starting together do not race.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/maillage/maillage/migrations"
	"github.com/maillage/maillage/store"
)

// Store is a store.Store backed by a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// health is a pool of one connection, made on the first Ping, so
	// that a store whose pool is busy (many exports streaming) is not
	// reported down.
	health *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Options tune the connection pool.
type Options struct {
	// StatementTimeout bounds every statement (default 60 s).
	StatementTimeout time.Duration
	// MaxConns caps the pool (default: pgxpool's, max(4, cores)).
	MaxConns int32
}

// migrationLock is the advisory lock key under which migrations run
// ("maillage" in ASCII).
const migrationLock = 0x6d61696c6c616765

// Open connects to the database of url and migrates it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	pool, err := connect(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	hcfg := pool.Config()
	hcfg.MaxConns, hcfg.MinConns = 1, 0
	health, err := pgxpool.NewWithConfig(ctx, hcfg) // connects on first use
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{pool: pool, health: health}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func connect(ctx context.Context, url string, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: DATABASE_URL: %w", err)
	}
	timeout := opts.StatementTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(timeout.Milliseconds())
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["application_name"] = "maillage"
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return pool, nil
}

// migrate applies the pending migrations, each in its own transaction,
// holding the advisory lock on one connection throughout.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations.For("postgres")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("postgres: migrations lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock)) //nolint:errcheck // released with the session anyway
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: migrations table: %w", err)
	}
	for _, m := range ms {
		if err := apply(ctx, conn.Conn(), m); err != nil {
			return err
		}
	}
	return nil
}

func apply(ctx context.Context, conn *pgx.Conn, m migrations.Migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
		return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())`, m.Version, m.Name); err != nil {
		return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
	}
	return nil
}

// Migrations reports every migration of the dialect and when the database
// at url applied it, without applying anything.
func Migrations(ctx context.Context, url string) ([]migrations.State, error) {
	ms, err := migrations.For("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := connect(ctx, url, Options{MaxConns: 1})
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	applied := map[int]time.Time{}
	rows, err := pool.Query(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err == nil {
		for rows.Next() {
			var v int
			var at time.Time
			if err := rows.Scan(&v, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("postgres: migrations: %w", err)
			}
			applied[v] = at.UTC()
		}
		rows.Close()
	}
	out := make([]migrations.State, len(ms))
	for i, m := range ms {
		out[i] = migrations.State{Migration: m, AppliedAt: applied[m.Version]}
	}
	return out, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.health.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes the pools.
func (s *Store) Close() error {
	s.pool.Close()
	s.health.Close()
	return nil
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, what string, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %s: commit: %w", what, err)
	}
	return nil
}

func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// utc gives stored times back in UTC, as the SQLite store does.
func utc(t time.Time) time.Time { return t.UTC() }
