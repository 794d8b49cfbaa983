package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/maillage/maillage/store"
)

// RecordSequence returns the records sequence's value.
func (s *Store) RecordSequence(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT value FROM sequences WHERE name = 'records'`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("postgres: records sequence: %w", err)
	}
	return seq, nil
}

// PublicationState returns the saved publication state.
func (s *Store) PublicationState(ctx context.Context) (store.PublicationState, bool, error) {
	var ps store.PublicationState
	err := s.pool.QueryRow(ctx, `SELECT input_key, lieux_seq, summary::text, saved_at FROM publication_state WHERE id = 1`).
		Scan(&ps.InputKey, &ps.LieuxSeq, &ps.Summary, &ps.SavedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ps, false, nil
	}
	if err != nil {
		return ps, false, fmt.Errorf("postgres: publication state: %w", err)
	}
	ps.SavedAt = utc(ps.SavedAt)
	return ps, true, nil
}

// SavePublicationState replaces the saved publication state.
func (s *Store) SavePublicationState(ctx context.Context, ps store.PublicationState) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO publication_state (id, input_key, lieux_seq, summary, saved_at) VALUES (1, $1, $2, $3::jsonb, $4)
		ON CONFLICT (id) DO UPDATE SET input_key = excluded.input_key, lieux_seq = excluded.lieux_seq, summary = excluded.summary, saved_at = excluded.saved_at`,
		ps.InputKey, ps.LieuxSeq, string(ps.Summary), ps.SavedAt)
	if err != nil {
		return fmt.Errorf("postgres: save publication state: %w", err)
	}
	return nil
}
