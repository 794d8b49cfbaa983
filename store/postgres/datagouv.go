package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/maillage/maillage/store"
)

// DatagouvDataset returns a configured dataset's data.gouv.fr state.
func (s *Store) DatagouvDataset(ctx context.Context, key string) (store.DatagouvDataset, bool, error) {
	d := store.DatagouvDataset{Key: key, Resources: map[string]store.DatagouvResource{}}
	err := s.pool.QueryRow(ctx, store.DatagouvDatasetQuery, key).Scan(&d.DatasetID, &d.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("postgres: data.gouv.fr dataset %s: %w", key, err)
	}
	d.CreatedAt = utc(d.CreatedAt)
	rows, err := s.pool.Query(ctx, store.DatagouvResourcesQuery, key)
	if err != nil {
		return d, false, fmt.Errorf("postgres: data.gouv.fr resources of %s: %w", key, err)
	}
	defer rows.Close()
	for rows.Next() {
		var file string
		var r store.DatagouvResource
		if err := rows.Scan(&file, &r.ResourceID, &r.SHA1, &r.Bytes, &r.UploadedAt); err != nil {
			return d, false, fmt.Errorf("postgres: data.gouv.fr resources of %s: %w", key, err)
		}
		r.UploadedAt = utc(r.UploadedAt)
		d.Resources[file] = r
	}
	if err := rows.Err(); err != nil {
		return d, false, fmt.Errorf("postgres: data.gouv.fr resources of %s: %w", key, err)
	}
	return d, true, nil
}

// SaveDatagouvDataset records a dataset's id and its listed resources.
func (s *Store) SaveDatagouvDataset(ctx context.Context, d store.DatagouvDataset) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: data.gouv.fr dataset %s: %w", d.Key, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, store.SaveDatagouvDatasetQuery, d.Key, d.DatasetID, d.CreatedAt); err != nil {
		return fmt.Errorf("postgres: data.gouv.fr dataset %s: %w", d.Key, err)
	}
	for file, r := range d.Resources {
		if _, err := tx.Exec(ctx, store.SaveDatagouvResourceQuery, d.Key, file, r.ResourceID, r.SHA1, r.Bytes, r.UploadedAt); err != nil {
			return fmt.Errorf("postgres: data.gouv.fr resource %s of %s: %w", file, d.Key, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: data.gouv.fr dataset %s: commit: %w", d.Key, err)
	}
	return nil
}
