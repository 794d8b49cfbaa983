package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// peerMirrors is what publication needs of the peer sources' mirrors:
// each record's origin, via chain, provenance and revision, and the
// peers' merges. It is a store mirror keyed on the source and the cursor
// of its checkpoint: another cursor (the mirror read more of the feed)
// reads that source again; a source no longer configured as a peer is
// dropped. The publishing lock guards it.
type peerMirrors struct {
	bySource map[string]*peerMirror
}

type peerMirror struct {
	cursor   string
	records  map[string]peerRecordMeta
	absorbed map[string][]string // survivor key → keys merged into it
}

type peerRecordMeta struct {
	meta     store.PeerMeta
	revision int64
}

// load brings the mirrors of cfg's peer sources up to their checkpoints.
func (m *peerMirrors) load(ctx context.Context, st store.Store, cfg *config.Config) error {
	fresh := map[string]*peerMirror{}
	for _, src := range cfg.Sources {
		if src.Kind != "peer" {
			continue
		}
		cp, _, err := st.PeerCheckpoint(ctx, src.Name)
		if err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		if known := m.bySource[src.Name]; known != nil && known.cursor == cp.Cursor {
			fresh[src.Name] = known
			continue
		}
		mirror := &peerMirror{cursor: cp.Cursor, records: map[string]peerRecordMeta{}}
		err = st.EachPeerRecord(ctx, src.Name, false, func(r store.PeerRecord) error {
			mirror.records[r.Key] = peerRecordMeta{meta: r.Meta, revision: r.Revision}
			return nil
		})
		if err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		if mirror.absorbed, err = st.PeerAbsorbed(ctx, src.Name); err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		fresh[src.Name] = mirror
	}
	m.bySource = fresh
	return nil
}

func (m *peerMirrors) forget() { m.bySource = nil }

// meta is what a peer said of one of its records.
func (m *peerMirrors) meta(ref dedup.Ref) (peerRecordMeta, bool, bool) {
	mirror := m.bySource[ref.Source]
	if mirror == nil {
		return peerRecordMeta{}, false, false
	}
	r, ok := mirror.records[ref.RecordKey]
	return r, true, ok
}

// mark marks the members that are peers' lieux as deduplicated (the peer
// kept them apart), and makes a peer record's revision part of its
// member's version, so that a lieu whose origin, via chain or provenance
// changed upstream (its values the same) is not kept as it was published.
func (m *peerMirrors) mark(members []dedup.Member) {
	for i := range members {
		r, peer, ok := m.meta(members[i].Ref)
		members[i].Deduplicated = peer
		if ok && members[i].Version != "" {
			members[i].Version += "@" + strconv.FormatInt(r.revision, 10)
		}
	}
}

// absorbed maps each peer record that absorbed others (a merge at the
// peer) to them, so that the lieux they fed here retire into its lieu.
func (m *peerMirrors) absorbed() map[dedup.Ref][]dedup.Ref {
	out := map[dedup.Ref][]dedup.Ref{}
	for source, mirror := range m.bySource {
		for survivor, keys := range mirror.absorbed {
			refs := make([]dedup.Ref, len(keys))
			for i, k := range keys {
				refs[i] = dedup.Ref{Source: source, RecordKey: k}
			}
			out[dedup.Ref{Source: source, RecordKey: survivor}] = refs
		}
	}
	return out
}

// federate gives a lieu holding peer records its federation, and the
// fields its peer records gave the provenance the peers said. Via lists
// every other instance whose data the lieu holds, in the order met: the
// origins of its peer records and the instances they came through. The
// origin is that of the best ranked peer record, unless a record of this
// instance's own sources is a member (the lieu is then this instance's).
// A peer never imports a lieu naming it in via, so that no value ever
// comes back to the instance it came from: a value travels a path that
// visits each instance once, and a federation of any shape settles.
func (m *peerMirrors) federate(l *store.PublishedLieu, c *dedup.Cluster) {
	if len(m.bySource) == 0 {
		return
	}
	var f *schema.Federation
	local := false
	for _, ref := range c.Members {
		r, peer, ok := m.meta(ref)
		local = local || !peer
		if !ok {
			continue
		}
		if f == nil {
			f = &schema.Federation{Origin: r.meta.Origin}
		}
		for _, inst := range append([]string{r.meta.Origin.Instance}, r.meta.Via...) {
			if !slices.Contains(f.Via, inst) {
				f.Via = append(f.Via, inst)
			}
		}
	}
	if f == nil {
		return
	}
	if local {
		f.Origin = schema.Origin{}
	}
	f.Via = slices.DeleteFunc(f.Via, func(inst string) bool { return inst == f.Origin.Instance })
	l.Lieu.Federation = f
	for field, ref := range l.Provenance {
		r, _, ok := m.meta(dedup.Ref(ref))
		if !ok {
			continue
		}
		if up, said := r.meta.Provenance[field]; said {
			l.Provenance[field] = store.RecordRef{Source: ref.Source + "/" + up.Source, RecordKey: up.RecordKey}
		}
	}
}
