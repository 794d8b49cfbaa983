package pipeline

import (
	"context"
	"fmt"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// publish merges the current records of the configured sources into lieux
// and stores them; it also fills the report's record accounting.
func (p *Pipeline) publish(ctx context.Context, cfg *config.Config, rep *Report) error {
	recs, err := p.Store.ActiveRecords(ctx)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	idx, err := p.Store.LieuIndex(ctx)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	priority := map[string]int{}
	for i, s := range cfg.Sources {
		priority[s.Name] = i
	}
	members := eligibleMembers(recs, priority)
	clusters := dedup.Merge(members, existingFrom(idx))
	set := lieuSet(clusters)
	stats, err := p.Store.SaveLieux(ctx, set, p.Now())
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	rep.Lieux = LieuSummary{LieuStats: stats, Total: len(set.Lieux), Retired: len(set.Redirects)}
	rep.account(recs, priority, set.Links)
	return rep.attachRawFields(ctx, p.Store)
}

// eligibleMembers are the current, publishable records of configured
// sources (a source removed from the configuration stops being published).
func eligibleMembers(recs []store.SourceRecord, priority map[string]int) []dedup.Member {
	var out []dedup.Member
	for _, r := range recs {
		prio, configured := priority[r.Source]
		if !configured || r.Status == schema.StatusQuarantined || r.Lieu == nil {
			continue
		}
		out = append(out, dedup.Member{Ref: dedup.Ref{Source: r.Source, RecordKey: r.RecordKey},
			ProducerID: r.ProducerID, Lieu: *r.Lieu, Priority: prio})
	}
	return out
}

func existingFrom(idx store.LieuIndex) dedup.Existing {
	ex := dedup.Existing{Links: make(map[dedup.Ref]string, len(idx.Links)), Created: idx.Created}
	for _, l := range idx.Links {
		ex.Links[dedup.Ref{Source: l.Source, RecordKey: l.RecordKey}] = l.LieuID
	}
	return ex
}

func lieuSet(clusters []dedup.Cluster) store.LieuSet {
	set := store.LieuSet{Redirects: map[string]string{}}
	for _, c := range clusters {
		prov := make(map[string]store.RecordRef, len(c.Provenance))
		for field, ref := range c.Provenance {
			prov[field] = store.RecordRef{Source: ref.Source, RecordKey: ref.RecordKey}
		}
		set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: c.Lieu, Provenance: prov})
		for _, m := range c.Members {
			set.Links = append(set.Links, store.Link{LieuID: c.ID, Source: m.Source, RecordKey: m.RecordKey})
		}
		for _, old := range c.Retired {
			set.Redirects[old] = c.ID
		}
	}
	return set
}
