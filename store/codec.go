package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/maillage/maillage/schema"
)

// The stores keep records and lieux as JSON documents; these codecs are
// theirs, so that both give back the same bytes.

// EncodedRecord is a source record's documents as stored.
type EncodedRecord struct {
	Fields string
	Lieu   *string // nil when the record has no lieu
	Issues string
}

// Codec encodes documents into a buffer of its own, reused from one
// document to the next, so that a document costs one allocation (the
// string kept) where json.Marshal costs two more. A Codec serves one
// goroutine at a time; its zero value is ready.
type Codec struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// marshal is json.Marshal's text of v, as a string.
func (c *Codec) marshal(v any) (string, error) {
	if c.enc == nil {
		c.enc = json.NewEncoder(&c.buf) // escapes HTML as json.Marshal does
	}
	c.buf.Reset()
	if err := c.enc.Encode(v); err != nil {
		return "", err
	}
	b := c.buf.Bytes()
	return string(b[:len(b)-1]), nil // Encode ends the text with a newline
}

// EncodeRecord encodes a record's raw fields, lieu and issues.
func EncodeRecord(r *SourceRecord) (EncodedRecord, error) {
	return new(Codec).Record(r)
}

// Record encodes a record's raw fields, lieu and issues.
func (c *Codec) Record(r *SourceRecord) (EncodedRecord, error) {
	var e EncodedRecord
	var err error
	if e.Fields, err = c.marshal(r.Fields); err != nil {
		return e, fmt.Errorf("store: record %s/%s: fields: %w", r.Source, r.RecordKey, err)
	}
	e.Issues = "[]"
	if r.Lieu != nil {
		l, err := c.marshal(r.Lieu)
		if err != nil {
			return e, fmt.Errorf("store: record %s/%s: lieu: %w", r.Source, r.RecordKey, err)
		}
		e.Lieu = &l
	}
	if r.Issues != nil {
		if e.Issues, err = c.marshal(r.Issues); err != nil {
			return e, fmt.Errorf("store: record %s/%s: issues: %w", r.Source, r.RecordKey, err)
		}
	}
	return e, nil
}

// DecodeRecord fills r's issues and lieu from their stored documents.
func DecodeRecord(r *SourceRecord, lieu *string, issues string) error {
	if err := json.Unmarshal([]byte(issues), &r.Issues); err != nil {
		return fmt.Errorf("store: record %s/%s: issues: %w", r.Source, r.RecordKey, err)
	}
	if lieu != nil {
		r.Lieu = new(schema.Lieu)
		if err := json.Unmarshal([]byte(*lieu), r.Lieu); err != nil {
			return fmt.Errorf("store: record %s/%s: lieu: %w", r.Source, r.RecordKey, err)
		}
	}
	return nil
}

// EncodedLieu is a published lieu as stored: its document, its
// provenance's, the hash of both (what a publication compares) and its
// point.
type EncodedLieu struct {
	ID, Data, Provenance, Hash string
	Lon, Lat                   *float64
}

// EncodeLieu encodes a published lieu.
func EncodeLieu(pl *PublishedLieu) (EncodedLieu, error) {
	return new(Codec).Lieu(pl)
}

// Lieu encodes a published lieu.
func (c *Codec) Lieu(pl *PublishedLieu) (EncodedLieu, error) {
	data, err := c.marshal(&pl.Lieu)
	if err != nil {
		return EncodedLieu{}, fmt.Errorf("store: lieu %s: %w", pl.Lieu.ID, err)
	}
	prov, err := c.marshal(pl.Provenance)
	if err != nil {
		return EncodedLieu{}, fmt.Errorf("store: lieu %s: provenance: %w", pl.Lieu.ID, err)
	}
	h := sha256.New()
	io.WriteString(h, data)
	io.WriteString(h, prov)
	e := EncodedLieu{ID: pl.Lieu.ID, Data: data, Provenance: prov, Hash: hex.EncodeToString(h.Sum(nil))}
	if x, y, ok := pl.Lieu.Point(); ok {
		e.Lon, e.Lat = &x, &y
	}
	return e, nil
}

// DecodeLieu fills a row's lieu and provenance from their stored
// documents.
func DecodeLieu(r *LieuRow, data, prov string) error {
	if err := json.Unmarshal([]byte(data), &r.Lieu); err != nil {
		return fmt.Errorf("store: lieu data: %w", err)
	}
	if err := json.Unmarshal([]byte(prov), &r.Provenance); err != nil {
		return fmt.Errorf("store: lieu provenance: %w", err)
	}
	return nil
}

// Rows is what both drivers' result sets offer for reading.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Collect reads every row with scan; the caller closes rows.
func Collect[T any](rows Rows, scan func(Rows) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ScanLieuDigest reads a row of (id, revision).
func ScanLieuDigest(r Rows) (LieuDigest, error) {
	var d LieuDigest
	err := r.Scan(&d.ID, &d.Revision)
	return d, err
}

// digestColumns are a source record's digest, as RecordDigest scans them.
const digestColumns = `source, record_key, content_hash, status, row_index, line, updated_at, deleted_at IS NOT NULL, geocoding_pending`

// RecordChangesQuery selects the digests of the source records written
// after since (the records sequence's value), or of the current records
// in the store's order when since is 0; the same SQL for both drivers.
func RecordChangesQuery(since int64) (string, []any) {
	if since > 0 {
		return `SELECT ` + digestColumns + ` FROM source_records WHERE seq > $1`, []any{since}
	}
	return `SELECT ` + digestColumns + ` FROM source_records WHERE deleted_at IS NULL ORDER BY source, row_index, record_key`, nil
}

// RetiredLieuxQuery selects the ids published no more (both drivers): the
// redirected ones with the id they resolve to, and the deleted lieux that
// redirect nowhere, each with the time it was retired.
const RetiredLieuxQuery = `SELECT old_id, new_id, retired_at FROM lieu_redirects
	UNION ALL
	SELECT id, '', deleted_at FROM lieux
	WHERE deleted_at IS NOT NULL AND id NOT IN (SELECT old_id FROM lieu_redirects)`
