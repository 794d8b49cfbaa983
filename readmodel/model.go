// Package readmodel holds the published lieux in memory for the public
// API: an immutable Model built from the store after each publication
// (records, each lieu's rendered GeoJSON Feature, a spatial grid, the
// posting lists of the enumerated fields and territory codes, folded name
// tokens, parsed opening hours) and a Holder that swaps models in
// atomically. Requests read one model from start to end and never touch
// SQL; a request never sees half of a publication.
package readmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/schema/hours"
	"github.com/maillage/maillage/store"
)

// Entry is one published lieu as the model holds it. It holds one
// pointer, to the data its model's entries share (their text, their
// renderings, schedules and zones), and offsets into that data: an array
// of entries costs a collection almost nothing to scan (packed.go).
type Entry struct {
	shared   *shared
	id       span
	Revision int64
	// UpdatedAt is when the lieu last changed, in UTC (which holds no
	// pointer).
	UpdatedAt time.Time
	// the lieu as one row of the standard's CSV, as one GeoJSON Feature
	// (exporters.RenderFeature) and its provenance, encoded, in
	// shared.renderings; properties is the offset in the Feature of the
	// brace that opens its properties (-1: none).
	csvRow, feature, provenance span
	properties                  int32
	// HasPoint says whether Lon and Lat are known.
	Lon, Lat float64
	HasPoint bool
	// schedule indexes shared.schedules (-1: the hours are unknown), zone
	// shared.zones; territory is the code of its département or overseas
	// collectivité.
	schedule, zone int32
	territory      span
	// Updated is date_maj, parsed, in UTC (zero when it does not parse).
	Updated time.Time
	folded  span // the name folded (geo.Fold)
	// cells are the fields as the CSV writes them (lists joined with "|"),
	// then the territoire's members, in shared.text.
	cells [cellCount]span
}

// shared is what the entries of a model point into.
type shared struct {
	text       string
	renderings []byte
	schedules  []*hours.Schedule // parsed opening hours, one for each distinct text
	zones      []*time.Location
}

// ID is the lieu's id.
func (e *Entry) ID() string { return e.shared.str(e.id) }

// CSVRow is the lieu as one row of the standard's CSV.
func (e *Entry) CSVRow() []byte { return e.shared.bytes(e.csvRow) }

// Feature is the lieu as one GeoJSON Feature.
func (e *Entry) Feature() []byte { return e.shared.bytes(e.feature) }

// Provenance is the lieu's per-field provenance, encoded (nil: none).
func (e *Entry) Provenance() json.RawMessage {
	if e.provenance.from == e.provenance.to {
		return nil
	}
	return e.shared.bytes(e.provenance)
}

// Schedule is the lieu's parsed opening hours, nil when it has none or
// they do not parse: its hours are then unknown.
func (e *Entry) Schedule() *hours.Schedule {
	if e.schedule < 0 {
		return nil
	}
	return e.shared.schedules[e.schedule]
}

// Zone is the lieu's own time zone (its territory's).
func (e *Entry) Zone() *time.Location { return e.shared.zones[e.zone] }

// territoryCode is the code of the lieu's département or overseas
// collectivité.
func (e *Entry) territoryCode() string { return e.shared.str(e.territory) }

func (s *shared) str(sp span) string   { return s.text[sp.from:sp.to] }
func (s *shared) bytes(sp span) []byte { return s.renderings[sp.from:sp.to:sp.to] }

// draft is a lieu while its model is built: what its Entry is made of.
type draft struct {
	id, territory, folded       string
	revision                    int64
	updatedAt, updated          time.Time
	csvRow, feature, provenance []byte
	lon, lat                    float64
	hasPoint                    bool
	schedule                    *hours.Schedule
	zone                        *time.Location
	names                       []string // folded name tokens
	lieu                        *schema.Lieu
}

// span is a cell's place in the shared text.
type span struct{ from, to uint32 }

// cellNames are the cells of an entry: the standard's fields, then the
// territoire's members.
var cellNames = func() []string {
	var out []string
	for _, f := range schema.Fields {
		out = append(out, f.Name)
	}
	return append(out, "departement", "region", "epci")
}()

const cellCount = 35 // len(cellNames), checked by TestCellNames

var cellIndex = func() map[string]int {
	m := map[string]int{}
	for i, n := range cellNames {
		m[n] = i
	}
	return m
}()

// Get returns a field's value as the standard's CSV writes it (lists
// joined with "|"; "departement", "region", "epci" for the territoire's
// members), "" when empty or unknown.
func (e *Entry) Get(name string) string {
	k, ok := cellIndex[name]
	if !ok {
		return ""
	}
	return e.shared.str(e.cells[k])
}

// List returns a field's values.
func (e *Entry) List(name string) []string {
	v := e.Get(name)
	if v == "" {
		return nil
	}
	return strings.Split(v, schema.MultiSeparator)
}

// FoldedName is the lieu's name folded: no case, accents or punctuation.
func (e *Entry) FoldedName() string { return e.shared.str(e.folded) }

// WriteFeatureWith writes the Feature with extra members first in its
// properties (such as "distance_m":120).
func (e *Entry) WriteFeatureWith(w io.Writer, extra []byte) error {
	feature := e.Feature()
	if len(extra) == 0 || e.properties <= 0 {
		_, err := w.Write(feature)
		return err
	}
	parts := [][]byte{feature[:e.properties+1], extra, {','}, feature[e.properties+1:]}
	if feature[e.properties+1] == '}' {
		parts[2] = nil
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// Model is an immutable snapshot of the published lieux. Every method is
// safe for concurrent use.
type Model struct {
	// Seq is the lieux sequence's value the model was read at
	// (store.LieuSequence): the data version.
	Seq int64
	// UpdatedAt is the latest change of a published lieu.
	UpdatedAt time.Time
	// Extent is the box of the lieux' points (zero without any), and
	// UpdatedFrom and UpdatedTo the range of their date_maj.
	Extent                 [4]float64
	UpdatedFrom, UpdatedTo time.Time
	entries                []Entry // by id
	points                 []point // the entries' points, by position, packed: what spatial checks read
	retired                map[string]store.RetiredLieu
	grid                   grid
	facets                 map[string]map[string]span // facet → value → its positions in facetLists, ascending
	facetLists             packedLists
	dense                  map[string]map[string]bitset // the same as bitsets, for the values many lieux hold
	scheduled              bitset                       // the lieux whose hours are known
	open                   openCache
	scratch                sync.Pool // lists of positions lent to walks in id order (getScratch)
	names                  nameIndex
}

// Len is the number of published lieux.
func (m *Model) Len() int { return len(m.entries) }

// Entry returns the lieu at position i (0 ≤ i < Len, by id).
func (m *Model) Entry(i int) *Entry { return &m.entries[i] }

// Lookup returns the published lieu of an id, or what became of it: a
// retired id gives its RetiredLieu (MergedInto empty when deleted).
func (m *Model) Lookup(id string) (*Entry, *store.RetiredLieu) {
	if i := m.positionOf(id, false); i < len(m.entries) && m.entries[i].ID() == id {
		return &m.entries[i], nil
	}
	if r, ok := m.retired[id]; ok {
		return nil, &r
	}
	return nil, nil
}

// Empty is the model of no lieux, read from no store (its Seq, -1, is
// no value of the lieux sequence).
func Empty() *Model {
	return &Model{Seq: -1, retired: map[string]store.RetiredLieu{}, facets: map[string]map[string]span{},
		dense: map[string]map[string]bitset{}}
}

// ErrMoving is returned when the lieux kept changing while a model was
// read (publications faster than reads).
var ErrMoving = errors.New("readmodel: the published lieux changed during every read")

// readAttempts bounds the reads of a model while publications go on.
const readAttempts = 5

// Build reads the published lieux and the retired ids from st into a
// model. The lieux sequence is read before and after: when a publication
// came in between, the read starts again, so that a model holds one
// publication whole.
func Build(ctx context.Context, st store.Store) (*Model, error) {
	for range readAttempts {
		before, err := st.LieuSequence(ctx)
		if err != nil {
			return nil, fmt.Errorf("readmodel: lieux sequence: %w", err)
		}
		m, err := read(ctx, st)
		if err != nil {
			return nil, err
		}
		after, err := st.LieuSequence(ctx)
		if err != nil {
			return nil, fmt.Errorf("readmodel: lieux sequence: %w", err)
		}
		if before == after {
			m.Seq = after
			return m, nil
		}
	}
	return nil, ErrMoving
}

// read reads and indexes the published lieux and the retired ids.
func read(ctx context.Context, st store.Store) (*Model, error) {
	m := Empty()
	var csv exporters.CSVRenderer
	var drafts []draft
	err := st.EachLieu(ctx, func(r store.LieuRow) error {
		d, err := newDraft(r, &csv)
		if err != nil {
			return err
		}
		drafts = append(drafts, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("readmodel: lieux: %w", err)
	}
	retired, err := st.RetiredLieux(ctx)
	if err != nil {
		return nil, fmt.Errorf("readmodel: retired lieux: %w", err)
	}
	for _, r := range retired {
		m.retired[r.ID] = r
	}
	if err := m.index(drafts); err != nil {
		return nil, err
	}
	return m, nil
}

// newDraft prepares one lieu.
func newDraft(r store.LieuRow, csv *exporters.CSVRenderer) (draft, error) {
	feature, err := exporters.RenderFeature(&r.Lieu)
	if err != nil {
		return draft{}, err
	}
	row, err := csv.Render(&r.Lieu)
	if err != nil {
		return draft{}, err
	}
	l := r.Lieu
	d := draft{id: r.Lieu.ID, revision: r.Revision, updatedAt: r.UpdatedAt.UTC(), csvRow: row, feature: feature,
		territory: territoryOf(&r.Lieu), lieu: &l}
	if len(r.Provenance) > 0 {
		if d.provenance, err = json.Marshal(r.Provenance); err != nil {
			return draft{}, fmt.Errorf("readmodel: lieu %s: provenance: %w", r.Lieu.ID, err)
		}
	}
	d.zone = zoneOf(d.territory)
	d.lon, d.lat, d.hasPoint = r.Lieu.Point()
	if r.Lieu.Horaires != "" {
		if s, err := hours.Parse(r.Lieu.Horaires); err == nil {
			d.schedule = s
		}
	}
	if t, err := time.Parse(time.DateOnly, r.Lieu.DateMaj); err == nil {
		d.updated = t.UTC()
	}
	d.folded = geo.Fold(r.Lieu.Nom)
	d.names = nameTokens(d.folded)
	return d, nil
}

// propertiesAt finds the brace opening a rendered Feature's properties
// (exporters.Feature encodes them last).
func propertiesAt(feature []byte) int {
	const key = `"properties":{`
	i := strings.LastIndex(string(feature), key)
	if i < 0 {
		return -1
	}
	return i + len(key) - 1
}

// index makes the entries from the drafts, sorted by id, and builds the
// lookups over them.
func (m *Model) index(drafts []draft) error {
	slices.SortFunc(drafts, func(a, b draft) int { return strings.Compare(a.id, b.id) })
	if err := m.compact(drafts); err != nil {
		return err
	}
	m.points = make([]point, len(m.entries))
	cells := map[cell][]int32{}
	facets := map[string]map[string][]int32{}
	for i := range m.entries {
		e := &m.entries[i]
		if e.UpdatedAt.After(m.UpdatedAt) {
			m.UpdatedAt = e.UpdatedAt
		}
		m.points[i] = point{lon: e.Lon, lat: e.Lat, ok: e.HasPoint, unit: unitVector(e.Lon, e.Lat)}
		if e.HasPoint {
			c := cellOf(e.Lon, e.Lat)
			cells[c] = append(cells[c], int32(i))
			m.extend(e)
		}
		if !e.Updated.IsZero() && (m.UpdatedFrom.IsZero() || e.Updated.Before(m.UpdatedFrom)) {
			m.UpdatedFrom = e.Updated
		}
		if e.Updated.After(m.UpdatedTo) {
			m.UpdatedTo = e.Updated
		}
		indexFacets(facets, drafts[i].lieu, int32(i))
	}
	m.grid = newGrid(cells)
	m.names = newNameIndex(drafts)
	m.packFacets(facets)
	m.indexDense(facets)
	m.scheduled = newBitset(len(m.entries))
	for i := range m.entries {
		if m.entries[i].schedule >= 0 {
			m.scheduled.set(int32(i))
		}
	}
	return nil
}

// indexFacets adds the entry at position i to the posting list of each
// of its facet values (folded), once.
func indexFacets(facets map[string]map[string][]int32, l *schema.Lieu, i int32) {
	for _, f := range Facets {
		for _, v := range f.Values(l) {
			if facets[f.Name] == nil {
				facets[f.Name] = map[string][]int32{}
			}
			key := FoldValue(v)
			list := facets[f.Name][key]
			if len(list) == 0 || list[len(list)-1] != i {
				facets[f.Name][key] = append(list, i)
			}
		}
	}
}

// packFacets lays the facets' posting lists out in one array, and their
// values in one string.
func (m *Model) packFacets(facets map[string]map[string][]int32) {
	n := 0
	for _, values := range facets {
		n += keyBytes(values)
	}
	pool := newTextPool(n)
	for name, values := range facets {
		m.facets[name] = packMap(values, &m.facetLists, pool.copy)
	}
}

// facetList is the positions of the lieux holding a value of a facet
// (folded), ascending.
func (m *Model) facetList(facet, value string) []int32 {
	s, ok := m.facets[facet][value]
	if !ok {
		return nil
	}
	return m.facetLists.get(s)
}

// extend grows the extent to hold e's point.
func (m *Model) extend(e *Entry) {
	if m.Extent == ([4]float64{}) {
		m.Extent = [4]float64{e.Lon, e.Lat, e.Lon, e.Lat}
		return
	}
	m.Extent = [4]float64{min(m.Extent[0], e.Lon), min(m.Extent[1], e.Lat), max(m.Extent[2], e.Lon), max(m.Extent[3], e.Lat)}
}

// point is a lieu's point, ok when it has one, and as a unit vector.
type point struct {
	lon, lat float64
	unit     [3]float64
	ok       bool
}

// indexDense gives the posting lists holding at least 1/denseShare of the
// entries their bitset.
func (m *Model) indexDense(facets map[string]map[string][]int32) {
	m.dense = map[string]map[string]bitset{}
	for facet, values := range facets {
		for v, list := range values {
			if len(list)*denseShare < len(m.entries) {
				continue
			}
			b := newBitset(len(m.entries))
			for _, i := range list {
				b.set(i)
			}
			if m.dense[facet] == nil {
				m.dense[facet] = map[string]bitset{}
			}
			m.dense[facet][v] = b
		}
	}
}
