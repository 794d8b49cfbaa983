package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

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
	rows, err := s.db.QueryContext(ctx, `SELECT id, created_at FROM lieux`)
	if err != nil {
		return idx, fmt.Errorf("sqlite: lieu index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, created string
		if err := rows.Scan(&id, &created); err != nil {
			return idx, fmt.Errorf("sqlite: lieu index: %w", err)
		}
		idx.Created[id] = parseTS(created)
	}
	if err := rows.Err(); err != nil {
		return idx, fmt.Errorf("sqlite: lieu index: %w", err)
	}
	idx.Retired, err = s.retiredIDs(ctx)
	return idx, err
}

func (s *Store) retiredIDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT old_id FROM lieu_redirects ORDER BY old_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: redirects: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: redirects: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// nextLieuxSeq takes the lieux sequence's next value.
const nextLieuxSeq = `UPDATE sequences SET value = value + 1 WHERE name = 'lieux' RETURNING value`

// LieuSequence returns the value the last SaveLieux took.
func (s *Store) LieuSequence(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM sequences WHERE name = 'lieux'`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("sqlite: lieux sequence: %w", err)
	}
	return seq, nil
}

type storedLieu struct {
	hash    string
	deleted bool
}

// SaveLieux publishes set: lieux inserted, changed or tombstoned under one
// new revision; links made those of the set; redirects added.
func (s *Store) SaveLieux(ctx context.Context, set store.LieuSet, at time.Time) (store.LieuStats, error) {
	var st store.LieuStats
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("sqlite: save lieux: %w", err)
	}
	defer tx.Rollback()
	existing, rev, err := loadLieuState(ctx, tx)
	if err != nil {
		return st, err
	}
	if err := tx.QueryRowContext(ctx, nextLieuxSeq).Scan(&st.Seq); err != nil {
		return st, fmt.Errorf("sqlite: save lieux: sequence: %w", err)
	}
	if set.Base != 0 && st.Seq != set.Base+1 {
		return st, fmt.Errorf("sqlite: save lieux: made against publication %d, the store is at %d: %w", set.Base, st.Seq-1, store.ErrKeptChanged)
	}
	st.Revision = rev
	touched, err := saveLieuRows(ctx, tx, set.Lieux, existing, rev, at, &st)
	if err != nil {
		return st, err
	}
	if set.Base == 0 {
		touched = nil // every link is compared
	}
	if err := syncLinks(ctx, tx, set, at, touched, len(existing)); err != nil {
		return st, err
	}
	if 4*len(touched) > len(existing) {
		touched = nil // one statement rather than one per lieu
	}
	if err := saveRedirects(ctx, tx, set, at, touched); err != nil {
		return st, err
	}
	if err := recordChanges(ctx, tx, rev); err != nil {
		return st, err
	}
	failpoint.Reach(failpoint.StoreWrite)
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("sqlite: save lieux: commit: %w", err)
	}
	return st, nil
}

func loadLieuState(ctx context.Context, tx *sql.Tx) (map[string]storedLieu, int64, error) {
	var rev int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(revision), 0) + 1 FROM lieux`).Scan(&rev); err != nil {
		return nil, 0, fmt.Errorf("sqlite: save lieux: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, content_hash, deleted_at IS NOT NULL FROM lieux`)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: save lieux: %w", err)
	}
	defer rows.Close()
	out := map[string]storedLieu{}
	for rows.Next() {
		var id string
		var l storedLieu
		if err := rows.Scan(&id, &l.hash, &l.deleted); err != nil {
			return nil, 0, fmt.Errorf("sqlite: save lieux: %w", err)
		}
		out[id] = l
	}
	return out, rev, rows.Err()
}

// saveLieuRows writes the lieux that are not kept and tombstones those
// gone; it returns their ids (touched).
func saveLieuRows(ctx context.Context, tx *sql.Tx, lieux []store.PublishedLieu, existing map[string]storedLieu, rev int64, at time.Time, st *store.LieuStats) (map[string]bool, error) {
	seen := make(map[string]bool, len(lieux))
	for i := range lieux {
		pl := &lieux[i]
		seen[pl.Lieu.ID] = true
		if pl.Kept {
			if old, ok := existing[pl.Lieu.ID]; !ok || old.deleted || old.hash != pl.Hash {
				return nil, fmt.Errorf("sqlite: lieu %s: %w", pl.Lieu.ID, store.ErrKeptChanged)
			}
			st.Unchanged++
		}
	}
	stmts, err := prepareLieuStmts(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer stmts.close()
	touched := map[string]bool{}
	order := store.WriteOrder(len(lieux), func(i int) (string, string) { return lieux[i].Lieu.ID, "" })
	enc := store.EncodeLieuxInOrder(lieux, order)
	defer enc.Close()
	for enc.Next() {
		i, e := enc.Lieu()
		if e == nil {
			continue // kept
		}
		row := lieuRowOf(e)
		lieux[i].Hash, touched[row.id] = row.hash, true
		if err := stmts.upsert(ctx, row, existing, rev, at, st); err != nil {
			return nil, err
		}
	}
	if err := enc.Err(); err != nil {
		return nil, err
	}
	for id, old := range existing {
		if seen[id] || old.deleted {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE lieux SET deleted_at = $1, updated_at = $1, revision = $2 WHERE id = $3`, ts(at), rev, id); err != nil {
			return nil, fmt.Errorf("sqlite: delete lieu %s: %w", id, err)
		}
		st.Deleted++
		touched[id] = true
	}
	return touched, nil
}

// lieuRow is a lieu encoded for its table.
type lieuRow struct {
	id, data, provenance, hash string
	lon, lat                   sql.NullFloat64
}

func lieuRowOf(e *store.EncodedLieu) lieuRow {
	row := lieuRow{id: e.ID, data: e.Data, provenance: e.Provenance, hash: e.Hash}
	if e.Lon != nil {
		row.lon, row.lat = sql.NullFloat64{Float64: *e.Lon, Valid: true}, sql.NullFloat64{Float64: *e.Lat, Valid: true}
	}
	return row
}

// lieuStmts are the statements that write lieu rows, prepared once per
// publication (each statement parsed again per row cost most of a
// publication's writing).
type lieuStmts struct{ insert, update *sql.Stmt }

func prepareLieuStmts(ctx context.Context, tx *sql.Tx) (*lieuStmts, error) {
	insert, err := tx.PrepareContext(ctx, `INSERT INTO lieux (id, data, provenance, content_hash, lon, lat, created_at, updated_at, revision)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: save lieux: %w", err)
	}
	update, err := tx.PrepareContext(ctx, `UPDATE lieux SET data = $1, provenance = $2, content_hash = $3, lon = $4, lat = $5,
		updated_at = $6, deleted_at = NULL, revision = $7 WHERE id = $8`)
	if err != nil {
		insert.Close()
		return nil, fmt.Errorf("sqlite: save lieux: %w", err)
	}
	return &lieuStmts{insert: insert, update: update}, nil
}

func (s *lieuStmts) close() {
	s.insert.Close()
	s.update.Close()
}

func (s *lieuStmts) upsert(ctx context.Context, r lieuRow, existing map[string]storedLieu, rev int64, at time.Time, st *store.LieuStats) error {
	old, ok := existing[r.id]
	var err error
	switch {
	case !ok:
		st.Created++
		_, err = s.insert.ExecContext(ctx, r.id, r.data, r.provenance, r.hash, r.lon, r.lat, ts(at), rev)
	case old.hash == r.hash && !old.deleted:
		st.Unchanged++
	default:
		if old.deleted {
			st.Created++
		} else {
			st.Updated++
		}
		_, err = s.update.ExecContext(ctx, r.data, r.provenance, r.hash, r.lon, r.lat, ts(at), rev, r.id)
	}
	if err != nil {
		return fmt.Errorf("sqlite: lieu %s: %w", r.id, err)
	}
	return nil
}

// syncLinks makes the record → lieu links those of set, touching only
// the rows that changed. With touched (a set made against the last
// publication), only the links of the touched lieux are compared: the
// others were kept, and their links with them.
func syncLinks(ctx context.Context, tx *sql.Tx, set store.LieuSet, at time.Time, touched map[string]bool, lieux int) error {
	current, err := currentLinks(ctx, tx, touched, lieux)
	if err != nil {
		return err
	}
	// linked_at changes only when a record moves to another lieu
	upsert, err := tx.PrepareContext(ctx, `INSERT INTO lieu_links (source, record_key, lieu_id, linked_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source, record_key) DO UPDATE SET lieu_id = excluded.lieu_id, linked_at = excluded.linked_at`)
	if err != nil {
		return fmt.Errorf("sqlite: links: %w", err)
	}
	defer upsert.Close()
	for _, i := range store.WriteOrder(len(set.Links), func(i int) (string, string) { return set.Links[i].Source, set.Links[i].RecordKey }) {
		l := set.Links[i]
		if touched != nil && !touched[l.LieuID] {
			continue
		}
		ref := store.RecordRef{Source: l.Source, RecordKey: l.RecordKey}
		if id, ok := current[ref]; !ok || id != l.LieuID {
			if _, err := upsert.ExecContext(ctx, l.Source, l.RecordKey, l.LieuID, ts(at)); err != nil {
				return fmt.Errorf("sqlite: link %s/%s: %w", l.Source, l.RecordKey, err)
			}
		}
		delete(current, ref)
	}
	for ref := range current {
		if _, err := tx.ExecContext(ctx, `DELETE FROM lieu_links WHERE source = $1 AND record_key = $2`, ref.Source, ref.RecordKey); err != nil {
			return fmt.Errorf("sqlite: unlink %s/%s: %w", ref.Source, ref.RecordKey, err)
		}
	}
	return nil
}

// currentLinks reads the stored links: all of them, or those of the
// lieux of ids (lieu by lieu when they are few of the lieux).
func currentLinks(ctx context.Context, tx *sql.Tx, ids map[string]bool, lieux int) (map[store.RecordRef]string, error) {
	current := map[store.RecordRef]string{}
	read := func(query string, args ...any) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlite: links: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var ref store.RecordRef
			var id string
			if err := rows.Scan(&ref.Source, &ref.RecordKey, &id); err != nil {
				return fmt.Errorf("sqlite: links: %w", err)
			}
			current[ref] = id
		}
		return rows.Err()
	}
	if ids == nil || 4*len(ids) > lieux {
		err := read(`SELECT source, record_key, lieu_id FROM lieu_links`)
		if ids != nil {
			maps.DeleteFunc(current, func(_ store.RecordRef, id string) bool { return !ids[id] })
		}
		return current, err
	}
	for id := range ids {
		if err := read(`SELECT source, record_key, lieu_id FROM lieu_links WHERE lieu_id = $1`, id); err != nil {
			return nil, err
		}
	}
	return current, nil
}

// saveRedirects records retired ids, re-pointing older redirects to the new
// survivor so a chain never needs more than one hop, and drops the
// redirects of ids published again (among the touched lieux, when given:
// a kept lieu was published already).
func saveRedirects(ctx context.Context, tx *sql.Tx, set store.LieuSet, at time.Time, touched map[string]bool) error {
	for old, survivor := range set.Redirects {
		if _, err := tx.ExecContext(ctx, `UPDATE lieu_redirects SET new_id = $1 WHERE new_id = $2`, survivor, old); err != nil {
			return fmt.Errorf("sqlite: redirect %s: %w", old, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lieu_redirects (old_id, new_id, retired_at) VALUES ($1, $2, $3)
			ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id, retired_at = excluded.retired_at`, old, survivor, ts(at)); err != nil {
			return fmt.Errorf("sqlite: redirect %s: %w", old, err)
		}
	}
	if touched == nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM lieu_redirects WHERE old_id IN (SELECT id FROM lieux WHERE deleted_at IS NULL)`); err != nil {
			return fmt.Errorf("sqlite: redirects: %w", err)
		}
		return nil
	}
	for id := range touched {
		if _, err := tx.ExecContext(ctx, `DELETE FROM lieu_redirects WHERE old_id = $1
			AND EXISTS (SELECT 1 FROM lieux WHERE id = $1 AND deleted_at IS NULL)`, id); err != nil {
			return fmt.Errorf("sqlite: redirects: %w", err)
		}
	}
	return nil
}

const lieuColumns = `data, provenance, created_at, updated_at, revision`

func scanLieu(sc interface{ Scan(...any) error }) (store.LieuRow, error) {
	var r store.LieuRow
	var data, prov, created, updated string
	if err := sc.Scan(&data, &prov, &created, &updated, &r.Revision); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = parseTS(created), parseTS(updated)
	return r, store.DecodeLieu(&r, data, prov)
}

// ListLieux returns one page of published lieux in id order.
func (s *Store) ListLieux(ctx context.Context, q store.LieuQuery) ([]store.LieuRow, error) {
	query := `SELECT ` + lieuColumns + ` FROM lieux WHERE deleted_at IS NULL AND id > $1`
	args := []any{q.After}
	if b := q.BBox; b != nil {
		query += ` AND lon BETWEEN $2 AND $4 AND lat BETWEEN $3 AND $5`
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
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: lieux: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanLieu(rows)
		if err != nil {
			return fmt.Errorf("sqlite: lieux: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LieuDigests returns every published lieu's id and revision.
func (s *Store) LieuDigests(ctx context.Context) ([]store.LieuDigest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, revision FROM lieux WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lieu digests: %w", err)
	}
	defer rows.Close()
	out, err := store.Collect(rows, store.ScanLieuDigest)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lieu digests: %w", err)
	}
	return out, nil
}

// LieuxOf returns the named published lieux, in batches of ids.
func (s *Store) LieuxOf(ctx context.Context, ids []string) ([]store.LieuRow, error) {
	var out []store.LieuRow
	collect := func(r store.LieuRow) error {
		out = append(out, r)
		return nil
	}
	const batch = 500
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(start+batch, len(ids))]
		args := make([]any, len(part))
		marks := make([]string, len(part))
		for i, id := range part {
			args[i], marks[i] = id, fmt.Sprintf("$%d", i+1)
		}
		query := `SELECT ` + lieuColumns + ` FROM lieux WHERE deleted_at IS NULL AND id IN (` + strings.Join(marks, ",") + `)`
		if err := s.queryLieux(ctx, query, args, collect); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Lieu returns a published lieu.
func (s *Store) Lieu(ctx context.Context, id string) (store.LieuRow, error) {
	r, err := scanLieu(s.db.QueryRowContext(ctx, `SELECT `+lieuColumns+` FROM lieux WHERE id = $1 AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: lieu %s: %w", id, err)
	}
	return r, nil
}

// Redirect returns the surviving id of a retired one.
func (s *Store) Redirect(ctx context.Context, id string) (string, bool, error) {
	var to string
	err := s.db.QueryRowContext(ctx, `SELECT new_id FROM lieu_redirects WHERE old_id = $1`, id).Scan(&to)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("sqlite: redirect %s: %w", id, err)
	}
	return to, true, nil
}

// RetiredLieux returns the redirected ids and the deleted lieux that
// redirect nowhere (store.RetiredLieuxQuery).
func (s *Store) RetiredLieux(ctx context.Context) ([]store.RetiredLieu, error) {
	rows, err := s.db.QueryContext(ctx, store.RetiredLieuxQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: retired lieux: %w", err)
	}
	defer rows.Close()
	var out []store.RetiredLieu
	for rows.Next() {
		var r store.RetiredLieu
		var at string
		if err := rows.Scan(&r.ID, &r.MergedInto, &at); err != nil {
			return nil, fmt.Errorf("sqlite: retired lieux: %w", err)
		}
		r.At = parseTS(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: retired lieux: %w", err)
	}
	return out, nil
}

// EachLink calls fn for every record → lieu link, by lieu then record.
func (s *Store) EachLink(ctx context.Context, fn func(store.Link) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT lieu_id, source, record_key, linked_at FROM lieu_links ORDER BY lieu_id, source, record_key`)
	if err != nil {
		return fmt.Errorf("sqlite: links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l store.Link
		var at string
		if err := rows.Scan(&l.LieuID, &l.Source, &l.RecordKey, &at); err != nil {
			return fmt.Errorf("sqlite: links: %w", err)
		}
		l.LinkedAt = parseTS(at)
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Version describes the published dataset.
func (s *Store) Version(ctx context.Context) (store.Version, error) {
	var v store.Version
	var updated sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(revision), 0), max(updated_at),
		(SELECT count(*) FROM lieux WHERE deleted_at IS NULL) FROM lieux`).Scan(&v.Revision, &updated, &v.Count)
	if err != nil {
		return v, fmt.Errorf("sqlite: version: %w", err)
	}
	v.UpdatedAt = nullTS(updated)
	return v, nil
}
