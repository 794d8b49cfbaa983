package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/maillage/maillage/store"
)

// recordChanges moves the lieux a publication wrote (revision rev) to the
// end of the change feed, in its transaction.
func recordChanges(ctx context.Context, tx *sql.Tx, rev int64) error {
	var base int64
	if err := tx.QueryRowContext(ctx, `SELECT value FROM sequences WHERE name = 'changes'`).Scan(&base); err != nil {
		return fmt.Errorf("sqlite: change feed: %w", err)
	}
	res, err := tx.ExecContext(ctx, store.SaveLieuChangesQuery, base, rev)
	if err != nil {
		return fmt.Errorf("sqlite: change feed: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: change feed: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sequences SET value = $1 WHERE name = 'changes'`, base+n); err != nil {
		return fmt.Errorf("sqlite: change feed: %w", err)
	}
	return nil
}

// LieuChanges returns up to limit changes after position since, in
// order, read in one transaction with the feed's last and purged
// positions.
func (s *Store) LieuChanges(ctx context.Context, since int64, limit int) (store.ChangePage, error) {
	return s.changePage(ctx, since, limit, true)
}

// LieuChangeKinds is LieuChanges without the lieux.
func (s *Store) LieuChangeKinds(ctx context.Context, since int64, limit int) (store.ChangePage, error) {
	return s.changePage(ctx, since, limit, false)
}

func (s *Store) changePage(ctx context.Context, since int64, limit int, withLieux bool) (store.ChangePage, error) {
	var page store.ChangePage
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return page, fmt.Errorf("sqlite: change feed: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT value FROM sequences WHERE name = 'changes'), (SELECT value FROM sequences WHERE name = 'changes_purged')`).
		Scan(&page.Last, &page.Purged); err != nil {
		return page, fmt.Errorf("sqlite: change feed: %w", err)
	}
	query := `SELECT c.seq, c.lieu_id, c.kind, coalesce(c.survivor, ''), c.changed_at FROM lieu_changes c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`
	if withLieux {
		query = `SELECT c.seq, c.lieu_id, c.kind, coalesce(c.survivor, ''), c.changed_at, ` + lieuColumns + `
		FROM lieu_changes c JOIN lieux l ON l.id = c.lieu_id WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`
	}
	rows, err := tx.QueryContext(ctx, query, since, limit)
	if err != nil {
		return page, fmt.Errorf("sqlite: change feed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.LieuChange
		var at string
		var err error
		if withLieux {
			c.Lieu, err = scanLieu(store.ScanAfter(rows, &c.Seq, &c.ID, &c.Kind, &c.Survivor, &at))
		} else {
			err = rows.Scan(&c.Seq, &c.ID, &c.Kind, &c.Survivor, &at)
		}
		if err != nil {
			return page, fmt.Errorf("sqlite: change feed: %w", err)
		}
		c.At = parseTS(at)
		page.Changes = append(page.Changes, c)
	}
	return page, rows.Err()
}

// PurgeTombstones drops the deleted and retired lieux' changes made
// before a time, and remembers the last position purged.
func (s *Store) PurgeTombstones(ctx context.Context, before time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge tombstones: %w", err)
	}
	defer tx.Rollback()
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, store.LastTombstoneQuery, ts(before)).Scan(&last); err != nil {
		return 0, fmt.Errorf("sqlite: purge tombstones: %w", err)
	}
	if !last.Valid {
		return 0, nil
	}
	res, err := tx.ExecContext(ctx, store.PurgeTombstonesQuery, ts(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge tombstones: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE sequences SET value = max(value, $1) WHERE name = 'changes_purged'`, last.Int64); err != nil {
		return 0, fmt.Errorf("sqlite: purge tombstones: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: purge tombstones: commit: %w", err)
	}
	return int(n), nil
}

// InstanceID returns the instance's identity, made at the first call.
func (s *Store) InstanceID(ctx context.Context) (string, error) {
	if _, err := s.db.ExecContext(ctx, store.ClaimInstanceIDQuery, uuid.NewString(), ts(time.Now())); err != nil {
		return "", fmt.Errorf("sqlite: instance id: %w", err)
	}
	var id string
	if err := s.db.QueryRowContext(ctx, store.InstanceIDQuery).Scan(&id); err != nil {
		return "", fmt.Errorf("sqlite: instance id: %w", err)
	}
	return id, nil
}
