package readmodel

import (
	"cmp"
	"math/bits"
	"slices"
)

// A plan is how a query walks the model. Its candidates come from the
// cheapest source: one facet's posting lists, the grid cells of the box
// or the radius, the name index, every lieu, or, when the facets and the
// hours are all a query asks and each has a bitset, the words of those
// bitsets ANDed together. Each candidate is then checked against the
// criteria its source does not guarantee. A walk allocates nothing that
// grows with the model but, for walks in id order, a pooled scratch list
// (Model.scratch).
type plan struct {
	terms []term
	// cells are the grid cells of the box or the radius (spatial: the grid
	// answers), a superset of the lieux in them; cellCount their lieux.
	cells     [][]int32
	cellCount int
	spatial   bool
	// names are the lieux whose name matches the query words (hasNames:
	// the query has words).
	names    []int32
	hasNames bool
	// open is the lieux open at the query's time, when it asks one.
	open bitset
	// near is the query's point as a unit vector, nearChord2 the squared
	// chord of its radius: distances are compared as chords (sphere.go).
	near       [3]float64
	nearChord2 float64
	// none says the query selects nothing (a facet value no lieu holds).
	none bool
}

// term is one facet criterion: the posting lists of the values asked (a
// lieu holding any of them meets it), ascending each, and their bitsets
// when every value has one; size bounds the lieux that meet it.
type term struct {
	lists [][]int32
	bits  []bitset
	size  int
}

// has says whether position i meets the term.
func (t *term) has(i int32) bool {
	if t.bits != nil {
		for _, b := range t.bits {
			if b.has(i) {
				return true
			}
		}
		return false
	}
	for _, l := range t.lists {
		if _, ok := slices.BinarySearch(l, i); ok {
			return true
		}
	}
	return false
}

// plan gathers what the indexes answer of q.
func (m *Model) plan(q *Query) plan {
	var p plan
	for name, values := range q.Facets {
		t := term{bits: make([]bitset, 0, len(values))}
		for _, v := range values {
			list := m.facetList(name, v)
			if len(list) == 0 {
				continue // no lieu holds it: it adds none
			}
			t.lists, t.size = append(t.lists, list), t.size+len(list)
			if b, ok := m.dense[name][v]; ok && t.bits != nil {
				t.bits = append(t.bits, b)
			} else {
				t.bits = nil
			}
		}
		if t.size == 0 {
			p.none = true
		}
		p.terms = append(p.terms, t)
	}
	switch {
	case q.BBox != nil:
		p.cells, p.cellCount, p.spatial = m.grid.inBox(q.BBox[0], q.BBox[1], q.BBox[2], q.BBox[3])
	case q.Near != nil:
		p.near, p.nearChord2 = unitVector(q.Near.Lon, q.Near.Lat), chord2OfDistance(q.Radius)
		p.cells, p.cellCount, p.spatial = m.around(*q.Near, q.Radius)
		m.nearestFirst(p.cells, p.near)
	}
	if len(q.Words) > 0 {
		p.names, p.hasNames = m.names.lookup(q.Words), true
	}
	if q.Open != nil {
		p.open = m.openAt(q.Open)
	}
	return p
}

// walkCost is what checking one candidate costs against scanning one
// word of a bitset, roughly: a candidate's checks read several cache
// lines, a word one.
const walkCost = 4

// source is where a plan's candidates come from.
type source int

const (
	fromAll   source = iota // every lieu
	fromTerm                // the narrowest term's lists
	fromCells               // the grid cells
	fromNames               // the name index
	fromWords               // the ANDed bitsets
)

// choose picks the cheapest source, and for fromTerm which term.
func (p *plan) choose(m *Model, q *Query) (source, int) {
	src, best, size := fromAll, -1, len(m.entries)
	for k := range p.terms {
		if p.terms[k].size < size {
			src, best, size = fromTerm, k, p.terms[k].size
		}
	}
	if p.spatial && p.cellCount < size {
		src, size = fromCells, p.cellCount
	}
	if p.hasNames && len(p.names) < size {
		src, size = fromNames, len(p.names)
	}
	if p.wordsAnswer(q) && size*walkCost > p.wordCost(m) {
		return fromWords, -1
	}
	return src, best
}

// wordsAnswer says whether the bitsets answer the whole query: facets
// and hours only, each facet with bitsets.
func (p *plan) wordsAnswer(q *Query) bool {
	if q.Near != nil || q.BBox != nil || len(q.Words) > 0 || q.Match != nil || !q.UpdatedFrom.IsZero() || !q.UpdatedTo.IsZero() ||
		len(p.terms) == 0 && p.open == nil {
		return false
	}
	for _, t := range p.terms {
		if t.bits == nil {
			return false
		}
	}
	return true
}

// wordCost is the cost of ANDing the bitsets: the words read.
func (p *plan) wordCost(m *Model) int {
	n := 1
	for _, t := range p.terms {
		n += len(t.bits)
	}
	return n * len(m.scheduled)
}

// each calls yield for every lieu q selects, in position (id) order when
// ordered, and returns the lieux left out for unknown hours alone.
// The third argument of yield is the squared chord from the query's
// point (0 without one).
func (m *Model) each(q *Query, ordered bool, yield func(i int32, e *Entry, chord2 float64)) (unknownHours int) {
	p := m.plan(q)
	if p.none {
		return 0
	}
	src, walked := p.choose(m, q)
	check := func(i int32) {
		if !p.meets(m, q, i, walked, src) {
			return
		}
		e := &m.entries[i]
		d, ok := m.matches(i, q, &p)
		switch {
		case !ok:
		case p.open == nil || p.open.has(i):
			yield(i, e, d)
		case e.schedule < 0:
			unknownHours++
		}
	}
	switch src {
	case fromWords:
		return p.eachWord(m, func(i int32) { yield(i, &m.entries[i], 0) })
	case fromTerm:
		m.walkTerm(&p.terms[walked], check)
	case fromCells:
		m.walkCells(&p, q, ordered, check)
	case fromNames:
		for _, i := range p.names {
			check(i)
		}
	default:
		for i := range m.entries {
			check(int32(i))
		}
	}
	return unknownHours
}

// meets checks position i against the plan's indexed criteria but the
// one walked, then the box (the grid's cells are a superset).
func (p *plan) meets(m *Model, q *Query, i int32, walked int, src source) bool {
	for k := range p.terms {
		if (src != fromTerm || k != walked) && !p.terms[k].has(i) {
			return false
		}
	}
	if p.hasNames && src != fromNames {
		if _, ok := slices.BinarySearch(p.names, i); !ok {
			return false
		}
	}
	return m.spatialMatch(i, q)
}

// eachWord ANDs the terms' bitsets word by word (within a term, its
// values' bitsets ORed), counts the lieux of unknown hours among them,
// keeps those open, and calls fn for each position left, ascending.
func (p *plan) eachWord(m *Model, fn func(i int32)) (unknownHours int) {
	n := len(m.entries)
	for k := range m.scheduled {
		w := ^uint64(0)
		if k == len(m.scheduled)-1 && n%64 != 0 {
			w = 1<<(n%64) - 1
		}
		for _, t := range p.terms {
			var any uint64
			for _, b := range t.bits {
				any |= b[k]
			}
			w &= any
		}
		if p.open != nil {
			unknownHours += bits.OnesCount64(w &^ m.scheduled[k])
			w &= p.open[k]
		}
		for w != 0 {
			fn(int32(k*64 + bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
	return unknownHours
}

// nearestFirst orders cells by the chord from a point to one of their
// lieux, so that a search by distance meets its nearest matches first
// and its heap of hits soon rejects the others (searchByDistance).
func (m *Model) nearestFirst(cells [][]int32, near [3]float64) {
	slices.SortFunc(cells, func(a, b []int32) int {
		return cmp.Compare(chord2(near, m.points[a[0]].unit), chord2(near, m.points[b[0]].unit))
	})
}

// walkTerm calls fn for the positions of a term, ascending and once
// each: a term of several values is merged in a scratch list.
func (m *Model) walkTerm(t *term, fn func(i int32)) {
	if len(t.lists) == 1 {
		for _, i := range t.lists[0] {
			fn(i)
		}
		return
	}
	scratch := m.getScratch()
	defer m.putScratch(scratch)
	for _, l := range t.lists {
		*scratch = append(*scratch, l...)
	}
	slices.Sort(*scratch)
	for _, i := range slices.Compact(*scratch) {
		fn(i)
	}
}

// walkCells calls fn for the lieux of the grid cells that meet the box
// (ascending when ordered, through a scratch list of those only).
func (m *Model) walkCells(p *plan, q *Query, ordered bool, fn func(i int32)) {
	if !ordered {
		for _, c := range p.cells {
			for _, i := range c {
				fn(i)
			}
		}
		return
	}
	scratch := m.getScratch()
	defer m.putScratch(scratch)
	for _, c := range p.cells {
		for _, i := range c {
			if m.spatialMatch(i, q) {
				*scratch = append(*scratch, i)
			}
		}
	}
	slices.Sort(*scratch)
	for _, i := range *scratch {
		fn(i)
	}
}

// getScratch lends a list of positions, empty; putScratch takes it back.
// Model.scratch pools them: it keys on nothing (every list is alike) and
// belongs to the model, so it goes with it.
func (m *Model) getScratch() *[]int32 {
	if s, ok := m.scratch.Get().(*[]int32); ok {
		*s = (*s)[:0]
		return s
	}
	s := make([]int32, 0, 1024)
	return &s
}

func (m *Model) putScratch(s *[]int32) {
	if cap(*s) <= 1<<20 { // a list of every lieu of a large box is not kept
		m.scratch.Put(s)
	}
}
