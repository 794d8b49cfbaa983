package dedup

import (
	"cmp"
	"crypto/sha1"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// idNamespace seeds the UUIDv5 ids minted for new lieux.
var idNamespace = uuid.MustParse("6f1c7e0a-3d0b-5b8e-9a4c-6d61696c6c61")

// assignIDs keeps each lieu's id across runs. Every earlier id passes to
// the cluster now holding its oldest member (the record linked to it the
// longest), so that when a lieu splits, the part with that member keeps
// the id. A cluster inheriting several ids keeps the oldest lieu's and
// retires the others (they then redirect to it); a cluster inheriting
// none gets a UUIDv5 derived from its records, so that a rebuilt
// database mints the same ids again.
func assignIDs(clusters []Cluster, ex Existing) {
	inherited, absorbedOnly := heirs(clusters, ex)
	taken := make(map[string]bool, len(clusters))
	for i := range clusters {
		ids := inherited[i]
		slices.SortFunc(ids, func(a, b string) int {
			// a lieu that only absorbed ids keeps its own before them
			return cmp.Or(compareBool(absorbedOnly[a], absorbedOnly[b]), ex.Created[a].Compare(ex.Created[b]), cmp.Compare(a, b))
		})
		if len(ids) > 0 {
			clusters[i].ID, clusters[i].Retired = ids[0], ids[1:]
			taken[ids[0]] = true
		}
	}
	for i := range clusters {
		c := &clusters[i]
		if c.ID == "" {
			c.ID = mint(c.Members, taken, ex)
			taken[c.ID] = true
		}
	}
}

// heirs lists for each cluster the earlier ids whose oldest present
// member it holds, and the ids a cluster holds only through records
// absorbed by one of its members (Existing.Absorbed).
func heirs(clusters []Cluster, ex Existing) ([][]string, map[string]bool) {
	type oldest struct {
		ref     Ref
		since   time.Time
		cluster int
	}
	best := make(map[string]oldest, len(ex.Created))
	consider := func(r Ref, i int) {
		id, ok := ex.Links[r]
		if !ok {
			return
		}
		cand := oldest{r, ex.Since[r], i}
		if b, seen := best[id]; !seen || older(cand.since, cand.ref, b.since, b.ref) {
			best[id] = cand
		}
	}
	for i, c := range clusters {
		for _, r := range c.Members {
			consider(r, i)
		}
	}
	// an id none of whose records is left passes to the cluster of the
	// record that absorbed them, if any
	inherited := make(map[string]bool, len(best))
	for id := range best {
		inherited[id] = true
	}
	absorbedOnly := map[string]bool{}
	for i, c := range clusters {
		for _, r := range c.Members {
			for _, gone := range ex.Absorbed[r] {
				if id, ok := ex.Links[gone]; ok && !inherited[id] {
					consider(gone, i)
					absorbedOnly[id] = true
				}
			}
		}
	}
	out := make([][]string, len(clusters))
	for id, b := range best {
		out[b.cluster] = append(out[b.cluster], id)
	}
	return out, absorbedOnly
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func older(ta time.Time, a Ref, tb time.Time, b Ref) bool {
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.RecordKey, b.RecordKey)) < 0
}

// MintID is the id a record gets when it starts a new lieu: a UUIDv5 of the
// source name and record key, the same on every machine and every rebuild.
func MintID(source, recordKey string) string {
	return uuidV5(source, "\x00", recordKey, "", "")
}

// uuidV5 is uuid.NewSHA1(idNamespace, the parts joined) (RFC 9562 §5.5),
// hashed from a buffer on the stack: minting the ×10 corpus's 200,000 ids
// through uuid.NewSHA1 allocated a hash, a digest and the joined name for
// each (20 MB).
func uuidV5(parts ...string) string {
	var buf [256]byte
	name := append(buf[:0], idNamespace[:]...)
	for _, p := range parts {
		name = append(name, p...)
	}
	sum := sha1.Sum(name)
	var id uuid.UUID
	copy(id[:], sum[:])
	id[6] = id[6]&0x0f | 0x50 // version 5
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id.String()
}

// mint picks the first id derived from the cluster's records that no
// lieu holds and that was never retired (a retired id keeps redirecting).
// A record that comes back after its lieu was deleted gets its id again.
func mint(refs []Ref, taken map[string]bool, ex Existing) string {
	sorted := refs
	if len(refs) > 1 {
		sorted = slices.Clone(refs)
		slices.SortFunc(sorted, func(a, b Ref) int {
			return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.RecordKey, b.RecordKey))
		})
	}
	free := func(id string) bool { return !taken[id] && !ex.Retired[id] }
	for _, r := range sorted {
		if id := MintID(r.Source, r.RecordKey); free(id) {
			return id
		}
	}
	for n := 1; ; n++ {
		if id := uuidV5(sorted[0].Source, "\x00", sorted[0].RecordKey, "\x00", strconv.Itoa(n)); free(id) {
			return id
		}
	}
}
