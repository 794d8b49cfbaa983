package readmodel

import (
	"fmt"
	"math"
	"time"
)

// compact makes the model's entries from the drafts, laid out for the
// garbage collector (packed.go): the cells of every lieu (its fields as
// the CSV writes them, and its territoire's members), its id, folded name
// and territory go into one shared string, its renderings into one shared
// array, and the entries keep offsets; lieux with the same hours share
// one parsed schedule, which the opening memo keys on (openMemo).
func (m *Model) compact(drafts []draft) error {
	cells := make([][cellCount]string, len(drafts))
	textBytes, renderBytes := 0, 0
	for i := range drafts {
		d := &drafts[i]
		for k, name := range cellNames {
			cells[i][k] = draftField(d, name)
			textBytes += len(cells[i][k])
		}
		textBytes += len(d.id) + len(d.folded) + len(d.territory)
		renderBytes += len(d.feature) + len(d.csvRow) + len(d.provenance)
	}
	if textBytes > math.MaxUint32 || renderBytes > math.MaxUint32 {
		return fmt.Errorf("readmodel: %d lieux take %d bytes of text and %d of renderings, more than offsets of 32 bits reach", len(drafts), textBytes, renderBytes)
	}
	sh := &shared{renderings: make([]byte, 0, renderBytes)}
	text := newTextPool(textBytes)
	put := func(s string) span {
		from := text.b.Len()
		text.b.WriteString(s)
		return span{uint32(from), uint32(text.b.Len())}
	}
	render := func(b []byte) span {
		from := len(sh.renderings)
		sh.renderings = append(sh.renderings, b...)
		return span{uint32(from), uint32(len(sh.renderings))}
	}
	schedules, zones := map[string]int32{}, map[*time.Location]int32{}
	m.entries = make([]Entry, len(drafts))
	for i := range drafts {
		d := &drafts[i]
		e := Entry{shared: sh, id: put(d.id), Revision: d.revision, UpdatedAt: d.updatedAt,
			csvRow: render(d.csvRow), feature: render(d.feature), provenance: render(d.provenance), properties: int32(propertiesAt(d.feature)),
			Lon: d.lon, Lat: d.lat, HasPoint: d.hasPoint, schedule: -1, territory: put(d.territory), Updated: d.updated, folded: put(d.folded)}
		for k, v := range cells[i] {
			e.cells[k] = put(v)
		}
		if d.schedule != nil {
			e.schedule = intern(schedules, d.lieu.Horaires, d.schedule, &sh.schedules)
		}
		e.zone = intern(zones, d.zone, d.zone, &sh.zones)
		m.entries[i] = e
	}
	sh.text = text.b.String()
	return nil
}

// intern returns the index of key's value in values, adding v when key
// is new.
func intern[K comparable, V any](index map[K]int32, key K, v V, values *[]V) int32 {
	if k, ok := index[key]; ok {
		return k
	}
	index[key] = int32(len(*values))
	*values = append(*values, v)
	return index[key]
}

// draftField is one cell of a lieu being built.
func draftField(d *draft, name string) string {
	switch name {
	case "departement", "region", "epci":
		f, _ := FacetNamed(name)
		if v := f.Values(d.lieu); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return d.lieu.Get(name)
}
