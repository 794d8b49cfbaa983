package readmodel

// compact lays the entries out for the garbage collector (packed.go): the
// cells of every entry (its fields as the CSV writes them, and its
// territoire's members), its id, folded name and territory go into one
// shared string, of which each entry keeps offsets, and its renderings
// into one shared array.
func (m *Model) compact() {
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
	pool := newTextPool(at)
	for i := range m.entries {
		e := &m.entries[i]
		for k, v := range cells[i] {
			from := pool.b.Len()
			pool.b.WriteString(v)
			e.cells[k] = span{uint32(from), uint32(pool.b.Len())}
		}
		e.ID, e.folded, e.territory = pool.copy(e.ID), pool.copy(e.folded), pool.copy(e.territory)
	}
	text := pool.b.String()
	for i := range m.entries {
		m.entries[i].text = text
	}
	m.packRenderings()
}

// packRenderings moves each entry's Feature, CSV row and provenance into
// one shared array.
func (m *Model) packRenderings() {
	n := 0
	for i := range m.entries {
		e := &m.entries[i]
		n += len(e.Feature) + len(e.CSVRow) + len(e.Provenance)
	}
	all := make([]byte, 0, n)
	move := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		from := len(all)
		all = append(all, b...)
		return all[from:len(all):len(all)]
	}
	for i := range m.entries {
		e := &m.entries[i]
		e.Feature, e.CSVRow, e.Provenance = move(e.Feature), move(e.CSVRow), move(e.Provenance)
	}
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
