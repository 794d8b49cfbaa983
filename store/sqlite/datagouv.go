package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/maillage/maillage/store"
)

// DatagouvDataset returns a configured dataset's data.gouv.fr state.
func (s *Store) DatagouvDataset(ctx context.Context, key string) (store.DatagouvDataset, bool, error) {
	d := store.DatagouvDataset{Key: key, Resources: map[string]store.DatagouvResource{}}
	var created string
	err := s.db.QueryRowContext(ctx, store.DatagouvDatasetQuery, key).Scan(&d.DatasetID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("sqlite: data.gouv.fr dataset %s: %w", key, err)
	}
	d.CreatedAt = parseTS(created)
	rows, err := s.db.QueryContext(ctx, store.DatagouvResourcesQuery, key)
	if err != nil {
		return d, false, fmt.Errorf("sqlite: data.gouv.fr resources of %s: %w", key, err)
	}
	defer rows.Close()
	for rows.Next() {
		var file, uploaded string
		var r store.DatagouvResource
		if err := rows.Scan(&file, &r.ResourceID, &r.SHA1, &r.Bytes, &uploaded); err != nil {
			return d, false, fmt.Errorf("sqlite: data.gouv.fr resources of %s: %w", key, err)
		}
		r.UploadedAt = parseTS(uploaded)
		d.Resources[file] = r
	}
	if err := rows.Err(); err != nil {
		return d, false, fmt.Errorf("sqlite: data.gouv.fr resources of %s: %w", key, err)
	}
	return d, true, nil
}

// SaveDatagouvDataset records a dataset's id and its listed resources.
func (s *Store) SaveDatagouvDataset(ctx context.Context, d store.DatagouvDataset) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: data.gouv.fr dataset %s: %w", d.Key, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, store.SaveDatagouvDatasetQuery, d.Key, d.DatasetID, ts(d.CreatedAt)); err != nil {
		return fmt.Errorf("sqlite: data.gouv.fr dataset %s: %w", d.Key, err)
	}
	for file, r := range d.Resources {
		if _, err := tx.ExecContext(ctx, store.SaveDatagouvResourceQuery, d.Key, file, r.ResourceID, r.SHA1, r.Bytes, ts(r.UploadedAt)); err != nil {
			return fmt.Errorf("sqlite: data.gouv.fr resource %s of %s: %w", file, d.Key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: data.gouv.fr dataset %s: commit: %w", d.Key, err)
	}
	return nil
}
