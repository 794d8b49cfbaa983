// Package sqlite is the embedded store of maillage, on modernc.org/sqlite
// (pure Go, no cgo). Migrations are applied when the store opens.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/maillage/maillage/migrations"
	"github.com/maillage/maillage/store"
)

// Store is a store.Store backed by one SQLite file.
type Store struct {
	db *sql.DB
	// health is a connection of its own for Ping, so that a store whose
	// pool is busy (many exports streaming) is not reported down.
	health *sql.DB
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file and migrates it.
func Open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	if err := createWithPageSize(ctx, path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	health, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	health.SetMaxOpenConns(1)
	s := &Store{db: db, health: health}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// migrationsTable records the migrations applied.
const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`

// migrate applies the pending migrations, each in its own transaction taken
// with BEGIN IMMEDIATE, so concurrent starts serialise on the file lock.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations.For("sqlite")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, migrationsTable); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migrations.Migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, ts(time.Now())); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	return tx.Commit()
}

// Migrations reports every migration of the dialect and when the database
// file at path applied it, without applying anything (a missing file has
// none).
func Migrations(ctx context.Context, path string) ([]migrations.State, error) {
	ms, err := migrations.For("sqlite")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	applied := map[int]time.Time{}
	if _, err := os.Stat(path); err == nil {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
		if err == nil {
			defer rows.Close()
			for rows.Next() {
				var v int
				var at string
				if err := rows.Scan(&v, &at); err != nil {
					return nil, fmt.Errorf("sqlite: migrations: %w", err)
				}
				applied[v] = parseTS(at)
			}
		}
	}
	out := make([]migrations.State, len(ms))
	for i, m := range ms {
		out[i] = migrations.State{Migration: m, AppliedAt: applied[m.Version]}
	}
	return out, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.health.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return errors.Join(s.db.Close(), s.health.Close()) }

const tsLayout = "2006-01-02T15:04:05.000000000Z07:00"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(tsLayout, s)
	return t
}

func nullTS(ns sql.NullString) time.Time {
	if !ns.Valid {
		return time.Time{}
	}
	return parseTS(ns.String)
}

// pageSize is the page size of a new database: a record's row (raw
// fields, lieu, issues: 3–6 kB) fits in one 16 kB page where 4 kB pages
// chained it over overflow pages.
const pageSize = 16384

// createWithPageSize gives a database file that does not exist yet its
// page size, which only holds when set before the file's first page is
// written: Open's pragmas run in lexicographic order (the driver sorts
// them), so WAL, which writes that page, would come first. The file is
// made under another name and linked into place, so that of processes
// opening a new file at once, one makes it and the others find it made.
func createWithPageSize(ctx context.Context, path string) error {
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".new-*.db")
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := writeFirstPage(ctx, tmp.Name()); err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		return nil // another process made it
	}
	if err != nil {
		// a file system without hard links
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return nil
}

// writeFirstPage sets the page size of the empty database at path and
// writes its first page (the migrations' table).
func writeFirstPage(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // the pragma holds per connection
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA page_size = %d`, pageSize)); err != nil {
		return fmt.Errorf("page size: %w", err)
	}
	_, err = conn.ExecContext(ctx, migrationsTable)
	return err
}
