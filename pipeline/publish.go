package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// publish merges the current records of the configured sources into lieux
// (under the operators' decisions), stores them and the pairs left for
// review, and fills the report's record accounting. When another
// publication came between reading what the store publishes and saving,
// it starts over once from the store.
func (p *Pipeline) publish(ctx context.Context, cfg *config.Config, rep *Report) error {
	err := p.publishOnce(ctx, cfg, rep)
	if errors.Is(err, store.ErrKeptChanged) {
		p.Log.Warn("lieux_changed_meanwhile")
		p.state.published.known = false
		err = p.publishOnce(ctx, cfg, rep)
	}
	if errors.Is(err, store.ErrKeptChanged) {
		p.state.reset(p.Log, p.Harvester, "the published lieux changed twice while the pipeline published")
	}
	return err
}

func (p *Pipeline) publishOnce(ctx context.Context, cfg *config.Config, rep *Report) error {
	if !p.state.published.known {
		if same, err := p.publishedAsSaved(ctx, cfg, rep); same || err != nil {
			return err
		}
	}
	recs, versions, err := p.state.records.active(ctx, p.Store)
	if err != nil {
		return err
	}
	ex, err := p.state.published.existing(ctx, p.Store)
	if err != nil {
		return err
	}
	decisions, err := p.Store.Decisions(ctx)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := p.state.peers.load(ctx, p.Store, cfg); err != nil {
		return err
	}
	priority := sourcePriority(cfg)
	key := p.publicationKey(cfg, decisions)
	if last := p.state.unchanged; p.state.published.known && last.ok && last.key == key {
		// nothing a publication is made of changed since the last one:
		// it would publish every lieu as it is
		rep.Lieux = last.summary
		rep.Lieux.LieuStats = store.LieuStats{Unchanged: last.summary.Total, Revision: last.summary.Revision, Seq: last.summary.Seq}
		rep.account(recs, priority, p.state.published.linked(p.state.published.links))
		return rep.attachRawFields(ctx, func(ctx context.Context, source, key string) ([]harvest.Field, error) {
			return p.state.records.fields(ctx, p.Store, source, key)
		})
	}
	p.state.unchanged.ok = false
	// the last publication's members are dead by now: their room is reused
	p.state.members = eligibleMembers(p.state.members[:0], recs, versions, priority)
	p.state.peers.mark(p.state.members)
	ex.Absorbed = p.state.peers.absorbed()
	if rep.Timings == nil {
		rep.Timings = map[string]float64{}
	}
	var res dedup.Result
	var set store.LieuSet
	timed(rep.Timings, "dedup", func() error {
		memo := &p.state.memo
		if p.OneRun {
			memo = nil // there is no next run to reuse it
		}
		engine := dedup.NewEngineWith(p.state.members, cfg.Dedup, memo)
		res = engine.Run(ex, decisionsFrom(decisions))
		set = lieuSetWith(p.state.lieux[:0], res.Clusters, p.state.published.kept, p.state.peers.federate)
		return nil
	})
	p.state.lieux = set.Lieux
	set.Base = p.state.published.seq // what the kept lieux are kept from
	// PostgreSQL keeps microseconds: the state keeps the times it stores
	at := p.Now().Truncate(time.Microsecond)
	var stats store.LieuStats
	review, byTerritory, over := capReview(res.Review, p.state.members, cfg.Dedup.MaxReviewPerTerritory)
	if p.OneRun {
		// set holds copies of what is published: the records' lieux are
		// not read again by this run, and there is no next one
		res.DropLieux()
		p.state.members = nil
		p.state.records.dropLieux()
	}
	err = timed(rep.Timings, "saving", func() error {
		var err error
		if stats, err = p.Store.SaveLieux(ctx, set, at); err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		p.state.published.saved(res.Clusters, set, stats.Seq, at)
		// the exports read these lieux until the files are written: the
		// next publication takes new room
		p.state.exports.offer(stats.Seq, set.Lieux)
		p.state.lieux = nil
		if err := p.Store.SaveReviewPairs(ctx, reviewPairs(review, p.Now())); err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rep.Lieux = LieuSummary{LieuStats: stats, Total: len(set.Lieux), Retired: len(set.Redirects), Review: len(review), Capped: res.Capped,
		ReviewByTerritory: byTerritory, ReviewOverCap: over}
	rep.account(recs, priority, p.state.published.linked(set.Links))
	if p.state.published.known && p.state.published.seq == stats.Seq {
		p.state.unchanged = lastPublication{ok: true, key: p.publicationKey(cfg, decisions), summary: rep.Lieux}
		if err := p.savePublicationState(ctx, p.state.unchanged.key, stats.Seq, rep); err != nil {
			return err
		}
	}
	return rep.attachRawFields(ctx, func(ctx context.Context, source, key string) ([]harvest.Field, error) {
		return p.state.records.fields(ctx, p.Store, source, key)
	})
}

// lastPublication is what the last publication was made of (key) and
// what it published (summary).
type lastPublication struct {
	ok      bool
	key     [32]byte
	summary LieuSummary
}

// publicationKey names everything a publication is made of: the records
// (the records sequence), the published lieux (the lieux sequence), the
// operators' decisions, the sources' order and dedup's configuration, and
// the peers' mirrors (their cursors). Two publications of one key publish
// the same lieux.
func (p *Pipeline) publicationKey(cfg *config.Config, decisions []store.Decision) [32]byte {
	cursors := make(map[string]string, len(p.state.peers.bySource))
	for name, m := range p.state.peers.bySource {
		cursors[name] = m.cursor
	}
	return inputKey(p.Build, p.state.records.sequence(), p.state.published.seq, cfg, decisions, cursors)
}

// inputKey hashes what a publication is made of (publicationKey), and
// the build that makes it (another build may merge otherwise); cursors
// are the peer sources' checkpoints, by source.
func inputKey(build string, recordsSeq, lieuxSeq int64, cfg *config.Config, decisions []store.Decision, cursors map[string]string) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00", build, recordsSeq, lieuxSeq)
	for _, d := range decisions {
		fmt.Fprintf(h, "%v\x00%v\x00%t\x00", d.A, d.B, d.Same)
	}
	for _, src := range cfg.Sources {
		fmt.Fprintf(h, "%s\x00%s\x00", src.Name, src.Kind)
	}
	dedupCfg, _ := json.Marshal(cfg.Dedup)
	h.Write(dedupCfg)
	for _, name := range slices.Sorted(maps.Keys(cursors)) {
		fmt.Fprintf(h, "%s\x00%s\x00", name, cursors[name])
	}
	var key [32]byte
	h.Sum(key[:0])
	return key
}

func decisionsFrom(ds []store.Decision) []dedup.Decision {
	out := make([]dedup.Decision, len(ds))
	for i, d := range ds {
		out[i] = dedup.Decision{A: dedup.Ref(d.A), B: dedup.Ref(d.B), Same: d.Same}
	}
	return out
}

// capReview keeps, of the review pairs (best first), at most max per
// territory — the département of the pair's first record, "" when it
// has none — and counts the pairs kept by territory and those left out
// (max ≤ 0: no cap).
func capReview(pairs []dedup.Pair, members []dedup.Member, max int) ([]dedup.Pair, map[string]int, int) {
	if len(pairs) == 0 {
		return pairs, nil, 0
	}
	wanted := make(map[dedup.Ref]string, 2*len(pairs))
	for _, pr := range pairs {
		wanted[pr.A] = ""
	}
	for i := range members {
		if _, ok := wanted[members[i].Ref]; ok && members[i].Lieu.Territoire != nil {
			wanted[members[i].Ref] = members[i].Lieu.Territoire.Departement
		}
	}
	kept := make([]dedup.Pair, 0, len(pairs))
	count := map[string]int{}
	over := 0
	for _, pr := range pairs {
		t := wanted[pr.A]
		if max > 0 && count[t] >= max {
			over++
			continue
		}
		count[t]++
		kept = append(kept, pr)
	}
	return kept, count, over
}

// reviewPairs are the pairs to store (their explanations are computed
// when listed).
func reviewPairs(pairs []dedup.Pair, at time.Time) []store.ReviewPair {
	out := make([]store.ReviewPair, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, store.ReviewPair{A: store.RecordRef(p.A), B: store.RecordRef(p.B), Score: p.Score, FoundAt: at})
	}
	return out
}

// eligibleMembers appends to out the current, publishable records of
// configured sources (a source removed from the configuration stops being
// published), with their versions when given.
func eligibleMembers(out []dedup.Member, recs []store.SourceRecord, versions []string, priority map[string]int) []dedup.Member {
	out = growRoom(out, len(recs))
	for i, r := range recs {
		prio, configured := priority[r.Source]
		if !configured || r.Status == schema.StatusQuarantined || r.Lieu == nil {
			continue
		}
		m := dedup.Member{Ref: dedup.Ref{Source: r.Source, RecordKey: r.RecordKey}, ProducerID: r.ProducerID, Lieu: r.Lieu, Priority: prio}
		if versions != nil {
			m.Version = versions[i]
		}
		out = append(out, m)
	}
	return out
}

func existingFrom(idx store.LieuIndex) dedup.Existing {
	ex := dedup.Existing{Links: make(map[dedup.Ref]string, len(idx.Links)), Since: make(map[dedup.Ref]time.Time, len(idx.Links)),
		Created: idx.Created, Retired: make(map[string]bool, len(idx.Retired))}
	for _, l := range idx.Links {
		ref := dedup.Ref{Source: l.Source, RecordKey: l.RecordKey}
		ex.Links[ref], ex.Since[ref] = l.LieuID, l.LinkedAt
	}
	for _, id := range idx.Retired {
		ex.Retired[id] = true
	}
	return ex
}

// LieuSet is what deduplicated clusters publish: each cluster's lieu with
// its id and provenance, its members' links, its retired ids' redirects.
func LieuSet(clusters []dedup.Cluster) store.LieuSet {
	return lieuSetWith(nil, clusters, func(*dedup.Cluster) (string, bool) { return "", false }, nil)
}

// lieuSetWith is LieuSet, its lieux appended to room, where kept tells
// the clusters whose lieu is published unchanged, and under which hash:
// those are given Kept; federate, when given, completes the others.
func lieuSetWith(room []store.PublishedLieu, clusters []dedup.Cluster, kept func(*dedup.Cluster) (string, bool),
	federate func(*store.PublishedLieu, *dedup.Cluster)) store.LieuSet {
	links := 0
	for i := range clusters {
		links += len(clusters[i].Members)
	}
	set := store.LieuSet{Lieux: growRoom(room, len(clusters)), Links: make([]store.Link, 0, links), Redirects: map[string]string{}}
	for i := range clusters {
		c := &clusters[i]
		if hash, ok := kept(c); ok {
			set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: schema.Lieu{ID: c.ID}, Kept: true, Hash: hash})
		} else {
			l := clusterLieu(c)
			if federate != nil {
				federate(&l, c)
			}
			set.Lieux = append(set.Lieux, l)
		}
		for _, m := range c.Members {
			set.Links = append(set.Links, store.Link{LieuID: c.ID, Source: m.Source, RecordKey: m.RecordKey})
		}
		for _, old := range c.Retired {
			set.Redirects[old] = c.ID
		}
	}
	return set
}

// clusterLieu is a cluster's lieu under its id, with its provenance.
func clusterLieu(c *dedup.Cluster) store.PublishedLieu {
	cp := c.Provenance()
	prov := make(map[string]store.RecordRef, len(cp))
	for field, ref := range cp {
		prov[field] = store.RecordRef{Source: ref.Source, RecordKey: ref.RecordKey}
	}
	l := *c.Lieu
	l.ID = c.ID
	return store.PublishedLieu{Lieu: l, Provenance: prov}
}

// growRoom is room with space for n elements, and some more when it must
// grow (the next run's population is seldom the same size).
func growRoom[T any](room []T, n int) []T {
	if cap(room)-len(room) >= n {
		return room
	}
	return slices.Grow(room, n+n/8)
}
