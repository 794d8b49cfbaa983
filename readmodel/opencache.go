package readmodel

import (
	"math/bits"
	"sync"
	"time"
)

// openCache keeps, for the last times asked, which lieux are open then:
// « ouvert maintenant » asks the same minute again and again. It keys on
// the time to the minute (and whether it is a wall-clock time, read in
// each lieu's zone); it belongs to one model, so a new publication starts
// a new cache; past maxOpenTimes times it is emptied.
type openCache struct {
	mu  sync.Mutex
	set map[openTimeKey]bitset
}

type openTimeKey struct {
	minute int64
	local  bool
}

// maxOpenTimes bounds the times an openCache holds (each a bitset of the
// lieux: 15 kB at 120 000 lieux).
const maxOpenTimes = 64

// openAt returns the lieux open at a time (to the minute): a lieu with
// unknown hours is never in it.
func (m *Model) openAt(t *OpenTime) bitset {
	at := OpenTime{At: t.At.Truncate(time.Minute), Local: t.Local}
	key := openTimeKey{at.At.Unix() / 60, at.Local}
	if at.Local {
		key.minute = time.Date(at.At.Year(), at.At.Month(), at.At.Day(), at.At.Hour(), at.At.Minute(), 0, 0, time.UTC).Unix() / 60
	}
	c := &m.open
	c.mu.Lock()
	b, ok := c.set[key]
	c.mu.Unlock()
	if ok {
		return b
	}
	b = newBitset(len(m.entries))
	memo := openMemo{}
	for i := range m.entries {
		if e := &m.entries[i]; e.schedule >= 0 && memo.at(e, &at) {
			b.set(int32(i))
		}
	}
	c.mu.Lock()
	if c.set == nil || len(c.set) >= maxOpenTimes {
		c.set = map[openTimeKey]bitset{}
	}
	c.set[key] = b
	c.mu.Unlock()
	return b
}

// count is the number of positions in b.
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// and keeps in b the positions also in o.
func (b bitset) and(o bitset) {
	for k := range b {
		b[k] &= o[k]
	}
}

// andNot keeps in b the positions not in o.
func (b bitset) andNot(o bitset) {
	for k := range b {
		b[k] &^= o[k]
	}
}

// each calls fn for every position in b, ascending.
func (b bitset) each(fn func(i int32)) {
	for k, w := range b {
		for w != 0 {
			fn(int32(k*64 + bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
}
