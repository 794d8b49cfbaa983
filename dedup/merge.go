package dedup

import (
	"cmp"
	"slices"

	"github.com/maillage/maillage/schema"
)

// merge builds a cluster's record. Members are ranked by source priority
// (the configuration's order), then freshness (date_maj), then
// completeness (filled fields), then record; a single-valued field comes
// from the best-ranked member that has it, a multi-valued one unites the
// values of all members (its provenance naming the best-ranked
// contributor); the point is the most precise one (placePoint).
func merge(g []Member) Cluster {
	slices.SortStableFunc(g, func(a, b Member) int {
		return cmp.Or(
			cmp.Compare(a.Priority, b.Priority),
			cmp.Compare(b.Lieu.DateMaj, a.Lieu.DateMaj),
			cmp.Compare(filled(&b.Lieu), filled(&a.Lieu)),
			cmp.Compare(a.Source, b.Source),
			cmp.Compare(a.RecordKey, b.RecordKey))
	})
	c := Cluster{Provenance: map[string]Ref{}}
	for _, m := range g {
		c.Members = append(c.Members, m.Ref)
	}
	for _, f := range schema.Fields {
		if f.Name == "id" {
			continue
		}
		if f.Kind == schema.KindList {
			uniteField(&c, g, f.Name)
			continue
		}
		for _, m := range g {
			if m.Lieu.Get(f.Name) != "" {
				c.Lieu.CopyField(f.Name, &m.Lieu)
				c.Provenance[f.Name] = m.Ref
				break
			}
		}
	}
	placePoint(&c, g)
	for _, m := range g {
		if m.Ref == c.Provenance["code_insee"] {
			c.Lieu.Territoire = m.Lieu.Territoire
		}
	}
	return c
}

// uniteField gives the cluster every value any member has, in rank order.
func uniteField(c *Cluster, g []Member, name string) {
	var values []string
	for _, m := range g {
		for _, v := range m.Lieu.List(name) {
			if !slices.Contains(values, v) {
				if len(values) == 0 {
					c.Provenance[name] = m.Ref
				}
				values = append(values, v)
			}
		}
	}
	if len(values) > 0 {
		_ = c.Lieu.SetList(name, values)
	}
}

// filled counts a record's non-empty fields.
func filled(l *schema.Lieu) int {
	n := 0
	for _, f := range schema.Fields {
		if l.Get(f.Name) != "" {
			n++
		}
	}
	return n
}

// placePoint gives the cluster the most precise point among its members —
// a producer's checked point beats a geocoded address, which beats a
// commune centre — so merging never moves a lieu to a worse point. Both
// coordinates and the placement come from that one member.
func placePoint(c *Cluster, g []Member) {
	best := -1
	for i, m := range g {
		if m.Lieu.Latitude != nil && m.Lieu.Longitude != nil &&
			(best < 0 || m.Lieu.Placement.Rank() < g[best].Lieu.Placement.Rank()) {
			best = i
		}
	}
	c.Lieu.Latitude, c.Lieu.Longitude, c.Lieu.Placement = nil, nil, nil
	delete(c.Provenance, "latitude")
	delete(c.Provenance, "longitude")
	if best < 0 {
		return
	}
	m := g[best]
	c.Lieu.Latitude, c.Lieu.Longitude, c.Lieu.Placement = m.Lieu.Latitude, m.Lieu.Longitude, m.Lieu.Placement
	c.Provenance["latitude"], c.Provenance["longitude"] = m.Ref, m.Ref
}
