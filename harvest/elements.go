package harvest

import (
	"crypto/sha256"
	"strings"
	"sync"
)

// ElementCache keeps the fields decoded from a source's records (JSON
// elements, CSV rows), by the hash of each record's bytes, from one
// decode to the next: a record unchanged since is not decoded again (a
// re-harvest where a few records changed decodes those few). It holds the
// last decode's records only, with what they were decoded under (the
// format; a CSV's delimiter and header): a decode under something else
// takes nothing from it.
type ElementCache struct {
	mu     sync.Mutex
	under  string
	byHash map[[sha256.Size]byte][]Field
}

// elementDecoder decodes records through a cache (none when nil),
// gathering what the next decode may take from it.
type elementDecoder struct {
	cache  *ElementCache
	under  string // what the records are decoded under; the cache serves only the same
	next   map[[sha256.Size]byte][]Field
	cached []bool // by record: whether the cache gave it
}

func newElementDecoder(c *ElementCache, under string, n int) *elementDecoder {
	d := &elementDecoder{cache: c, under: under}
	if c != nil {
		c.mu.Lock()
		d.next, d.cached = make(map[[sha256.Size]byte][]Field, n), make([]bool, n)
	}
	return d
}

// serves reports whether the cache holds records decoded under something
// that starts with prefix (for a CSV, the header is not known yet).
func (c *ElementCache) serves(prefix string) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.HasPrefix(c.under, prefix) && len(c.byHash) > 0
}

// lookup returns the fields the cache holds for the record of bytes raw,
// and the hash of raw.
func (d *elementDecoder) lookup(raw []byte) ([]Field, [sha256.Size]byte, bool) {
	sum := sha256.Sum256(raw)
	if d.cache.under != d.under {
		return nil, sum, false
	}
	f, ok := d.cache.byHash[sum]
	return f, sum, ok
}

// keep gathers the fields of the record of hash sum for the next decode.
func (d *elementDecoder) keep(sum [sha256.Size]byte, f []Field) { d.next[sum] = f }

// decode is decodeElement, or the fields the cache holds for raw. The
// fields are shared: nobody changes them once decoded.
func (d *elementDecoder) decode(raw []byte, index int) (Record, error) {
	if d.cache == nil {
		return decodeElement(raw, index)
	}
	f, sum, ok := d.lookup(raw)
	if ok {
		d.next[sum], d.cached[index] = f, true
		return Record{Index: index, Fields: f, Sum: sum}, nil
	}
	rec, err := decodeElement(raw, index)
	if err == nil {
		d.next[sum], rec.Sum = rec.Fields, sum
	}
	return rec, err
}

// done makes this decode's records the cache's (when it succeeded), and
// says in t (nil when it failed) what its records' sums were made under.
func (d *elementDecoder) done(t *Table, ok bool) {
	if d.cache == nil {
		return
	}
	if ok && t != nil {
		t.Under = d.under
	}
	if ok {
		d.cache.byHash, d.cache.under = d.next, d.under
	}
	d.cache.mu.Unlock()
}
