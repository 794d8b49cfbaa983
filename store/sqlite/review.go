package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/maillage/maillage/store"
)

// SaveReviewPairs makes pairs the pending review set, in one
// transaction, writing only the pairs that changed.
func (s *Store) SaveReviewPairs(ctx context.Context, pairs []store.ReviewPair) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: review pairs: %w", err)
	}
	defer tx.Rollback()
	pending, err := pendingPairs(ctx, tx)
	if err != nil {
		return err
	}
	write, gone := store.PairChanges(pending, pairs)
	for _, k := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM review_pairs WHERE a_source = $1 AND a_key = $2 AND b_source = $3 AND b_key = $4`,
			k.A.Source, k.A.RecordKey, k.B.Source, k.B.RecordKey); err != nil {
			return fmt.Errorf("sqlite: review pair %v %v: %w", k.A, k.B, err)
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO review_pairs (a_source, a_key, b_source, b_key, score, found_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (a_source, a_key, b_source, b_key)
		DO UPDATE SET score = excluded.score, found_at = excluded.found_at`)
	if err != nil {
		return fmt.Errorf("sqlite: review pairs: %w", err)
	}
	defer ins.Close()
	for _, p := range write {
		if _, err := ins.ExecContext(ctx, p.A.Source, p.A.RecordKey, p.B.Source, p.B.RecordKey, p.Score, ts(p.FoundAt)); err != nil {
			return fmt.Errorf("sqlite: review pair %v %v: %w", p.A, p.B, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: review pairs: commit: %w", err)
	}
	return nil
}

// pendingPairs reads what tells the pending pairs apart.
func pendingPairs(ctx context.Context, tx *sql.Tx) (map[store.PairKey]store.PendingPair, error) {
	rows, err := tx.QueryContext(ctx, `SELECT a_source, a_key, b_source, b_key, score FROM review_pairs`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: review pairs: %w", err)
	}
	defer rows.Close()
	out, err := store.PendingPairs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: review pairs: %w", err)
	}
	return out, nil
}

// ReviewPairs returns the pending pairs, best score first.
func (s *Store) ReviewPairs(ctx context.Context) ([]store.ReviewPair, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a_source, a_key, b_source, b_key, score, found_at FROM review_pairs
		ORDER BY score DESC, a_source, a_key, b_source, b_key`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: review pairs: %w", err)
	}
	defer rows.Close()
	var out []store.ReviewPair
	for rows.Next() {
		var p store.ReviewPair
		var at string
		if err := rows.Scan(&p.A.Source, &p.A.RecordKey, &p.B.Source, &p.B.RecordKey, &p.Score, &at); err != nil {
			return nil, fmt.Errorf("sqlite: review pairs: %w", err)
		}
		p.FoundAt = parseTS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveDecision records a verdict and takes the pair out of review.
func (s *Store) SaveDecision(ctx context.Context, d store.Decision) error {
	a, b := store.Ordered(d.A, d.B)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: decision: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO dedup_decisions (a_source, a_key, b_source, b_key, same, decided_by, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (a_source, a_key, b_source, b_key) DO UPDATE SET same = excluded.same, decided_by = excluded.decided_by,
		decided_at = excluded.decided_at`, a.Source, a.RecordKey, b.Source, b.RecordKey, d.Same, d.By, ts(d.DecidedAt)); err != nil {
		return fmt.Errorf("sqlite: decision %v %v: %w", a, b, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM review_pairs WHERE a_source = $1 AND a_key = $2 AND b_source = $3 AND b_key = $4`,
		a.Source, a.RecordKey, b.Source, b.RecordKey); err != nil {
		return fmt.Errorf("sqlite: decision %v %v: %w", a, b, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: decision: commit: %w", err)
	}
	return nil
}

// Decisions returns every verdict, in pair order.
func (s *Store) Decisions(ctx context.Context) ([]store.Decision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a_source, a_key, b_source, b_key, same, decided_by, decided_at FROM dedup_decisions
		ORDER BY a_source, a_key, b_source, b_key`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: decisions: %w", err)
	}
	defer rows.Close()
	var out []store.Decision
	for rows.Next() {
		var d store.Decision
		var at string
		if err := rows.Scan(&d.A.Source, &d.A.RecordKey, &d.B.Source, &d.B.RecordKey, &d.Same, &d.By, &at); err != nil {
			return nil, fmt.Errorf("sqlite: decisions: %w", err)
		}
		d.DecidedAt = parseTS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveReport stores a reported error.
func (s *Store) SaveReport(ctx context.Context, r store.Report) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO error_reports (lieu_id, message, contact, reported_at) VALUES ($1, $2, $3, $4)`,
		r.LieuID, r.Message, r.Contact, ts(r.ReportedAt))
	if err != nil {
		return 0, fmt.Errorf("sqlite: error report on %s: %w", r.LieuID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("sqlite: error report on %s: %w", r.LieuID, err)
	}
	return id, nil
}

// Reports returns every reported error, the latest first.
func (s *Store) Reports(ctx context.Context) ([]store.Report, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, lieu_id, message, contact, reported_at FROM error_reports ORDER BY reported_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: error reports: %w", err)
	}
	defer rows.Close()
	var out []store.Report
	for rows.Next() {
		var r store.Report
		var at string
		if err := rows.Scan(&r.ID, &r.LieuID, &r.Message, &r.Contact, &at); err != nil {
			return nil, fmt.Errorf("sqlite: error reports: %w", err)
		}
		r.ReportedAt = parseTS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
