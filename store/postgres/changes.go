package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/jackc/pgx/v5"

	"github.com/maillage/maillage/store"
)

// recordChanges moves the lieux a publication wrote (revision rev) to the
// end of the change feed, in its transaction (which holds the lieux
// table's lock: positions are committed in order).
func recordChanges(ctx context.Context, tx pgx.Tx, rev int64) error {
	var base int64
	if err := tx.QueryRow(ctx, `SELECT value FROM sequences WHERE name = 'changes' FOR UPDATE`).Scan(&base); err != nil {
		return fmt.Errorf("postgres: change feed: %w", err)
	}
	tag, err := tx.Exec(ctx, store.SaveLieuChangesQuery, base, rev)
	if err != nil {
		return fmt.Errorf("postgres: change feed: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE sequences SET value = $1 WHERE name = 'changes'`, base+tag.RowsAffected()); err != nil {
		return fmt.Errorf("postgres: change feed: %w", err)
	}
	return nil
}

// LieuChanges returns up to limit changes after position since, in
// order, read in one repeatable-read transaction with the feed's last
// and purged positions.
func (s *Store) LieuChanges(ctx context.Context, since int64, limit int) (store.ChangePage, error) {
	return s.changePage(ctx, since, limit, true)
}

// LieuChangeKinds is LieuChanges without the lieux.
func (s *Store) LieuChangeKinds(ctx context.Context, since int64, limit int) (store.ChangePage, error) {
	return s.changePage(ctx, since, limit, false)
}

func (s *Store) changePage(ctx context.Context, since int64, limit int, withLieux bool) (store.ChangePage, error) {
	var page store.ChangePage
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return page, fmt.Errorf("postgres: change feed: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	if err := tx.QueryRow(ctx, `SELECT (SELECT value FROM sequences WHERE name = 'changes'), (SELECT value FROM sequences WHERE name = 'changes_purged')`).
		Scan(&page.Last, &page.Purged); err != nil {
		return page, fmt.Errorf("postgres: change feed: %w", err)
	}
	query := `SELECT c.seq, c.lieu_id, c.kind, coalesce(c.survivor, ''), c.changed_at FROM lieu_changes c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`
	if withLieux {
		query = `SELECT c.seq, c.lieu_id, c.kind, coalesce(c.survivor, ''), c.changed_at, ` + lieuColumns + `
		FROM lieu_changes c JOIN lieux l ON l.id = c.lieu_id WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`
	}
	rows, err := tx.Query(ctx, query, since, limit)
	if err != nil {
		return page, fmt.Errorf("postgres: change feed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.LieuChange
		var err error
		if withLieux {
			c.Lieu, err = scanLieu(store.ScanAfter(rows, &c.Seq, &c.ID, &c.Kind, &c.Survivor, &c.At))
		} else {
			err = rows.Scan(&c.Seq, &c.ID, &c.Kind, &c.Survivor, &c.At)
		}
		if err != nil {
			return page, fmt.Errorf("postgres: change feed: %w", err)
		}
		c.At = utc(c.At)
		page.Changes = append(page.Changes, c)
	}
	return page, rows.Err()
}

// PurgeTombstones drops the deleted and retired lieux' changes made
// before a time, and remembers the last position purged.
func (s *Store) PurgeTombstones(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, "purge tombstones", func(tx pgx.Tx) error {
		var last *int64
		if err := tx.QueryRow(ctx, store.LastTombstoneQuery, before).Scan(&last); err != nil {
			return fmt.Errorf("postgres: purge tombstones: %w", err)
		}
		if last == nil {
			return nil
		}
		tag, err := tx.Exec(ctx, store.PurgeTombstonesQuery, before)
		if err != nil {
			return fmt.Errorf("postgres: purge tombstones: %w", err)
		}
		n = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, `UPDATE sequences SET value = greatest(value, $1) WHERE name = 'changes_purged'`, *last); err != nil {
			return fmt.Errorf("postgres: purge tombstones: %w", err)
		}
		return nil
	})
	return n, err
}

// InstanceID returns the instance's identity, made at the first call.
func (s *Store) InstanceID(ctx context.Context) (string, error) {
	if _, err := s.pool.Exec(ctx, store.ClaimInstanceIDQuery, uuid.NewString(), time.Now()); err != nil {
		return "", fmt.Errorf("postgres: instance id: %w", err)
	}
	var id string
	if err := s.pool.QueryRow(ctx, store.InstanceIDQuery).Scan(&id); err != nil {
		return "", fmt.Errorf("postgres: instance id: %w", err)
	}
	return id, nil
}
