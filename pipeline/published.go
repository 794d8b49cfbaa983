package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/store"
)

// publishedState is what the pipeline's last publication left in the
// store: the record → lieu links with their times, each lieu's creation
// time and the retired ids (what the next deduplication starts from),
// and each lieu's content hash under the Key of the cluster that made it.
// It spares the next publication reading the links back and encoding the
// lieux that no change reached. It holds while the store's lieux sequence
// is the value that publication took: another publication (a sync
// command, another instance) makes the next one read the store again.
type publishedState struct {
	known bool
	seq   int64
	ex    dedup.Existing
	// lieux are the published lieux; complete once the state saw a
	// publication whole (read back from the store, their hashes are not
	// known).
	lieux    map[string]publishedLieu
	complete bool
	// links are the published links in EachLink's order.
	links []store.Link
	// delta is what the last publication changed.
	delta lieuDelta
}

// lieuDelta names the lieux a publication wrote or removed (the others it
// kept as they were), the publication it followed (from) and its own
// (to); ok is false when they are not known.
type lieuDelta struct {
	ok       bool
	from, to int64
	ids      []string
}

// publishedLieu is a published lieu's cluster Key and content hash.
type publishedLieu struct {
	key  [32]byte
	hash string
}

// existing returns what earlier publications left: the state kept when
// no publication came since, else the store's (the lieux' hashes are then
// unknown, and every lieu is encoded again).
func (s *publishedState) existing(ctx context.Context, st store.Store) (dedup.Existing, error) {
	seq, err := st.LieuSequence(ctx)
	if err != nil {
		return dedup.Existing{}, fmt.Errorf("pipeline: %w", err)
	}
	if s.known && seq == s.seq {
		return s.ex, nil
	}
	idx, err := st.LieuIndex(ctx)
	if err != nil {
		return dedup.Existing{}, fmt.Errorf("pipeline: %w", err)
	}
	*s = publishedState{known: true, seq: seq, ex: existingFrom(idx), lieux: map[string]publishedLieu{}, links: idx.Links}
	return s.ex, nil
}

// kept reports the hash a cluster's lieu is published under when its
// cluster has the Key it had then.
func (s *publishedState) kept(c *dedup.Cluster) (string, bool) {
	if c.Key == ([32]byte{}) {
		return "", false
	}
	l, ok := s.lieux[c.ID]
	return l.hash, ok && l.key == c.Key
}

// saved takes in a publication of set, made of clusters, that took the
// lieux sequence's value seq at time at. The state follows it when the
// publication was the next one after the state's; else the next
// publication reads the store again.
func (s *publishedState) saved(clusters []dedup.Cluster, set store.LieuSet, seq int64, at time.Time) {
	if !s.known || seq != s.seq+1 {
		s.known = false
		return
	}
	lieux := make(map[string]publishedLieu, len(clusters))
	delta := lieuDelta{ok: s.complete, from: s.seq, to: seq}
	for i := range clusters {
		lieux[clusters[i].ID] = publishedLieu{key: clusters[i].Key, hash: set.Lieux[i].Hash}
		if !set.Lieux[i].Kept {
			delta.ids = append(delta.ids, clusters[i].ID)
		}
		if _, ok := s.ex.Created[clusters[i].ID]; !ok {
			s.ex.Created[clusters[i].ID] = at
		}
		delete(s.ex.Retired, clusters[i].ID)
	}
	for old := range set.Redirects {
		s.ex.Retired[old] = true
	}
	for id := range s.lieux {
		if _, ok := lieux[id]; !ok {
			delta.ids = append(delta.ids, id)
		}
	}
	if delta.ok {
		fresh := freshLinks(clusters, set)
		s.followFresh(fresh, delta.ids, at)
		s.links = s.relinked(fresh, delta.ids)
	} else {
		s.followLinks(set.Links, at)
		s.links = sortedLinks(set.Links, s.ex.Since)
	}
	s.lieux, s.seq, s.complete, s.delta = lieux, seq, true, delta
}

// freshLinks are the links of the lieux a set does not keep (a kept
// lieu kept its members, and so its links): the set lists each cluster's
// links in turn.
func freshLinks(clusters []dedup.Cluster, set store.LieuSet) []store.Link {
	var fresh []store.Link
	at := 0
	for i := range clusters {
		n := len(clusters[i].Members)
		if !set.Lieux[i].Kept {
			fresh = append(fresh, set.Links[at:at+n]...)
		}
		at += n
	}
	return fresh
}

// relinked are the published links in EachLink's order, after a
// publication that changed the lieux of ids only, whose links are now
// fresh: the last ones but theirs, merged with fresh.
func (s *publishedState) relinked(fresh []store.Link, ids []string) []store.Link {
	fresh = sortedLinks(fresh, s.ex.Since)
	drops := make([][2]int, 0, len(ids))
	for _, id := range ids {
		if lo, hi := s.linkRange(id); lo < hi {
			drops = append(drops, [2]int{lo, hi})
		}
	}
	slices.SortFunc(drops, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	out := make([]store.Link, 0, len(s.links)+len(fresh))
	merge := func(part []store.Link) {
		for _, l := range part {
			for len(fresh) > 0 && compareLinks(fresh[0], l) < 0 {
				out, fresh = append(out, fresh[0]), fresh[1:]
			}
			out = append(out, l)
		}
	}
	at := 0
	for _, d := range drops {
		merge(s.links[at:max(d[0], at)])
		at = max(at, d[1])
	}
	merge(s.links[at:])
	return append(out, fresh...)
}

// linkRange is where the last published links of lieu id are.
func (s *publishedState) linkRange(id string) (int, int) {
	lo, _ := slices.BinarySearchFunc(s.links, id, func(l store.Link, id string) int { return strings.Compare(l.LieuID, id) })
	hi := lo
	for hi < len(s.links) && s.links[hi].LieuID == id {
		hi++
	}
	return lo, hi
}

// sortedLinks are the links of a publication, with their times, in
// EachLink's order.
func sortedLinks(links []store.Link, since map[dedup.Ref]time.Time) []store.Link {
	out := slices.Clone(links)
	for i := range out {
		out[i].LinkedAt = since[dedup.Ref{Source: out[i].Source, RecordKey: out[i].RecordKey}]
	}
	slices.SortFunc(out, compareLinks)
	return out
}

// publication is the last publication the state saw: its links (a slice
// no later publication changes: each makes its own) and what it changed.
func (s *publishedState) publication() Publication {
	if !s.known {
		return Publication{}
	}
	return Publication{known: true, seq: s.seq, links: s.links, delta: s.delta}
}

// followLinks makes the state's links those of the set: a record that
// moved to another lieu is linked since at, the others keep their time.
func (s *publishedState) followLinks(links []store.Link, at time.Time) {
	seen := s.link(links, at)
	for ref := range s.ex.Links {
		if !seen[ref] {
			delete(s.ex.Links, ref)
			delete(s.ex.Since, ref)
		}
	}
}

// link takes links in (a record linked to another lieu than it was is
// linked since at) and returns their records.
func (s *publishedState) link(links []store.Link, at time.Time) map[dedup.Ref]bool {
	seen := make(map[dedup.Ref]bool, len(links))
	for _, l := range links {
		ref := dedup.Ref{Source: l.Source, RecordKey: l.RecordKey}
		seen[ref] = true
		if s.ex.Links[ref] != l.LieuID {
			s.ex.Links[ref], s.ex.Since[ref] = l.LieuID, at
		}
	}
	return seen
}

// followFresh is followLinks after a publication that changed the lieux
// of ids only, whose links are now fresh: a record that left them left
// every lieu (a kept lieu kept its members).
func (s *publishedState) followFresh(fresh []store.Link, ids []string, at time.Time) {
	seen := s.link(fresh, at)
	for _, id := range ids {
		lo, hi := s.linkRange(id)
		for _, l := range s.links[lo:hi] {
			if ref := (dedup.Ref{Source: l.Source, RecordKey: l.RecordKey}); !seen[ref] {
				delete(s.ex.Links, ref)
				delete(s.ex.Since, ref)
			}
		}
	}
}

// compareLinks orders links as EachLink does: by lieu, source, record.
func compareLinks(a, b store.Link) int {
	return cmp.Or(strings.Compare(a.LieuID, b.LieuID), strings.Compare(a.Source, b.Source), strings.Compare(a.RecordKey, b.RecordKey))
}

// linked tells whether a record is linked to a lieu by the publication of
// links: from the state when it follows that publication, else from
// links.
func (s *publishedState) linked(links []store.Link) func(source, key string) bool {
	if s.known {
		return func(source, key string) bool {
			_, ok := s.ex.Links[dedup.Ref{Source: source, RecordKey: key}]
			return ok
		}
	}
	set := make(map[dedup.Ref]bool, len(links))
	for _, l := range links {
		set[dedup.Ref{Source: l.Source, RecordKey: l.RecordKey}] = true
	}
	return func(source, key string) bool { return set[dedup.Ref{Source: source, RecordKey: key}] }
}
