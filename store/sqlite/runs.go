package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/maillage/maillage/store"
)

// StartRun opens a run.
func (s *Store) StartRun(ctx context.Context, at time.Time, instance string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO runs (started_at, status, instance) VALUES ($1, 'running', $2)`, ts(at), instance)
	if err != nil {
		return 0, fmt.Errorf("sqlite: start run: %w", err)
	}
	return res.LastInsertId()
}

// FinishRun closes a run.
func (s *Store) FinishRun(ctx context.Context, runID int64, at time.Time, status string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE runs SET finished_at = $1, status = $2 WHERE id = $3`, ts(at), status, runID); err != nil {
		return fmt.Errorf("sqlite: finish run %d: %w", runID, err)
	}
	return nil
}

// RecordSourceRun stores what a run did with a source.
func (s *Store) RecordSourceRun(ctx context.Context, r store.SourceRun) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO source_runs (run_id, source, started_at, finished_at, status, error,
		fetched, unchanged, valid, fixed, quarantined, geocoded, created, updated, deleted, normalised, payload_hash, etag, last_modified,
		geocoding_pending)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		r.RunID, r.Source, ts(r.StartedAt), ts(r.FinishedAt), r.Status, r.Error, r.Fetched, r.Unchanged, r.Valid, r.Fixed,
		r.Quarantined, r.Geocoded, r.Created, r.Updated, r.Deleted, r.Normalised, r.PayloadHash, r.ETag, r.LastModified, r.GeocodingPending)
	if err != nil {
		return fmt.Errorf("sqlite: record run of %s: %w", r.Source, err)
	}
	return nil
}

const sourceRunColumns = `run_id, source, started_at, finished_at, status, error, fetched, unchanged, valid, fixed,
	quarantined, geocoded, created, updated, deleted, normalised, payload_hash, etag, last_modified, geocoding_pending`

func scanSourceRun(sc interface{ Scan(...any) error }) (store.SourceRun, error) {
	var r store.SourceRun
	var started, finished string
	err := sc.Scan(&r.RunID, &r.Source, &started, &finished, &r.Status, &r.Error, &r.Fetched, &r.Unchanged, &r.Valid,
		&r.Fixed, &r.Quarantined, &r.Geocoded, &r.Created, &r.Updated, &r.Deleted, &r.Normalised, &r.PayloadHash, &r.ETag, &r.LastModified,
		&r.GeocodingPending)
	r.StartedAt, r.FinishedAt = parseTS(started), parseTS(finished)
	return r, err
}

// LastGoodSourceRun returns the latest run of a source that applied its data.
func (s *Store) LastGoodSourceRun(ctx context.Context, source string) (store.SourceRun, bool, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+sourceRunColumns+` FROM source_runs
		WHERE source = $1 AND status <> $2 AND status <> $3 ORDER BY run_id DESC LIMIT 1`, source, store.RunFailed, store.RunHeld)
	r, err := scanSourceRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SourceRun{}, false, nil
	}
	if err != nil {
		return store.SourceRun{}, false, fmt.Errorf("sqlite: last run of %s: %w", source, err)
	}
	return r, true, nil
}

// LatestSourceRuns returns the latest run of each source.
func (s *Store) LatestSourceRuns(ctx context.Context) ([]store.SourceRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sourceRunColumns+` FROM source_runs sr
		WHERE run_id = (SELECT max(run_id) FROM source_runs WHERE source = sr.source) ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: latest runs: %w", err)
	}
	defer rows.Close()
	var out []store.SourceRun
	for rows.Next() {
		r, err := scanSourceRun(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: latest runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
