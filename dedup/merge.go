package dedup

import (
	"cmp"
	"slices"

	"github.com/maillage/maillage/schema"
)

// fieldPos is each field's position in schema.Fields.
var fieldPos = func() map[string]int {
	m := make(map[string]int, len(schema.Fields))
	for i, f := range schema.Fields {
		m[f.Name] = i
	}
	return m
}()

// provenance says, per field (schema.Fields order), which member of the
// cluster gave the value: an index into Members, or -1.
type provenance []int8

func newProvenance() provenance {
	p := make(provenance, len(schema.Fields))
	for i := range p {
		p[i] = -1
	}
	return p
}

// Provenance maps each published field to the record that gave it.
func (c *Cluster) Provenance() map[string]Ref {
	out := make(map[string]Ref, len(c.from))
	for i, k := range c.from {
		if k >= 0 {
			out[schema.Fields[i].Name] = c.Members[k]
		}
	}
	return out
}

// From returns the record that gave a field's value.
func (c *Cluster) From(field string) (Ref, bool) {
	i, ok := fieldPos[field]
	if !ok || c.from[i] < 0 {
		return Ref{}, false
	}
	return c.Members[c.from[i]], true
}

// merge builds a cluster's record. Members are ranked by source priority
// (the configuration's order), then freshness (date_maj), then
// completeness (filled fields), then record; a single-valued field comes
// from the best-ranked member that has it, a multi-valued one unites the
// values of all members (its provenance naming the best-ranked
// contributor); the point is the most precise one (placePoint).
func merge(members []Member, idx []int32) Cluster {
	if len(idx) == 1 {
		return single(&members[idx[0]])
	}
	g := make([]*Member, len(idx))
	for k, i := range idx {
		g[k] = &members[i]
	}
	rank(g)
	c := Cluster{Members: make([]Ref, len(g)), Lieu: &schema.Lieu{}, from: newProvenance()}
	for k, m := range g {
		c.Members[k] = m.Ref
	}
	for pos, f := range schema.Fields {
		switch {
		case f.Name == "id":
		case f.Kind == schema.KindList:
			c.from[pos] = uniteField(c.Lieu, g, f.Name)
		default:
			for k, m := range g {
				if m.Lieu.Has(f.Name) {
					c.Lieu.CopyField(f.Name, m.Lieu)
					c.from[pos] = int8(k)
					break
				}
			}
		}
	}
	placePoint(&c, g)
	if k := c.from[fieldPos["code_insee"]]; k >= 0 {
		c.Lieu.Territoire = g[k].Lieu.Territoire
	}
	return c
}

// single is the cluster of one record: all its fields come from it, and
// it shares the record (checked coordinates come in pairs).
func single(m *Member) Cluster {
	c := Cluster{Members: []Ref{m.Ref}, Lieu: m.Lieu, from: newProvenance()}
	for pos, f := range schema.Fields {
		if f.Name != "id" && c.Lieu.Has(f.Name) {
			c.from[pos] = 0
		}
	}
	return c
}

// rank sorts a cluster's members, best first.
func rank(g []*Member) {
	type ranked struct {
		m      *Member
		filled int
	}
	rs := make([]ranked, len(g))
	for k, m := range g {
		rs[k] = ranked{m, m.Lieu.Filled()}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		return cmp.Or(
			cmp.Compare(a.m.Priority, b.m.Priority),
			cmp.Compare(b.m.Lieu.DateMaj, a.m.Lieu.DateMaj),
			cmp.Compare(b.filled, a.filled),
			cmp.Compare(a.m.Source, b.m.Source),
			cmp.Compare(a.m.RecordKey, b.m.RecordKey))
	})
	for k, r := range rs {
		g[k] = r.m
	}
}

// uniteField gives l every value any member has, in rank order, and
// returns the best-ranked contributor (-1 for none).
func uniteField(l *schema.Lieu, g []*Member, name string) int8 {
	var values []string
	from := int8(-1)
	for k, m := range g {
		for _, v := range m.Lieu.List(name) {
			if !slices.Contains(values, v) {
				if from < 0 {
					from = int8(k)
				}
				values = append(values, v)
			}
		}
	}
	if len(values) > 0 {
		_ = l.SetList(name, values)
	}
	return from
}

// placePoint gives the cluster the most precise point among its members —
// a producer's checked point beats a geocoded address, which beats a
// commune centre — so merging never moves a lieu to a worse point. Both
// coordinates and the placement come from that one member.
func placePoint(c *Cluster, g []*Member) {
	best := -1
	for i, m := range g {
		if m.Lieu.Latitude != nil && m.Lieu.Longitude != nil &&
			(best < 0 || m.Lieu.Placement.Rank() < g[best].Lieu.Placement.Rank()) {
			best = i
		}
	}
	c.Lieu.Latitude, c.Lieu.Longitude, c.Lieu.Placement = nil, nil, nil
	lat, lon := fieldPos["latitude"], fieldPos["longitude"]
	c.from[lat], c.from[lon] = -1, -1
	if best < 0 {
		return
	}
	m := g[best]
	c.Lieu.Latitude, c.Lieu.Longitude, c.Lieu.Placement = m.Lieu.Latitude, m.Lieu.Longitude, m.Lieu.Placement
	c.from[lat], c.from[lon] = int8(best), int8(best)
}
