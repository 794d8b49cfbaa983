// Package dedup groups source records that describe the same lieu, merges
// each group into one record with per-field provenance and gives it a
// stable id: blocking, pair scoring, clustering under operators'
// decisions, survivorship with per-field provenance, stable ids. No I/O.
package dedup

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/maillage/maillage/schema"
)

// idNamespace seeds the UUIDv5 ids minted for new lieux.
var idNamespace = uuid.MustParse("6f1c7e0a-3d0b-5b8e-9a4c-6d61696c6c61")

// Ref names a source record.
type Ref struct {
	Source    string `json:"source"`
	RecordKey string `json:"record_key"`
}

// Member is a normalised source record that can join a lieu.
type Member struct {
	Ref
	ProducerID string
	Lieu       schema.Lieu
	// Priority is the rank of the source in the configuration (0 first).
	Priority int
}

// Existing is what earlier runs decided: which lieu each record fed and
// when each lieu was created.
type Existing struct {
	Links   map[Ref]string
	Created map[string]time.Time
}

// Cluster is one published lieu and the records merged into it.
type Cluster struct {
	ID         string
	Members    []Ref
	Lieu       schema.Lieu
	Provenance map[string]Ref
	// Retired lists ids of earlier lieux merged into this one.
	Retired []string
}

// exactKey is a producer id specific enough to name the same record in
// any source (UUIDs, object ids, source-prefixed ids), lower-cased; ""
// for short or purely numeric ids, which only identify a record inside
// its own source.
func exactKey(producerID string) string {
	id := strings.ToLower(strings.TrimSpace(producerID))
	if !globalID(id) {
		return ""
	}
	return id
}

// globalID reports whether an id is specific enough to name the same
// record in any source: at least 10 characters mixing letters and digits,
// as UUIDs, object ids and source-prefixed ids do.
func globalID(id string) bool {
	if len(id) < 10 {
		return false
	}
	return strings.ContainsAny(id, "0123456789") && strings.IndexFunc(id, unicode.IsLetter) >= 0
}

// merge builds the group's record: each field comes from the most recently
// updated member that has it, then the source listed first, then the
// smallest record key.
func merge(g []Member) Cluster {
	slices.SortStableFunc(g, func(a, b Member) int {
		return cmp.Or(
			cmp.Compare(b.Lieu.DateMaj, a.Lieu.DateMaj),
			cmp.Compare(a.Priority, b.Priority),
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

// assignIDs keeps each lieu's id across runs. A cluster takes the oldest id
// its members had; ids of other lieux it absorbed are retired. New clusters
// get a UUIDv5 derived from their first record, so a rebuilt database mints
// the same ids again.
func assignIDs(clusters []Cluster, ex Existing) {
	order := make([]int, len(clusters))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(len(clusters[b].Members), len(clusters[a].Members))
	})
	taken := map[string]bool{}
	for _, i := range order {
		c := &clusters[i]
		cands := candidates(c.Members, ex)
		for _, id := range cands {
			if !taken[id] {
				c.ID = id
				break
			}
		}
		if c.ID == "" {
			c.ID = mint(c.Members, taken)
		}
		taken[c.ID] = true
		for _, id := range cands {
			if id != c.ID {
				c.Retired = append(c.Retired, id)
			}
		}
		c.Lieu.ID = c.ID
	}
	dropReused(clusters, taken)
}

// candidates are the earlier ids of a cluster's members, oldest first.
func candidates(refs []Ref, ex Existing) []string {
	var ids []string
	for _, r := range refs {
		if id, ok := ex.Links[r]; ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(ex.Created[a].Compare(ex.Created[b]), cmp.Compare(a, b))
	})
	return ids
}

// MintID is the id a record gets when it starts a new lieu: a UUIDv5 of the
// source name and record key, the same on every machine and every rebuild.
func MintID(source, recordKey string) string {
	return uuid.NewSHA1(idNamespace, []byte(source+"\x00"+recordKey)).String()
}

func mint(refs []Ref, taken map[string]bool) string {
	sorted := slices.Clone(refs)
	slices.SortFunc(sorted, func(a, b Ref) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.RecordKey, b.RecordKey))
	})
	for _, r := range sorted {
		if id := MintID(r.Source, r.RecordKey); !taken[id] {
			return id
		}
	}
	seed := sorted[0].Source + "\x00" + sorted[0].RecordKey
	for n := 1; ; n++ {
		id := uuid.NewSHA1(idNamespace, []byte(seed+"\x00"+strconv.Itoa(n))).String()
		if !taken[id] {
			return id
		}
	}
}

// dropReused removes from Retired the ids that another cluster still uses
// (a split keeps the old id on one side).
func dropReused(clusters []Cluster, used map[string]bool) {
	for i := range clusters {
		c := &clusters[i]
		c.Retired = slices.DeleteFunc(c.Retired, func(id string) bool { return used[id] })
	}
}
