package readmodel

import "strings"

// The model is laid out for the garbage collector: every collection
// marks each object the live heap points to, and a model of 120 000
// lieux built naively holds millions of small ones (a list of positions
// per facet value, grid cell and name word; a string per key; three byte
// slices per lieu), which cost about 100 ms of marking per collection
// while requests wait. Packed, the same data is a few dozen large
// objects, most of them holding no pointers, which a collection marks in
// a few milliseconds.

// packedLists is many lists of positions laid end to end in one array;
// a list is known by its span in it.
type packedLists struct{ all []int32 }

// add appends a list and returns its span.
func (p *packedLists) add(list []int32) span {
	from := len(p.all)
	p.all = append(p.all, list...)
	return span{uint32(from), uint32(len(p.all))}
}

// get returns the list of a span (capped: appending to it copies).
func (p *packedLists) get(s span) []int32 { return p.all[s.from:s.to:s.to] }

// packMap packs the lists of a map built list by list, and copies its
// keys into one shared string when they are strings (text).
func packMap[K comparable](in map[K][]int32, into *packedLists, text func(K) K) map[K]span {
	out := make(map[K]span, len(in))
	for k, list := range in {
		if text != nil {
			k = text(k)
		}
		out[k] = into.add(list)
	}
	return out
}

// textPool copies strings into one buffer sized beforehand, so that all
// the strings it hands out share one object.
type textPool struct{ b strings.Builder }

// newTextPool makes a pool for strings of n bytes in all.
func newTextPool(n int) *textPool {
	p := &textPool{}
	p.b.Grow(n)
	return p
}

// copy returns s from the pool's buffer (a new allocation, and not
// shared, once the pool holds more than it was sized for).
func (p *textPool) copy(s string) string {
	from := p.b.Len()
	p.b.WriteString(s)
	return p.b.String()[from:p.b.Len()]
}

// keyBytes is the total length of a map's keys.
func keyBytes[V any](m map[string]V) int {
	n := 0
	for k := range m {
		n += len(k)
	}
	return n
}
