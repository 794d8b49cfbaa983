package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/maillage/maillage/store"
)

// RecordSequence returns the records sequence's value.
func (s *Store) RecordSequence(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM sequences WHERE name = 'records'`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("sqlite: records sequence: %w", err)
	}
	return seq, nil
}

// PublicationState returns the saved publication state.
func (s *Store) PublicationState(ctx context.Context) (store.PublicationState, bool, error) {
	var ps store.PublicationState
	var summary, at string
	err := s.db.QueryRowContext(ctx, `SELECT input_key, lieux_seq, summary, saved_at FROM publication_state WHERE id = 1`).
		Scan(&ps.InputKey, &ps.LieuxSeq, &summary, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return ps, false, nil
	}
	if err != nil {
		return ps, false, fmt.Errorf("sqlite: publication state: %w", err)
	}
	ps.Summary, ps.SavedAt = []byte(summary), parseTS(at)
	return ps, true, nil
}

// SavePublicationState replaces the saved publication state.
func (s *Store) SavePublicationState(ctx context.Context, ps store.PublicationState) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO publication_state (id, input_key, lieux_seq, summary, saved_at) VALUES (1, $1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET input_key = excluded.input_key, lieux_seq = excluded.lieux_seq, summary = excluded.summary, saved_at = excluded.saved_at`,
		ps.InputKey, ps.LieuxSeq, string(ps.Summary), ts(ps.SavedAt))
	if err != nil {
		return fmt.Errorf("sqlite: save publication state: %w", err)
	}
	return nil
}
