package readmodel

import "strings"

// compact lays the entries' text out for the garbage collector: the
// cells of every entry (its fields as the CSV writes them, and its
// territoire's members), its id, folded name and territory go into one
// shared string, of which each entry keeps offsets. A model of 120 000
// lieux then holds one large string instead of millions of small ones,
// which each collection would otherwise mark again while requests wait.
func (m *Model) compact() {
	var b strings.Builder
	at := 0
	cells := make([][cellCount]string, len(m.entries))
	for i := range m.entries {
		e := &m.entries[i]
		for k, name := range cellNames {
			cells[i][k] = fieldText(e, name)
			at += len(cells[i][k])
		}
		at += len(e.ID) + len(e.folded) + len(e.territory)
	}
	b.Grow(at) // every string handed out shares this one buffer
	for i := range m.entries {
		e := &m.entries[i]
		for k, v := range cells[i] {
			from := b.Len()
			b.WriteString(v)
			e.cells[k] = span{uint32(from), uint32(b.Len())}
		}
		e.ID, e.folded, e.territory = shared(&b, e.ID), shared(&b, e.folded), shared(&b, e.territory)
	}
	text := b.String()
	for i := range m.entries {
		m.entries[i].text = text
	}
}

// shared writes s into the builder and returns it from there.
func shared(b *strings.Builder, s string) string {
	from := b.Len()
	b.WriteString(s)
	return b.String()[from:b.Len()]
}

// fieldText is one cell of an entry being built.
func fieldText(e *Entry, name string) string {
	switch name {
	case "departement", "region", "epci":
		f, _ := FacetNamed(name)
		if v := f.Values(e.lieu); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return e.lieu.Get(name)
}
