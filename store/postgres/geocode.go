package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/maillage/maillage/store"
)

// GeocodeLookup returns the cached answers of the keys it has.
func (s *Store) GeocodeLookup(ctx context.Context, keys []string) (map[string]store.GeocodeEntry, error) {
	out := make(map[string]store.GeocodeEntry, len(keys))
	rows, err := s.pool.Query(ctx, `SELECT query_key, result, found, fetched_at FROM geocode_cache WHERE query_key = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("postgres: geocode cache: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e store.GeocodeEntry
		var result string
		if err := rows.Scan(&e.Key, &result, &e.Found, &e.FetchedAt); err != nil {
			return nil, fmt.Errorf("postgres: geocode cache: %w", err)
		}
		e.Result, e.FetchedAt = []byte(result), utc(e.FetchedAt)
		out[e.Key] = e
	}
	return out, rows.Err()
}

// GeocodeSave caches answers, in one transaction.
func (s *Store) GeocodeSave(ctx context.Context, entries []store.GeocodeEntry) error {
	return s.inTx(ctx, "geocode cache", func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, e := range entries {
			b.Queue(`INSERT INTO geocode_cache (query_key, result, found, fetched_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (query_key) DO UPDATE SET result = excluded.result, found = excluded.found, fetched_at = excluded.fetched_at`,
				e.Key, string(e.Result), e.Found, e.FetchedAt)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("postgres: geocode cache: %w", err)
		}
		return nil
	})
}
