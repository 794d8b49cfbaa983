package harvest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// Field is one named value of a raw record, as the source wrote it.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Record is one row of a CSV file or one element of a JSON/GeoJSON
// document. Nested JSON values are kept as compact JSON text; a GeoJSON
// geometry is kept in a field named "geometry".
type Record struct {
	// Index is the 0-based position among the data rows / elements.
	Index int `json:"index"`
	// Line is the 1-based line of the file where a CSV row starts (0 for JSON).
	Line   int     `json:"line,omitempty"`
	Fields []Field `json:"fields"`
	// Sum is the SHA-256 of the bytes the record was decoded from (a CSV
	// row, a JSON element), set when the table was decoded through an
	// element cache (Table.Under says under what); zero otherwise.
	Sum [sha256.Size]byte `json:"-"`
}

// Value returns the value of a field, or "".
func (r Record) Value(name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Hash is a content hash of the record's fields (names and values, in order).
func (r Record) Hash() string { return r.HashWith("") }

// HashWith is a content hash of salt (what the fields are read with) and
// the record's fields.
func (r Record) HashWith(salt string) string {
	h := NewRecordHasher(salt, nil)
	return string(h.Sum(r))
}

// RecordHasher computes the content hashes of the records of one table,
// all read with one salt (what the fields are read with), reusing its
// buffers. A record decoded from bytes (Record.Sum set, Table.Under
// known) is hashed from the hash of its bytes and what they were decoded
// under, which the decoder computed already: the same bytes under the
// same header and format always decode to the same fields. Any other
// record is hashed from its fields' names and values, in order.
type RecordHasher struct {
	salt   string
	prefix []byte // salt and Table.Under, hashed; nil when records are hashed by their fields
	buf    []byte
	hex    [2 * sha256.Size]byte
}

// NewRecordHasher hashes the records of t (nil: records of no table)
// with salt.
func NewRecordHasher(salt string, t *Table) *RecordHasher {
	h := &RecordHasher{salt: salt}
	if t != nil && t.Under != "" {
		sum := sha256.Sum256([]byte("bytes\x00" + salt + "\x00" + t.Under))
		h.prefix = sum[:]
	}
	return h
}

// Sum returns the hash of r, as hexadecimal, in a slice valid until the
// next call.
func (h *RecordHasher) Sum(r Record) []byte {
	var sum [sha256.Size]byte
	if h.prefix != nil && r.Sum != ([sha256.Size]byte{}) {
		h.buf = append(append(h.buf[:0], h.prefix...), r.Sum[:]...)
		sum = sha256.Sum256(h.buf)
	} else {
		h.buf = append(append(h.buf[:0], h.salt...), 0)
		for _, f := range r.Fields {
			h.buf = append(append(h.buf, f.Name...), 0)
			h.buf = append(append(h.buf, f.Value...), 0)
		}
		sum = sha256.Sum256(h.buf)
	}
	hex.Encode(h.hex[:], sum[:])
	return h.hex[:]
}

// Table is a decoded source: its columns (in first-seen order) and records.
type Table struct {
	Format  string
	Columns []string
	Records []Record
	// Under is what the records were decoded under (the format; a CSV's
	// delimiter and header) when each has its Sum; "" otherwise.
	Under string
	// Notes are facts about decoding worth reporting (charset fallback…).
	Notes []string
}

// Payload is the fetched body of a source.
type Payload struct {
	Body         []byte
	ContentType  string
	URL          string
	FetchedAt    time.Time
	ETag         string
	LastModified string
	// Link is the HTTP Link header (paginated APIs name the next page there).
	Link string
	// Header holds the response's headers (nil for files).
	Header http.Header
	// NotModified is set when a conditional GET answered 304.
	NotModified bool
}

// Hash is a content hash of the body.
func (p *Payload) Hash() string {
	s := sha256.Sum256(p.Body)
	return hex.EncodeToString(s[:])
}
