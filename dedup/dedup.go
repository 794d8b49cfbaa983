// Package dedup groups source records that describe the same lieu, merges
// each group into one record with per-field provenance and gives it a
// stable id: blocking, pair scoring, clustering under operators'
// decisions, survivorship with per-field provenance, stable ids. No I/O.
package dedup

import (
	"strings"
	"time"
	"unicode"

	"github.com/maillage/maillage/schema"
)

// Ref names a source record.
type Ref struct {
	Source    string `json:"source"`
	RecordKey string `json:"record_key"`
}

// Member is a normalised source record that can join a lieu.
type Member struct {
	Ref
	ProducerID string
	Lieu       *schema.Lieu // shared with its record: read only
	// Priority is the rank of the source in the configuration (0 first).
	Priority int
	// Version tells two states of the record apart (see Memo); "" is
	// never taken as known.
	Version string
	// Deduplicated marks a record that is a lieu its source already
	// deduplicated (a peer instance's): two such records of the same
	// source are never merged with each other, nor offered for review.
	Deduplicated bool
}

// Existing is what earlier runs decided: which lieu each record fed,
// since when, and when each lieu was created.
type Existing struct {
	Links   map[Ref]string
	Since   map[Ref]time.Time
	Created map[string]time.Time
	// Retired holds the ids merged away earlier: they redirect, and are
	// never minted again.
	Retired map[string]bool
	// Absorbed maps a record to records merged into it elsewhere (at a
	// peer instance), gone since: the lieu they fed passes to the
	// record's lieu, which retires it, rather than being deleted.
	Absorbed map[Ref][]Ref
}

// Cluster is one published lieu and the records merged into it (best
// ranked first); Provenance and From say which record gave each field.
// Lieu is read-only: a lone record's cluster shares its member's record,
// whose id field is the producer's; the lieu's id is ID.
type Cluster struct {
	ID      string
	Members []Ref
	Lieu    *schema.Lieu
	// Retired lists ids of earlier lieux merged into this one.
	Retired []string
	// Key names what the cluster's lieu is made of: its members' records,
	// versions and priorities. Two clusters of the same non-zero Key have
	// the same Lieu and provenance. It is zero when a member has no
	// Version, or the engine no memo.
	Key  [32]byte
	from provenance
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
