package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// ReplaceSourceRecords makes recs the current records of source, in one
// transaction. The records are encoded as COPY asks for them: a source's
// first load is copied straight into the table; later ones into a staging
// table, then merged by set-based statements (touch the unchanged, upsert
// the others, mark the missing deleted).
func (s *Store) ReplaceSourceRecords(ctx context.Context, source string, recs []store.SourceRecord, at time.Time, view *store.RecordsView) (store.RecordStats, error) {
	var st store.RecordStats
	err := s.inTx(ctx, "records of "+source, func(tx pgx.Tx) error {
		if err := checkView(ctx, tx, source, view); err != nil {
			return err
		}
		var first bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM source_records WHERE source = $1)`, source).Scan(&first); err != nil {
			return fmt.Errorf("postgres: records of %s: %w", source, err)
		}
		var err error
		if first && anyKept(recs) {
			err = store.ErrKeptChanged
		} else if first {
			st.Created = len(recs)
			err = copyRecords(ctx, tx, source, recs, at)
		} else if err = stageRecords(ctx, tx, recs); err == nil {
			err = mergeRecords(ctx, tx, source, at, &st)
		}
		if err != nil {
			return fmt.Errorf("postgres: records of %s: %w", source, err)
		}
		return nil
	})
	return st, err
}

// checkView refuses a write made on a view of the source's records that
// a later write of the source made stale. (The merge compares the staged
// records with the stored ones itself, and needs no view.)
func checkView(ctx context.Context, tx pgx.Tx, source string, view *store.RecordsView) error {
	if view == nil {
		return nil
	}
	var later bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM source_records WHERE seq > $1 AND source = $2)`, view.Seq, source).Scan(&later); err != nil {
		return fmt.Errorf("postgres: records of %s: %w", source, err)
	}
	if later {
		return fmt.Errorf("postgres: records of %s: written after %d: %w", source, view.Seq, store.ErrKeptChanged)
	}
	return nil
}

// recordColumnsIn are the columns a record's row gives (encodeRecord).
var recordColumnsIn = []string{"record_key", "row_index", "line", "fields", "content_hash", "producer_id", "status", "lieu", "issues", "geocoding_pending"}

func anyKept(recs []store.SourceRecord) bool {
	for i := range recs {
		if recs[i].Kept {
			return true
		}
	}
	return false
}

// copyRecords is a source's first load: its records copied straight
// into the table.
func copyRecords(ctx context.Context, tx pgx.Tx, source string, recs []store.SourceRecord, at time.Time) error {
	seq, err := nextRecordSeq(ctx, tx)
	if err != nil {
		return err
	}
	i := 0
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"source_records"},
		append([]string{"source", "first_seen", "updated_at", "seq"}, recordColumnsIn...),
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(recs) {
				return nil, nil
			}
			i++
			row, err := encodeRecord(&recs[i-1])
			if err != nil {
				return nil, err
			}
			return append([]any{source, at, at, seq}, row[:len(row)-1]...), nil
		}))
	return err
}

// nextRecordSeq takes the records sequence's next value, which marks the
// rows the transaction writes (the change feed of RecordChanges). The
// sequence's row stays locked until the transaction ends, so writes of
// records commit in the order of their values.
func nextRecordSeq(ctx context.Context, tx pgx.Tx) (int64, error) {
	var seq int64
	if err := tx.QueryRow(ctx, `UPDATE sequences SET value = value + 1 WHERE name = 'records' RETURNING value`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("sequence: %w", err)
	}
	return seq, nil
}

// encodeRecord is a record as a row of the staging table (recordColumnsIn,
// then kept); a kept record's documents are not given.
func encodeRecord(r *store.SourceRecord) ([]any, error) {
	if r.Kept {
		return []any{r.RecordKey, int32(r.Index), int32(r.Line), nil, r.Hash, nil, string(r.Status), nil, nil, false, true}, nil
	}
	e, err := store.EncodeRecord(r)
	if err != nil {
		return nil, err
	}
	return []any{r.RecordKey, int32(r.Index), int32(r.Line), e.Fields, r.Hash, r.ProducerID, string(r.Status), e.Lieu, e.Issues, r.GeocodingPending, false}, nil
}

// stageRecords copies the records into a temporary table, encoding each
// as COPY streams it, and analyzes it: the merge's plan needs statistics.
func stageRecords(ctx context.Context, tx pgx.Tx, recs []store.SourceRecord) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stage_records (record_key text COLLATE "C" PRIMARY KEY, row_index integer,
		line integer, fields text, content_hash text, producer_id text, status text, lieu text, issues text,
		geocoding_pending boolean, kept boolean) ON COMMIT DROP`); err != nil {
		return err
	}
	i := 0
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_records"}, append(recordColumnsIn, "kept"),
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(recs) {
				return nil, nil
			}
			i++
			return encodeRecord(&recs[i-1])
		})); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `ANALYZE stage_records`)
	return err
}

// insertRecords inserts or updates the staged records that changed.
func insertRecords(ctx context.Context, tx pgx.Tx, source string, at time.Time, seq int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO source_records AS r (source, record_key, row_index, line, fields, content_hash,
		producer_id, status, lieu, issues, first_seen, updated_at, seq, geocoding_pending)
		SELECT $1, record_key, row_index, line, fields, content_hash, producer_id, status, lieu, issues, $2, $2, $3, geocoding_pending
		FROM stage_records WHERE NOT kept
		ON CONFLICT (source, record_key) DO UPDATE SET row_index = excluded.row_index, line = excluded.line,
			fields = excluded.fields, content_hash = excluded.content_hash, producer_id = excluded.producer_id,
			status = excluded.status, lieu = excluded.lieu, issues = excluded.issues, updated_at = $2, deleted_at = NULL, seq = $3,
			geocoding_pending = excluded.geocoding_pending
		WHERE r.deleted_at IS NOT NULL OR r.content_hash <> excluded.content_hash
			OR r.lieu IS DISTINCT FROM excluded.lieu OR r.issues <> excluded.issues
			OR r.geocoding_pending <> excluded.geocoding_pending`, source, at, seq)
	return err
}

// sameRecord holds for a staged record the stored one already is: kept,
// or of the same hash and documents.
const sameRecord = `(s.kept OR r.content_hash = s.content_hash AND r.lieu IS NOT DISTINCT FROM s.lieu AND r.issues = s.issues
	AND r.geocoding_pending = s.geocoding_pending)`

// mergeRecords applies the staged records: kept ones and those whose
// content, lieu and issues are unchanged are only moved when their
// position changed; the others are inserted or updated (a deleted record
// comes back as created); the source's records missing from the stage
// are marked deleted.
func mergeRecords(ctx context.Context, tx pgx.Tx, source string, at time.Time, st *store.RecordStats) error {
	var lost int
	err := tx.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE r.record_key IS NULL OR r.deleted_at IS NOT NULL),
		count(*) FILTER (WHERE r.deleted_at IS NULL AND `+sameRecord+`),
		count(*),
		count(*) FILTER (WHERE s.kept AND (r.record_key IS NULL OR r.deleted_at IS NOT NULL OR r.content_hash <> s.content_hash))
		FROM stage_records s LEFT JOIN source_records r ON r.source = $1 AND r.record_key = s.record_key`, source).
		Scan(&st.Created, &st.Unchanged, &st.Updated, &lost)
	if err != nil {
		return err
	}
	if lost > 0 {
		return fmt.Errorf("%d records: %w", lost, store.ErrKeptChanged)
	}
	st.Updated -= st.Created + st.Unchanged
	seq, err := nextRecordSeq(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE source_records r SET row_index = s.row_index, line = s.line, seq = $2
		FROM stage_records s WHERE r.source = $1 AND r.record_key = s.record_key AND r.deleted_at IS NULL
		AND (r.row_index <> s.row_index OR r.line <> s.line) AND `+sameRecord, source, seq); err != nil {
		return err
	}
	if err := insertRecords(ctx, tx, source, at, seq); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE source_records r SET deleted_at = $2, updated_at = $2, seq = $3
		WHERE r.source = $1 AND r.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM stage_records s WHERE s.record_key = r.record_key)`,
		source, at, seq)
	st.Deleted = int(tag.RowsAffected())
	return err
}

const recordColumns = `source, record_key, row_index, line, content_hash, producer_id, status, lieu, issues`

// SourceRecord returns one record, raw fields included.
func (s *Store) SourceRecord(ctx context.Context, source, key string) (store.SourceRecord, error) {
	var fields string
	row := s.pool.QueryRow(ctx, `SELECT `+recordColumns+`, fields FROM source_records WHERE source = $1 AND record_key = $2`, source, key)
	r, err := scanRecord(row, &fields)
	if noRows(err) {
		return store.SourceRecord{}, store.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
		return r, fmt.Errorf("postgres: record %s/%s: fields: %w", source, key, err)
	}
	return r, nil
}

// RecordChanges returns the records sequence's value, then the digests
// of the rows written after since (of the current rows when since is 0).
// The value is read first: a write committed before it is in the rows,
// and a later one holds a greater value.
func (s *Store) RecordChanges(ctx context.Context, since int64) ([]store.RecordDigest, int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT value FROM sequences WHERE name = 'records'`).Scan(&seq); err != nil {
		return nil, 0, fmt.Errorf("postgres: record changes: %w", err)
	}
	query, args := store.RecordChangesQuery(since)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: record changes: %w", err)
	}
	defer rows.Close()
	out, err := store.Collect(rows, func(r store.Rows) (store.RecordDigest, error) {
		var d store.RecordDigest
		var index, line int32
		if err := r.Scan(&d.Source, &d.RecordKey, &d.Hash, &d.Status, &index, &line, &d.UpdatedAt, &d.Deleted, &d.GeocodingPending); err != nil {
			return d, fmt.Errorf("postgres: record changes: %w", err)
		}
		d.Index, d.Line, d.UpdatedAt = int(index), int(line), utc(d.UpdatedAt)
		return d, nil
	})
	return out, seq, err
}

// ActiveRecordsOf returns the named current records in one query.
func (s *Store) ActiveRecordsOf(ctx context.Context, refs []store.RecordRef) ([]store.SourceRecord, error) {
	sources, keys := make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		sources[i], keys[i] = r.Source, r.RecordKey
	}
	rows, err := s.pool.Query(ctx, `SELECT `+recordColumns+` FROM source_records
		WHERE (source, record_key) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND deleted_at IS NULL`, sources, keys)
	if err != nil {
		return nil, fmt.Errorf("postgres: records: %w", err)
	}
	return collectRecords(rows)
}

// ActiveRecords returns the current records of every source, without
// their raw fields.
func (s *Store) ActiveRecords(ctx context.Context) ([]store.SourceRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+recordColumns+` FROM source_records WHERE deleted_at IS NULL
		ORDER BY source, row_index, record_key`)
	if err != nil {
		return nil, fmt.Errorf("postgres: active records: %w", err)
	}
	return collectRecords(rows)
}

func collectRecords(rows pgx.Rows) ([]store.SourceRecord, error) {
	defer rows.Close()
	return store.Collect(rows, func(r store.Rows) (store.SourceRecord, error) { return scanRecord(r) })
}

// scanRecord reads the common record columns, then any extra ones.
func scanRecord(sc interface{ Scan(...any) error }, extra ...any) (store.SourceRecord, error) {
	var r store.SourceRecord
	var issues, status string
	var lieu *string
	var index, line int32
	dest := append([]any{&r.Source, &r.RecordKey, &index, &line, &r.Hash, &r.ProducerID, &status, &lieu, &issues}, extra...)
	if err := sc.Scan(dest...); err != nil {
		if noRows(err) {
			return r, err
		}
		return r, fmt.Errorf("postgres: scan record: %w", err)
	}
	r.Index, r.Line, r.Status = int(index), int(line), schema.Status(status)
	return r, store.DecodeRecord(&r, lieu, issues)
}
