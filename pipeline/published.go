package pipeline

import (
	"context"
	"fmt"
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
	lieux map[string]publishedLieu
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
	*s = publishedState{known: true, seq: seq, ex: existingFrom(idx), lieux: map[string]publishedLieu{}}
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
	for i := range clusters {
		lieux[clusters[i].ID] = publishedLieu{key: clusters[i].Key, hash: set.Lieux[i].Hash}
		if _, ok := s.ex.Created[clusters[i].ID]; !ok {
			s.ex.Created[clusters[i].ID] = at
		}
		delete(s.ex.Retired, clusters[i].ID)
	}
	for old := range set.Redirects {
		s.ex.Retired[old] = true
	}
	s.followLinks(set.Links, at)
	s.lieux, s.seq = lieux, seq
}

// followLinks makes the state's links those of the set: a record that
// moved to another lieu is linked since at, the others keep their time.
func (s *publishedState) followLinks(links []store.Link, at time.Time) {
	seen := make(map[dedup.Ref]bool, len(links))
	for _, l := range links {
		ref := dedup.Ref{Source: l.Source, RecordKey: l.RecordKey}
		seen[ref] = true
		if s.ex.Links[ref] != l.LieuID {
			s.ex.Links[ref], s.ex.Since[ref] = l.LieuID, at
		}
	}
	for ref := range s.ex.Links {
		if !seen[ref] {
			delete(s.ex.Links, ref)
			delete(s.ex.Since, ref)
		}
	}
}
