package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/maillage/maillage/store"
)

// PeerCheckpoint returns where a peer source's mirror stands.
func (s *Store) PeerCheckpoint(ctx context.Context, source string) (store.PeerCheckpoint, bool, error) {
	var c store.PeerCheckpoint
	var last, caught sql.NullString
	var polled string
	err := s.db.QueryRowContext(ctx, store.PeerCheckpointQuery, source).Scan(&c.Instance, &c.Cursor, &c.Position, &c.Complete, &last, &caught, &polled)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("sqlite: peer %s: checkpoint: %w", source, err)
	}
	c.LastEventAt, c.CaughtUpAt, c.PolledAt = nullTS(last), nullTS(caught), parseTS(polled)
	return c, true, nil
}

// ApplyPeerPage applies a page of a peer's feed to its mirror in one
// transaction.
func (s *Store) ApplyPeerPage(ctx context.Context, source string, page store.PeerPage) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: peer %s: %w", source, err)
	}
	defer tx.Rollback()
	at := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return ts(t)
	}
	boolean := func(b bool) any { return b }
	err = store.ApplyPeerPageWith(source, page, at, boolean, func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: peer %s: apply a page: %w", source, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: peer %s: commit: %w", source, err)
	}
	return nil
}

// EachPeerRecord calls fn with each record of a peer source's mirror.
func (s *Store) EachPeerRecord(ctx context.Context, source string, withFeature bool, fn func(store.PeerRecord) error) error {
	rows, err := s.db.QueryContext(ctx, store.PeerRecordsQuery, source, withFeature)
	if err != nil {
		return fmt.Errorf("sqlite: peer %s: records: %w", source, err)
	}
	defer rows.Close()
	if err := store.ScanPeerRecords(rows, fn); err != nil {
		return fmt.Errorf("sqlite: peer %s: records: %w", source, err)
	}
	return nil
}

// PeerAbsorbed maps each survivor of a peer's merges to the keys merged
// into it.
func (s *Store) PeerAbsorbed(ctx context.Context, source string) (map[string][]string, error) {
	rows, err := s.db.QueryContext(ctx, store.PeerAbsorbedQuery, source)
	if err != nil {
		return nil, fmt.Errorf("sqlite: peer %s: merges: %w", source, err)
	}
	defer rows.Close()
	out, err := store.ScanPeerAbsorbed(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: peer %s: merges: %w", source, err)
	}
	return out, nil
}
