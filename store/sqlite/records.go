package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// ReplaceSourceRecords makes recs the current records of source.
func (s *Store) ReplaceSourceRecords(ctx context.Context, source string, recs []store.SourceRecord, at time.Time, view *store.RecordsView) (store.RecordStats, error) {
	var st store.RecordStats
	encoded, err := store.EncodeRecords(recs)
	if err != nil {
		return st, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("sqlite: records of %s: %w", source, err)
	}
	defer tx.Rollback()
	existing, err := recordState(ctx, tx, source, view)
	if err != nil {
		return st, err
	}
	stmts, err := prepareRecordStmts(ctx, tx)
	if err != nil {
		return st, err
	}
	defer stmts.close()
	if err := tx.QueryRowContext(ctx, nextRecordSeq).Scan(&stmts.seq); err != nil {
		return st, fmt.Errorf("sqlite: records of %s: sequence: %w", source, err)
	}
	seen := make(map[string]bool, len(recs))
	for _, i := range store.WriteOrder(len(recs), func(i int) (string, string) { return recs[i].RecordKey, "" }) {
		seen[recs[i].RecordKey] = true
		if err := stmts.upsert(ctx, &recs[i], encoded[i], existing, at, &st); err != nil {
			return st, err
		}
	}
	for key, old := range existing {
		if seen[key] || old.Deleted {
			continue
		}
		if _, err := stmts.remove.ExecContext(ctx, ts(at), source, key, stmts.seq); err != nil {
			return st, fmt.Errorf("sqlite: delete record %s/%s: %w", source, key, err)
		}
		st.Deleted++
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("sqlite: records of %s: commit: %w", source, err)
	}
	return st, nil
}

// recordState is what a write compares the source's records with: the
// caller's view when no write of the source came since, else (without a
// view) the stored records, deleted ones included.
func recordState(ctx context.Context, tx *sql.Tx, source string, view *store.RecordsView) (map[string]store.RecordDigest, error) {
	if view != nil {
		var later bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM source_records INDEXED BY source_records_seq WHERE seq > $1 AND source = $2)`,
			view.Seq, source).Scan(&later); err != nil {
			return nil, fmt.Errorf("sqlite: records of %s: %w", source, err)
		}
		if later {
			return nil, fmt.Errorf("sqlite: records of %s: written after %d: %w", source, view.Seq, store.ErrKeptChanged)
		}
		return view.ByKey, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT record_key, content_hash, row_index, line, deleted_at IS NOT NULL, geocoding_pending
		FROM source_records WHERE source = $1`, source)
	if err != nil {
		return nil, fmt.Errorf("sqlite: records of %s: %w", source, err)
	}
	defer rows.Close()
	out := map[string]store.RecordDigest{}
	for rows.Next() {
		var r store.RecordDigest
		if err := rows.Scan(&r.RecordKey, &r.Hash, &r.Index, &r.Line, &r.Deleted, &r.GeocodingPending); err != nil {
			return nil, fmt.Errorf("sqlite: records of %s: %w", source, err)
		}
		out[r.RecordKey] = r
	}
	return out, rows.Err()
}

// nextRecordSeq takes the records sequence's next value, which marks
// the rows a write changes (the change feed of RecordChanges).
const nextRecordSeq = `UPDATE sequences SET value = value + 1 WHERE name = 'records' RETURNING value`

// recordStmts are the statements of ReplaceSourceRecords, prepared once,
// and the sequence value of the rows they write.
type recordStmts struct {
	insert, move, update, remove, documents *sql.Stmt
	seq                                     int64
}

func prepareRecordStmts(ctx context.Context, tx *sql.Tx) (*recordStmts, error) {
	var s recordStmts
	queries := []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.insert, `INSERT INTO source_records (source, record_key, row_index, line, fields, content_hash,
			producer_id, status, lieu, issues, first_seen, updated_at, seq, geocoding_pending)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13)
			ON CONFLICT (source, record_key) DO UPDATE SET row_index = excluded.row_index, line = excluded.line,
				fields = excluded.fields, content_hash = excluded.content_hash, producer_id = excluded.producer_id,
				status = excluded.status, lieu = excluded.lieu, issues = excluded.issues, updated_at = excluded.updated_at,
				deleted_at = NULL, seq = excluded.seq, geocoding_pending = excluded.geocoding_pending`},
		{&s.move, `UPDATE source_records SET row_index = $1, line = $2, seq = $5 WHERE source = $3 AND record_key = $4`},
		{&s.update, `UPDATE source_records SET row_index = $1, line = $2, fields = $3, content_hash = $4,
			producer_id = $5, status = $6, lieu = $7, issues = $8, updated_at = $9, deleted_at = NULL, seq = $12,
			geocoding_pending = $13
			WHERE source = $10 AND record_key = $11`},
		{&s.remove, `UPDATE source_records SET deleted_at = $1, updated_at = $1, seq = $4 WHERE source = $2 AND record_key = $3`},
		{&s.documents, `SELECT coalesce(lieu, ''), issues FROM source_records WHERE source = $1 AND record_key = $2`},
	}
	for _, q := range queries {
		st, err := tx.PrepareContext(ctx, q.query)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		*q.dst = st
	}
	return &s, nil
}

func (s *recordStmts) close() {
	for _, st := range []*sql.Stmt{s.insert, s.move, s.update, s.remove, s.documents} {
		if st != nil {
			st.Close()
		}
	}
}

// upsert writes one record: a kept one only where it moved; a new one
// inserted; a stored one rewritten when its hash or documents differ.
func (s *recordStmts) upsert(ctx context.Context, r *store.SourceRecord, e *store.EncodedRecord, existing map[string]store.RecordDigest, at time.Time, st *store.RecordStats) error {
	old, ok := existing[r.RecordKey]
	if r.Kept {
		if !ok || old.Deleted || old.Hash != r.Hash {
			return fmt.Errorf("sqlite: record %s/%s: %w", r.Source, r.RecordKey, store.ErrKeptChanged)
		}
		st.Unchanged++
		return s.moveIfNeeded(ctx, r, old)
	}
	var err error
	var lieu sql.NullString
	if e.Lieu != nil {
		lieu = sql.NullString{String: *e.Lieu, Valid: true}
	}
	if ok && !old.Deleted && old.Hash == r.Hash && old.GeocodingPending == r.GeocodingPending {
		var storedLieu, storedIssues string
		if err := s.documents.QueryRowContext(ctx, r.Source, r.RecordKey).Scan(&storedLieu, &storedIssues); err != nil {
			return fmt.Errorf("sqlite: record %s/%s: %w", r.Source, r.RecordKey, err)
		}
		if storedLieu == lieu.String && storedIssues == e.Issues {
			st.Unchanged++
			return s.moveIfNeeded(ctx, r, old)
		}
	}
	switch {
	case !ok:
		st.Created++
		_, err = s.insert.ExecContext(ctx, r.Source, r.RecordKey, r.Index, r.Line, e.Fields, r.Hash, r.ProducerID,
			string(r.Status), lieu, e.Issues, ts(at), s.seq, r.GeocodingPending)
	case old.Deleted:
		st.Created++
	default:
		st.Updated++
	}
	if ok {
		_, err = s.update.ExecContext(ctx, r.Index, r.Line, e.Fields, r.Hash, r.ProducerID, string(r.Status), lieu, e.Issues,
			ts(at), r.Source, r.RecordKey, s.seq, r.GeocodingPending)
	}
	if err != nil {
		return fmt.Errorf("sqlite: record %s/%s: %w", r.Source, r.RecordKey, err)
	}
	return nil
}

func (s *recordStmts) moveIfNeeded(ctx context.Context, r *store.SourceRecord, old store.RecordDigest) error {
	if old.Index == r.Index && old.Line == r.Line {
		return nil
	}
	if _, err := s.move.ExecContext(ctx, r.Index, r.Line, r.Source, r.RecordKey, s.seq); err != nil {
		return fmt.Errorf("sqlite: record %s/%s: %w", r.Source, r.RecordKey, err)
	}
	return nil
}

const recordColumns = `source, record_key, row_index, line, content_hash, producer_id, status, lieu, issues`

// SourceRecord returns one record, raw fields included.
func (s *Store) SourceRecord(ctx context.Context, source, key string) (store.SourceRecord, error) {
	var fields string
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+`, fields FROM source_records WHERE source = $1 AND record_key = $2`, source, key)
	if err != nil {
		return store.SourceRecord{}, fmt.Errorf("sqlite: record %s/%s: %w", source, key, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return store.SourceRecord{}, store.ErrNotFound
	}
	r, err := scanRecord(rows, &fields)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
		return r, fmt.Errorf("sqlite: record %s/%s: fields: %w", source, key, err)
	}
	return r, rows.Err()
}

// RecordChanges returns the records sequence's value, then the digests
// of the rows written after since (of the current rows when since is 0).
// The value is read first: a write committed before it is in the rows.
func (s *Store) RecordChanges(ctx context.Context, since int64) ([]store.RecordDigest, int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM sequences WHERE name = 'records'`).Scan(&seq); err != nil {
		return nil, 0, fmt.Errorf("sqlite: record changes: %w", err)
	}
	query, args := store.RecordChangesQuery(since)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: record changes: %w", err)
	}
	defer rows.Close()
	out, err := store.Collect(rows, func(r store.Rows) (store.RecordDigest, error) {
		var d store.RecordDigest
		var updated string
		if err := r.Scan(&d.Source, &d.RecordKey, &d.Hash, &d.Status, &d.Index, &d.Line, &updated, &d.Deleted, &d.GeocodingPending); err != nil {
			return d, fmt.Errorf("sqlite: record changes: %w", err)
		}
		d.UpdatedAt = parseTS(updated)
		return d, nil
	})
	return out, seq, err
}

// ActiveRecordsOf returns the named current records, one query each.
func (s *Store) ActiveRecordsOf(ctx context.Context, refs []store.RecordRef) ([]store.SourceRecord, error) {
	stmt, err := s.db.PrepareContext(ctx, `SELECT `+recordColumns+` FROM source_records WHERE source = $1 AND record_key = $2 AND deleted_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: records: %w", err)
	}
	defer stmt.Close()
	out := make([]store.SourceRecord, 0, len(refs))
	for _, ref := range refs {
		rows, err := stmt.QueryContext(ctx, ref.Source, ref.RecordKey)
		if err != nil {
			return nil, fmt.Errorf("sqlite: record %s/%s: %w", ref.Source, ref.RecordKey, err)
		}
		if rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, r)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("sqlite: record %s/%s: %w", ref.Source, ref.RecordKey, err)
		}
	}
	return out, nil
}

// ActiveRecords returns the current records of every source, without their
// raw fields.
func (s *Store) ActiveRecords(ctx context.Context) ([]store.SourceRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM source_records WHERE deleted_at IS NULL ORDER BY source, row_index, record_key`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: active records: %w", err)
	}
	defer rows.Close()
	return store.Collect(rows, func(r store.Rows) (store.SourceRecord, error) { return scanRecord(r) })
}

// scanRecord reads the common record columns, then any extra ones.
func scanRecord(rows store.Rows, extra ...any) (store.SourceRecord, error) {
	var r store.SourceRecord
	var issues, status string
	var lieu sql.NullString
	dest := append([]any{&r.Source, &r.RecordKey, &r.Index, &r.Line, &r.Hash, &r.ProducerID, &status, &lieu, &issues}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return r, fmt.Errorf("sqlite: scan record: %w", err)
	}
	r.Status = schema.Status(status)
	var l *string
	if lieu.Valid {
		l = &lieu.String
	}
	return r, store.DecodeRecord(&r, l, issues)
}
