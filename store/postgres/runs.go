package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/maillage/maillage/store"
)

// StartRun opens a run.
func (s *Store) StartRun(ctx context.Context, at time.Time, instance string) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `INSERT INTO runs (started_at, status, instance) VALUES ($1, 'running', $2) RETURNING id`, at, instance).Scan(&id); err != nil {
		return 0, fmt.Errorf("postgres: start run: %w", err)
	}
	return id, nil
}

// FinishRun closes a run.
func (s *Store) FinishRun(ctx context.Context, runID int64, at time.Time, status string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE runs SET finished_at = $1, status = $2 WHERE id = $3`, at, status, runID); err != nil {
		return fmt.Errorf("postgres: finish run %d: %w", runID, err)
	}
	return nil
}

// RecordSourceRun stores what a run did with a source.
func (s *Store) RecordSourceRun(ctx context.Context, r store.SourceRun) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO source_runs (run_id, source, started_at, finished_at, status, error,
		fetched, unchanged, valid, fixed, quarantined, geocoded, created, updated, deleted, normalised, payload_hash, etag, last_modified,
		geocoding_pending)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		r.RunID, r.Source, r.StartedAt, r.FinishedAt, r.Status, r.Error, r.Fetched, r.Unchanged, r.Valid, r.Fixed,
		r.Quarantined, r.Geocoded, r.Created, r.Updated, r.Deleted, r.Normalised, r.PayloadHash, r.ETag, r.LastModified, r.GeocodingPending)
	if err != nil {
		return fmt.Errorf("postgres: record run of %s: %w", r.Source, err)
	}
	return nil
}

const sourceRunColumns = `run_id, source, started_at, finished_at, status, error, fetched, unchanged, valid, fixed,
	quarantined, geocoded, created, updated, deleted, normalised, payload_hash, etag, last_modified, geocoding_pending`

func scanSourceRun(sc interface{ Scan(...any) error }) (store.SourceRun, error) {
	var r store.SourceRun
	err := sc.Scan(&r.RunID, &r.Source, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Error, &r.Fetched, &r.Unchanged, &r.Valid,
		&r.Fixed, &r.Quarantined, &r.Geocoded, &r.Created, &r.Updated, &r.Deleted, &r.Normalised, &r.PayloadHash, &r.ETag, &r.LastModified,
		&r.GeocodingPending)
	r.StartedAt, r.FinishedAt = utc(r.StartedAt), utc(r.FinishedAt)
	return r, err
}

// LastGoodSourceRun returns the latest run of a source that applied its data.
func (s *Store) LastGoodSourceRun(ctx context.Context, source string) (store.SourceRun, bool, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+sourceRunColumns+` FROM source_runs
		WHERE source = $1 AND status <> $2 AND status <> $3 ORDER BY run_id DESC LIMIT 1`, source, store.RunFailed, store.RunHeld)
	r, err := scanSourceRun(row)
	if noRows(err) {
		return store.SourceRun{}, false, nil
	}
	if err != nil {
		return store.SourceRun{}, false, fmt.Errorf("postgres: last run of %s: %w", source, err)
	}
	return r, true, nil
}

// LatestSourceRuns returns the latest run of each source.
func (s *Store) LatestSourceRuns(ctx context.Context) ([]store.SourceRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (source) `+sourceRunColumns+` FROM source_runs ORDER BY source, run_id DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: latest runs: %w", err)
	}
	defer rows.Close()
	var out []store.SourceRun
	for rows.Next() {
		r, err := scanSourceRun(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: latest runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
