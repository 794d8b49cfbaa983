package readmodel

import (
	"cmp"
	"container/heap"
	"slices"
	"time"
)

// Query selects lieux. Every criterion set must hold (AND); within a
// facet, any of the values given (OR).
type Query struct {
	// BBox is min lon, min lat, max lon, max lat (WGS84).
	BBox *[4]float64
	// Near sorts by distance from a point and keeps the lieux within
	// Radius metres of it.
	Near   *Point
	Radius float64
	// Facets maps a facet name (Facets) to the values asked for, folded
	// (FoldValue).
	Facets map[string][]string
	// Open keeps the lieux whose hours say open at that time; lieux with
	// unknown hours never match (Page.UnknownHours counts them).
	Open *OpenTime
	// Words are folded query words (QueryWords), matched on names.
	Words []string
	// UpdatedFrom and UpdatedTo bound date_maj (inclusive, zero: open).
	UpdatedFrom, UpdatedTo time.Time
	// Match, when set, is one more condition (a compiled filter).
	Match func(*Entry) bool
	// After is where the previous page ended (keyset): the page starts
	// after it. Before is where the next page started: the page ends
	// before it. Limit bounds the page.
	After, Before *Cursor
	Limit         int
}

// OpenTime is a time to be open at: an instant, or with Local a
// wall-clock time (At's date and time, its zone ignored) read in each
// lieu's own zone.
type OpenTime struct {
	At    time.Time
	Local bool
}

// in returns the instant an OpenTime is in a zone.
func (o OpenTime) in(zone *time.Location) time.Time {
	if !o.Local {
		return o.At.In(zone)
	}
	t := o.At
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, zone)
}

// Point is a longitude and a latitude.
type Point struct{ Lon, Lat float64 }

// Cursor is the sort key of a lieu that bounds a page: its id, and its
// distance when the query sorts by distance (ByDistance).
type Cursor struct {
	Distance   float64
	ByDistance bool
	ID         string
}

// Hit is a lieu a query selected, with its distance (metres) from the
// query's point when it has one.
type Hit struct {
	*Entry
	Distance float64
	chord2   float64 // the squared chord to the query's point (plan.near)
}

// Page is one page of a query's results.
type Page struct {
	Hits []Hit
	// Matched is the number of lieux the query selects, all pages.
	Matched int
	// More says whether a page follows (after the last hit), Less
	// whether one precedes (before the first).
	More, Less bool
	// UnknownHours counts the lieux that met every other criterion of a
	// query on opening hours, but whose hours are not known.
	UnknownHours int
}

// Search runs a query: the lieux selected, by id or by distance, from the
// cursor on (or up to it).
func (m *Model) Search(q Query) Page {
	if q.Near == nil {
		return m.searchByID(q)
	}
	return m.searchByDistance(q)
}

// searchByDistance runs a query around a point: every match is counted,
// and only the page's are kept, in a bounded heap (the k nearest after
// the cursor, or the k farthest before it), then sorted. Matches are
// compared by chord first (plan.near): once the heap is full, one
// clearly farther (or nearer) than its root cannot enter it, and its
// distance is never computed.
func (m *Model) searchByDistance(q Query) Page {
	limit := q.Limit
	if limit <= 0 {
		limit = len(m.entries)
	}
	var page Page
	kept := &hitHeap{far: q.Before == nil} // after a cursor (or none): drop the farthest; before one: the nearest
	inRange := 0
	page.UnknownHours = m.each(&q, false, func(_ int32, e *Entry, chord2 float64) {
		page.Matched++
		if len(kept.hits) == limit {
			root := kept.hits[0].chord2
			if kept.far && chord2 > root*(1+chordMargin) || !kept.far && chord2 < root*(1-chordMargin) {
				inRange++ // beyond the root, which is on the right side of the cursor: so is this one
				return
			}
		}
		h := Hit{Entry: e, Distance: chordDistance(chord2), chord2: chord2}
		switch {
		case q.Before != nil && !before(h, *q.Before):
			page.More = true
			return
		case q.After != nil && !after(h, *q.After):
			page.Less = true
			return
		}
		inRange++
		kept.keep(h, limit)
	})
	page.Hits = kept.sorted()
	if q.Before != nil {
		page.Less = inRange > len(page.Hits)
	} else {
		page.More = inRange > len(page.Hits)
	}
	return page
}

// chordMargin is a relative difference of squared chords far above
// floating-point rounding: chords that far apart give distinct
// distances, in the same order.
const chordMargin = 1e-9

// byKey orders hits by distance, then id.
func byKey(a, b Hit) int {
	if c := cmp.Compare(a.Distance, b.Distance); c != 0 {
		return c
	}
	return cmp.Compare(a.ID(), b.ID())
}

// before says whether h sorts before the cursor, after whether after it.
func before(h Hit, c Cursor) bool {
	return h.Distance < c.Distance || h.Distance == c.Distance && h.ID() < c.ID
}

func after(h Hit, c Cursor) bool {
	return h.Distance > c.Distance || h.Distance == c.Distance && h.ID() > c.ID
}

// hitHeap keeps at most k hits: the k nearest (far: the root is the
// farthest kept, dropped first) or the k farthest (the root is the
// nearest kept).
type hitHeap struct {
	hits []Hit
	far  bool
}

func (h *hitHeap) Len() int { return len(h.hits) }
func (h *hitHeap) Less(i, j int) bool {
	if h.far {
		return byKey(h.hits[i], h.hits[j]) > 0
	}
	return byKey(h.hits[i], h.hits[j]) < 0
}
func (h *hitHeap) Swap(i, j int) { h.hits[i], h.hits[j] = h.hits[j], h.hits[i] }
func (h *hitHeap) Push(x any)    { h.hits = append(h.hits, x.(Hit)) }
func (h *hitHeap) Pop() any {
	x := h.hits[len(h.hits)-1]
	h.hits = h.hits[:len(h.hits)-1]
	return x
}

// keep adds a hit, dropping the root when more than k are kept.
func (h *hitHeap) keep(x Hit, k int) {
	if len(h.hits) < k {
		heap.Push(h, x)
		return
	}
	if h.far && byKey(x, h.hits[0]) < 0 || !h.far && byKey(x, h.hits[0]) > 0 {
		h.hits[0] = x
		heap.Fix(h, 0)
	}
}

// sorted returns the kept hits, nearest first.
func (h *hitHeap) sorted() []Hit {
	slices.SortFunc(h.hits, byKey)
	return h.hits
}

// searchByID runs a query whose results come in id order, the entries'
// own: every match is counted, only the page's are kept.
func (m *Model) searchByID(q Query) Page {
	limit := q.Limit
	if limit <= 0 {
		limit = len(m.entries)
	}
	var page Page
	if q.Before == nil {
		start := 0
		if q.After != nil {
			start = m.positionOf(q.After.ID, true)
		}
		page.Hits = make([]Hit, 0, min(limit, 256))
		page.UnknownHours = m.each(&q, true, func(i int32, e *Entry, _ float64) {
			page.Matched++
			switch {
			case int(i) < start:
				page.Less = true
			case len(page.Hits) < limit:
				page.Hits = append(page.Hits, Hit{Entry: e})
			default:
				page.More = true
			}
		})
		return page
	}
	end := m.positionOf(q.Before.ID, false)
	ring := make([]Hit, 0, min(limit, 256)) // the last limit hits before the cursor; next is the oldest once full
	next, before := 0, 0
	page.UnknownHours = m.each(&q, true, func(i int32, e *Entry, _ float64) {
		page.Matched++
		if int(i) >= end {
			page.More = true
			return
		}
		before++
		if len(ring) < limit {
			ring = append(ring, Hit{Entry: e})
			return
		}
		ring[next] = Hit{Entry: e}
		next = (next + 1) % limit
	})
	page.Hits, page.Less = slices.Concat(ring[next:], ring[:next]), before > len(ring)
	return page
}

// positionOf is the first position whose id comes after id (after), or
// is id or after it.
func (m *Model) positionOf(id string, after bool) int {
	i, found := slices.BinarySearchFunc(m.entries, id, func(e Entry, id string) int { return cmp.Compare(e.ID(), id) })
	if found && after {
		i++
	}
	return i
}

// spatialMatch checks the box on the packed points, and that the lieu
// has a point when the query has one.
func (m *Model) spatialMatch(i int32, q *Query) bool {
	p := &m.points[i]
	if q.BBox != nil && !(p.ok && p.lon >= q.BBox[0] && p.lon <= q.BBox[2] && p.lat >= q.BBox[1] && p.lat <= q.BBox[3]) {
		return false
	}
	return q.Near == nil || p.ok
}

// around returns the grid cells within radius of p, and their lieux'
// number (inBox).
func (m *Model) around(p Point, radius float64) ([][]int32, int, bool) {
	minLon, minLat, maxLon, maxLat := aroundBox(p.Lon, p.Lat, radius)
	boxes := [][4]float64{{max(minLon, -180), minLat, min(maxLon, 180), maxLat}}
	if minLon < -180 {
		boxes = append(boxes, [4]float64{minLon + 360, minLat, 180, maxLat})
	}
	if maxLon > 180 {
		boxes = append(boxes, [4]float64{-180, minLat, maxLon - 360, maxLat})
	}
	var out [][]int32
	n := 0
	for _, b := range boxes {
		cells, _, ok := m.grid.inBox(b[0], b[1], b[2], b[3])
		if !ok {
			return nil, 0, false
		}
		for _, c := range cells { // boxes that span the globe overlap: a cell counts once
			if len(out) == 0 || len(boxes) == 1 || !slices.ContainsFunc(out, func(o []int32) bool { return &o[0] == &c[0] }) {
				out, n = append(out, c), n+len(c)
			}
		}
	}
	return out, n, true
}

// matches checks the criteria of q no list answers exactly on the lieu
// at position i but the box (spatialMatch) and the hours (the open
// bitset), and gives its squared chord to q's point (0 without one): the
// entry itself is read only for the criteria that need it.
func (m *Model) matches(i int32, q *Query, p *plan) (float64, bool) {
	if !q.UpdatedFrom.IsZero() || !q.UpdatedTo.IsZero() || q.Match != nil {
		e := &m.entries[i]
		if !q.UpdatedFrom.IsZero() && (e.Updated.IsZero() || e.Updated.Before(q.UpdatedFrom)) ||
			!q.UpdatedTo.IsZero() && (e.Updated.IsZero() || e.Updated.After(q.UpdatedTo)) {
			return 0, false
		}
		if q.Match != nil && !q.Match(e) {
			return 0, false
		}
	}
	if q.Near == nil {
		return 0, true
	}
	pt := &m.points[i]
	if !pt.ok {
		return 0, false
	}
	c2 := chord2(p.near, pt.unit)
	return c2, c2 <= p.nearChord2
}

// openMemo remembers, for one time to be open at, whether a schedule is
// open in a territory: entries with the same hours share their schedule
// (compact), and the territory gives the zone and the public holidays.
type openMemo map[openKey]bool

type openKey struct {
	schedule  int32 // in shared.schedules
	territory string
}

func (o openMemo) at(e *Entry, t *OpenTime) bool {
	k := openKey{e.schedule, e.territoryCode()}
	v, ok := o[k]
	if !ok {
		v = e.openAt(t.in(e.Zone()))
		o[k] = v
	}
	return v
}

// OpenAt says whether the lieu is open at t, read in its own zone:
// unknown hours are never open, and on a public holiday where the lieu
// is, hours that say nothing of public holidays (no PH rule) are closed,
// as French public services and associations are.
func (e *Entry) OpenAt(t time.Time) bool {
	return e.schedule >= 0 && e.openAt(t.In(e.Zone()))
}

// openAt is OpenAt for a time already in the lieu's zone.
func (e *Entry) openAt(local time.Time) bool {
	s := e.Schedule()
	if isPublicHoliday(local, e.territoryCode()) && !s.MentionsPublicHolidays() {
		return false
	}
	return s.IsOpen(local)
}

// Each calls fn for every lieu q selects, with its position (Entry), in
// no given order; q's cursors and limit are not read.
func (m *Model) Each(q Query, fn func(i int, e *Entry)) {
	q.After, q.Before, q.Limit = nil, nil, 0
	m.each(&q, false, func(i int32, e *Entry, _ float64) { fn(int(i), e) })
}

// OpenAt returns whether the lieu at a position is open at t (the lieux
// open at a minute are cached per model: see openCache).
func (m *Model) OpenAt(t OpenTime) func(i int) bool {
	open := m.openAt(&t)
	return func(i int) bool { return open.has(int32(i)) }
}

// OpensOn says whether the lieu opens at some time of a day (its date,
// read in the lieu's own zone): open at its start, or opening before its
// end. Unknown hours never open.
func (e *Entry) OpensOn(day time.Time) bool {
	s := e.Schedule()
	if s == nil {
		return false
	}
	zone := e.Zone()
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, zone)
	if isPublicHoliday(start, e.territoryCode()) && !s.MentionsPublicHolidays() {
		return false
	}
	if s.IsOpen(start) {
		return true
	}
	next, ok := s.NextChange(start)
	return ok && next.Before(start.AddDate(0, 0, 1))
}
