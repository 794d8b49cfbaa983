package sqlite

import (
	"context"
	"fmt"

	"github.com/maillage/maillage/store"
)

// GeocodeLookup returns the cached answers of the keys it has.
func (s *Store) GeocodeLookup(ctx context.Context, keys []string) (map[string]store.GeocodeEntry, error) {
	out := make(map[string]store.GeocodeEntry, len(keys))
	stmt, err := s.db.PrepareContext(ctx, `SELECT result, found, fetched_at FROM geocode_cache WHERE query_key = $1`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: geocode cache: %w", err)
	}
	defer stmt.Close()
	for _, k := range keys {
		var e store.GeocodeEntry
		var result, fetched string
		err := stmt.QueryRowContext(ctx, k).Scan(&result, &e.Found, &fetched)
		if err != nil {
			continue // absent
		}
		e.Key, e.Result, e.FetchedAt = k, []byte(result), parseTS(fetched)
		out[k] = e
	}
	return out, nil
}

// GeocodeSave caches answers.
func (s *Store) GeocodeSave(ctx context.Context, entries []store.GeocodeEntry) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: geocode cache: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO geocode_cache (query_key, result, found, fetched_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (query_key) DO UPDATE SET result = excluded.result, found = excluded.found, fetched_at = excluded.fetched_at`)
	if err != nil {
		return fmt.Errorf("sqlite: geocode cache: %w", err)
	}
	defer stmt.Close()
	for _, e := range entries {
		if _, err := stmt.ExecContext(ctx, e.Key, string(e.Result), e.Found, ts(e.FetchedAt)); err != nil {
			return fmt.Errorf("sqlite: geocode cache %q: %w", e.Key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: geocode cache: commit: %w", err)
	}
	return nil
}
