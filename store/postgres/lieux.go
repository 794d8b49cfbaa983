package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/maillage/maillage/internal/failpoint"
	"github.com/maillage/maillage/store"
)

// LieuIndex returns the current links and the creation time of every lieu.
func (s *Store) LieuIndex(ctx context.Context) (store.LieuIndex, error) {
	idx := store.LieuIndex{Created: map[string]time.Time{}}
	err := s.EachLink(ctx, func(l store.Link) error {
		idx.Links = append(idx.Links, l)
		return nil
	})
	if err != nil {
		return idx, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, created_at FROM lieux`)
	if err != nil {
		return idx, fmt.Errorf("postgres: lieu index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var created time.Time
		if err := rows.Scan(&id, &created); err != nil {
			return idx, fmt.Errorf("postgres: lieu index: %w", err)
		}
		idx.Created[id] = utc(created)
	}
	if err := rows.Err(); err != nil {
		return idx, fmt.Errorf("postgres: lieu index: %w", err)
	}
	idx.Retired, err = s.retiredIDs(ctx)
	return idx, err
}

func (s *Store) retiredIDs(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT old_id FROM lieu_redirects ORDER BY old_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: redirects: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: redirects: %w", err)
	}
	return ids, nil
}

// SaveLieux publishes set under one new revision, in one transaction that
// holds the lieux table against a concurrent publication: lieux inserted,
// changed or tombstoned; links made those of the set; redirects added.
func (s *Store) SaveLieux(ctx context.Context, set store.LieuSet, at time.Time) (store.LieuStats, error) {
	var st store.LieuStats
	err := s.inTx(ctx, "save lieux", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE lieux IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("postgres: save lieux: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(revision), 0) + 1 FROM lieux`).Scan(&st.Revision); err != nil {
			return fmt.Errorf("postgres: save lieux: %w", err)
		}
		if err := tx.QueryRow(ctx, `UPDATE sequences SET value = value + 1 WHERE name = 'lieux' RETURNING value`).Scan(&st.Seq); err != nil {
			return fmt.Errorf("postgres: save lieux: sequence: %w", err)
		}
		if set.Base != 0 && st.Seq != set.Base+1 {
			return fmt.Errorf("postgres: save lieux: made against publication %d, the store is at %d: %w", set.Base, st.Seq-1, store.ErrKeptChanged)
		}
		var first bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM lieux)`).Scan(&first); err != nil {
			return fmt.Errorf("postgres: save lieux: %w", err)
		}
		var err error
		if first && anyKeptLieu(set.Lieux) {
			err = store.ErrKeptChanged
		} else if first {
			st.Created = len(set.Lieux)
			err = copyLieux(ctx, tx, set.Lieux, at, st.Revision)
		} else {
			err = mergeLieux(ctx, tx, set.Lieux, at, &st)
		}
		if err != nil {
			return fmt.Errorf("postgres: save lieux: %w", err)
		}
		if err := syncLinks(ctx, tx, set.Links, at, set.Base != 0 && anyKeptLieu(set.Lieux)); err != nil {
			return fmt.Errorf("postgres: links: %w", err)
		}
		if err := saveRedirects(ctx, tx, set.Redirects, at); err != nil {
			return fmt.Errorf("postgres: redirects: %w", err)
		}
		if err := recordChanges(ctx, tx, st.Revision); err != nil {
			return err
		}
		failpoint.Reach(failpoint.StoreWrite)
		return nil
	})
	return st, err
}

// lieuRows is the lieux as rows to copy, encoded while they are copied
// (store.LieuEncoder), in id order: id, documents, hash, point, then
// extra. A kept lieu's documents and point are not given; its row's
// extra says kept (true) where a new lieu's says false. Each lieu's Hash
// is set as it is encoded.
type lieuRows struct {
	lieux []store.PublishedLieu
	enc   *store.LieuEncoder
	extra func(kept bool) []any
}

func newLieuRows(lieux []store.PublishedLieu, extra func(kept bool) []any) *lieuRows {
	order := store.WriteOrder(len(lieux), func(i int) (string, string) { return lieux[i].Lieu.ID, "" })
	return &lieuRows{lieux: lieux, enc: store.EncodeLieuxInOrder(lieux, order), extra: extra}
}

func (r *lieuRows) Next() bool { return r.enc.Next() }

func (r *lieuRows) Values() ([]any, error) {
	i, e := r.enc.Lieu()
	l := &r.lieux[i]
	if e == nil {
		return append([]any{l.Lieu.ID, nil, nil, l.Hash, nil, nil}, r.extra(true)...), nil
	}
	l.Hash = e.Hash
	return append([]any{e.ID, e.Data, e.Provenance, e.Hash, e.Lon, e.Lat}, r.extra(false)...), nil
}

func (r *lieuRows) Err() error { return r.enc.Err() }

func anyKeptLieu(lieux []store.PublishedLieu) bool {
	for i := range lieux {
		if lieux[i].Kept {
			return true
		}
	}
	return false
}

// LieuSequence returns the value the last SaveLieux took.
func (s *Store) LieuSequence(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT value FROM sequences WHERE name = 'lieux'`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("postgres: lieux sequence: %w", err)
	}
	return seq, nil
}

// copyLieux is the first publication: the lieux copied straight into
// their table.
func copyLieux(ctx context.Context, tx pgx.Tx, lieux []store.PublishedLieu, at time.Time, rev int64) error {
	rows := newLieuRows(lieux, func(bool) []any { return []any{at, at, rev} })
	defer rows.enc.Close()
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"lieux"},
		[]string{"id", "data", "provenance", "content_hash", "lon", "lat", "created_at", "updated_at", "revision"}, rows)
	return err
}

// mergeLieux stages the lieux, then inserts the new, updates the changed
// and tombstones the missing ones.
func mergeLieux(ctx context.Context, tx pgx.Tx, lieux []store.PublishedLieu, at time.Time, st *store.LieuStats) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stage_lieux (id text COLLATE "C" PRIMARY KEY, data text, provenance text,
		content_hash text, lon double precision, lat double precision, kept boolean) ON COMMIT DROP`); err != nil {
		return err
	}
	rows := newLieuRows(lieux, func(kept bool) []any { return []any{kept} })
	defer rows.enc.Close()
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_lieux"}, []string{"id", "data", "provenance", "content_hash", "lon", "lat", "kept"},
		rows); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `ANALYZE stage_lieux`); err != nil {
		return err
	}
	var lost int
	err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE l.id IS NULL OR l.deleted_at IS NOT NULL),
		count(*) FILTER (WHERE l.deleted_at IS NULL AND l.content_hash = s.content_hash), count(*),
		count(*) FILTER (WHERE s.kept AND (l.id IS NULL OR l.deleted_at IS NOT NULL OR l.content_hash <> s.content_hash))
		FROM stage_lieux s LEFT JOIN lieux l ON l.id = s.id`).Scan(&st.Created, &st.Unchanged, &st.Updated, &lost)
	if err != nil {
		return err
	}
	if lost > 0 {
		return fmt.Errorf("%d lieux: %w", lost, store.ErrKeptChanged)
	}
	st.Updated -= st.Created + st.Unchanged
	if _, err := tx.Exec(ctx, `INSERT INTO lieux AS l (id, data, provenance, content_hash, lon, lat, created_at, updated_at, revision)
		SELECT id, data::json, provenance::json, content_hash, lon, lat, $1, $1, $2 FROM stage_lieux WHERE NOT kept
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, provenance = excluded.provenance, content_hash = excluded.content_hash,
			lon = excluded.lon, lat = excluded.lat, updated_at = $1, deleted_at = NULL, revision = $2
		WHERE l.deleted_at IS NOT NULL OR l.content_hash <> excluded.content_hash`, at, st.Revision); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE lieux l SET deleted_at = $1, updated_at = $1, revision = $2
		WHERE l.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM stage_lieux s WHERE s.id = l.id)`, at, st.Revision)
	st.Deleted = int(tag.RowsAffected())
	return err
}

// syncLinks makes the record → lieu links those of the set; linked_at
// changes only for a record that moves to another lieu. The first links
// are copied in; later ones staged and merged. With keepKept (a set made
// against the last publication), the kept lieux (stage_lieux) keep their
// links.
func syncLinks(ctx context.Context, tx pgx.Tx, links []store.Link, at time.Time, keepKept bool) error {
	var first bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM lieu_links)`).Scan(&first); err != nil {
		return err
	}
	if first { // copied straight into their table
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"lieu_links"}, []string{"source", "record_key", "lieu_id", "linked_at"},
			pgx.CopyFromSlice(len(links), func(i int) ([]any, error) {
				return []any{links[i].Source, links[i].RecordKey, links[i].LieuID, at}, nil
			}))
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stage_links (source text COLLATE "C", record_key text COLLATE "C",
		lieu_id text COLLATE "C", PRIMARY KEY (source, record_key)) ON COMMIT DROP`); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_links"}, []string{"source", "record_key", "lieu_id"},
		pgx.CopyFromSlice(len(links), func(i int) ([]any, error) {
			return []any{links[i].Source, links[i].RecordKey, links[i].LieuID}, nil
		})); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `ANALYZE stage_links`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO lieu_links AS l (source, record_key, lieu_id, linked_at)
		SELECT source, record_key, lieu_id, $1 FROM stage_links s
		WHERE NOT $2 OR NOT EXISTS (SELECT 1 FROM stage_lieux k WHERE k.id = s.lieu_id AND k.kept)
		ON CONFLICT (source, record_key) DO UPDATE SET lieu_id = excluded.lieu_id, linked_at = excluded.linked_at
		WHERE l.lieu_id <> excluded.lieu_id`, at, keepKept); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM lieu_links l WHERE NOT EXISTS
		(SELECT 1 FROM stage_links s WHERE s.source = l.source AND s.record_key = l.record_key)
		AND (NOT $1 OR NOT EXISTS (SELECT 1 FROM stage_lieux k WHERE k.id = l.lieu_id AND k.kept))`, keepKept)
	return err
}

// saveRedirects records retired ids, re-pointing older redirects to the
// new survivor so a chain never needs more than one hop.
func saveRedirects(ctx context.Context, tx pgx.Tx, redirects map[string]string, at time.Time) error {
	b := &pgx.Batch{}
	for old, survivor := range redirects {
		b.Queue(`UPDATE lieu_redirects SET new_id = $1 WHERE new_id = $2`, survivor, old)
		b.Queue(`INSERT INTO lieu_redirects (old_id, new_id, retired_at) VALUES ($1, $2, $3)
			ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id, retired_at = excluded.retired_at`, old, survivor, at)
	}
	b.Queue(`DELETE FROM lieu_redirects WHERE old_id IN (SELECT id FROM lieux WHERE deleted_at IS NULL)`)
	return tx.SendBatch(ctx, b).Close()
}

const lieuColumns = `data::text, provenance::text, created_at, updated_at, revision`

func scanLieu(sc interface{ Scan(...any) error }) (store.LieuRow, error) {
	var r store.LieuRow
	var data, prov string
	if err := sc.Scan(&data, &prov, &r.CreatedAt, &r.UpdatedAt, &r.Revision); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = utc(r.CreatedAt), utc(r.UpdatedAt)
	return r, store.DecodeLieu(&r, data, prov)
}

// ListLieux returns one page of published lieux in id order; a bbox is
// answered from the GiST index of the points.
func (s *Store) ListLieux(ctx context.Context, q store.LieuQuery) ([]store.LieuRow, error) {
	query := `SELECT ` + lieuColumns + ` FROM lieux WHERE deleted_at IS NULL AND id > $1`
	args := []any{q.After}
	if b := q.BBox; b != nil {
		query += ` AND geom && ST_MakeEnvelope($2, $3, $4, $5, 4326)`
		args = append(args, b[0], b[1], b[2], b[3])
	}
	query += fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args)+1)
	args = append(args, q.Limit)
	var out []store.LieuRow
	err := s.queryLieux(ctx, query, args, func(r store.LieuRow) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// EachLieu calls fn for every published lieu in id order.
func (s *Store) EachLieu(ctx context.Context, fn func(store.LieuRow) error) error {
	return s.queryLieux(ctx, `SELECT `+lieuColumns+` FROM lieux WHERE deleted_at IS NULL ORDER BY id`, nil, fn)
}

// queryLieux calls fn for each lieu a query selects (lieuColumns).
func (s *Store) queryLieux(ctx context.Context, query string, args []any, fn func(store.LieuRow) error) error {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgres: lieux: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanLieu(rows)
		if err != nil {
			return fmt.Errorf("postgres: lieux: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LieuDigests returns every published lieu's id and revision.
func (s *Store) LieuDigests(ctx context.Context) ([]store.LieuDigest, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, revision FROM lieux WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: lieu digests: %w", err)
	}
	defer rows.Close()
	out, err := store.Collect(rows, store.ScanLieuDigest)
	if err != nil {
		return nil, fmt.Errorf("postgres: lieu digests: %w", err)
	}
	return out, nil
}

// LieuxOf returns the named published lieux in one query.
func (s *Store) LieuxOf(ctx context.Context, ids []string) ([]store.LieuRow, error) {
	var out []store.LieuRow
	err := s.queryLieux(ctx, `SELECT `+lieuColumns+` FROM lieux WHERE deleted_at IS NULL AND id = ANY($1)`, []any{ids},
		func(r store.LieuRow) error {
			out = append(out, r)
			return nil
		})
	return out, err
}

// Lieu returns a published lieu.
func (s *Store) Lieu(ctx context.Context, id string) (store.LieuRow, error) {
	r, err := scanLieu(s.pool.QueryRow(ctx, `SELECT `+lieuColumns+` FROM lieux WHERE id = $1 AND deleted_at IS NULL`, id))
	if noRows(err) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("postgres: lieu %s: %w", id, err)
	}
	return r, nil
}

// Redirect returns the surviving id of a retired one.
func (s *Store) Redirect(ctx context.Context, id string) (string, bool, error) {
	var to string
	err := s.pool.QueryRow(ctx, `SELECT new_id FROM lieu_redirects WHERE old_id = $1`, id).Scan(&to)
	if noRows(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("postgres: redirect %s: %w", id, err)
	}
	return to, true, nil
}

// RetiredLieux returns the redirected ids and the deleted lieux that
// redirect nowhere (store.RetiredLieuxQuery).
func (s *Store) RetiredLieux(ctx context.Context) ([]store.RetiredLieu, error) {
	rows, err := s.pool.Query(ctx, store.RetiredLieuxQuery)
	if err != nil {
		return nil, fmt.Errorf("postgres: retired lieux: %w", err)
	}
	defer rows.Close()
	var out []store.RetiredLieu
	for rows.Next() {
		var r store.RetiredLieu
		if err := rows.Scan(&r.ID, &r.MergedInto, &r.At); err != nil {
			return nil, fmt.Errorf("postgres: retired lieux: %w", err)
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: retired lieux: %w", err)
	}
	return out, nil
}

// EachLink calls fn for every record → lieu link, by lieu then record.
func (s *Store) EachLink(ctx context.Context, fn func(store.Link) error) error {
	rows, err := s.pool.Query(ctx, `SELECT lieu_id, source, record_key, linked_at FROM lieu_links ORDER BY lieu_id, source, record_key`)
	if err != nil {
		return fmt.Errorf("postgres: links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l store.Link
		if err := rows.Scan(&l.LieuID, &l.Source, &l.RecordKey, &l.LinkedAt); err != nil {
			return fmt.Errorf("postgres: links: %w", err)
		}
		l.LinkedAt = utc(l.LinkedAt)
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Version describes the published dataset.
func (s *Store) Version(ctx context.Context) (store.Version, error) {
	var v store.Version
	var updated *time.Time
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(revision), 0), max(updated_at),
		(SELECT count(*) FROM lieux WHERE deleted_at IS NULL) FROM lieux`).Scan(&v.Revision, &updated, &v.Count)
	if err != nil {
		return v, fmt.Errorf("postgres: version: %w", err)
	}
	if updated != nil {
		v.UpdatedAt = utc(*updated)
	}
	return v, nil
}
