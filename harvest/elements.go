package harvest

import (
	"crypto/sha256"
	"sync"
)

// ElementCache keeps the fields decoded from a source's JSON elements,
// by the hash of each element's bytes, from one decode to the next: an
// element unchanged since is not decoded again (a re-harvest where a few
// records changed decodes those few). It holds the last decode's
// elements only.
type ElementCache struct {
	mu     sync.Mutex
	byHash map[[sha256.Size]byte][]Field
}

// elementDecoder decodes elements through a cache (none when nil),
// gathering what the next decode may take from it.
type elementDecoder struct {
	cache  *ElementCache
	next   map[[sha256.Size]byte][]Field
	cached []bool // by element: whether the cache gave it
}

func newElementDecoder(c *ElementCache, n int) *elementDecoder {
	d := &elementDecoder{cache: c}
	if c != nil {
		c.mu.Lock()
		d.next, d.cached = make(map[[sha256.Size]byte][]Field, n), make([]bool, n)
	}
	return d
}

// decode is decodeElement, or the fields the cache holds for raw. The
// fields are shared: nobody changes them once decoded.
func (d *elementDecoder) decode(raw []byte, index int) (Record, error) {
	if d.cache == nil {
		return decodeElement(raw, index)
	}
	sum := sha256.Sum256(raw)
	if f, ok := d.cache.byHash[sum]; ok {
		d.next[sum], d.cached[index] = f, true
		return Record{Index: index, Fields: f}, nil
	}
	rec, err := decodeElement(raw, index)
	if err == nil {
		d.next[sum] = rec.Fields
	}
	return rec, err
}

// done makes this decode's elements the cache's (when it succeeded).
func (d *elementDecoder) done(ok bool) {
	if d.cache == nil {
		return
	}
	if ok {
		d.cache.byHash = d.next
	}
	d.cache.mu.Unlock()
}
