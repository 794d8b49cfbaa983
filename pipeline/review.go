package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/store"
)

// Explanation is the scorer's verdict on two records, with the records.
type Explanation struct {
	dedup.Pair
	A, B store.SourceRecord
	// Band is "merge", "review" or "distinct" under the configured
	// thresholds; Decided says an operator's verdict overrides it.
	Band    string
	Decided *store.Decision
}

// Explain scores two records, or the closest members of two lieux, against
// the whole current population (so that the per-commune statistics are
// those of a real run). a and b are "source/record_key" or lieu ids.
func (p *Pipeline) Explain(ctx context.Context, cfg *config.Config, a, b string) (Explanation, error) {
	refsA, err := p.Resolve(ctx, a)
	if err != nil {
		return Explanation{}, err
	}
	refsB, err := p.Resolve(ctx, b)
	if err != nil {
		return Explanation{}, err
	}
	recs, err := p.Store.ActiveRecords(ctx)
	if err != nil {
		return Explanation{}, fmt.Errorf("pipeline: %w", err)
	}
	engine := dedup.NewEngine(eligibleMembers(nil, recs, nil, sourcePriority(cfg)), cfg.Dedup)
	var best Explanation
	for _, ra := range refsA {
		for _, rb := range refsB {
			pair, err := engine.Explain(dedup.Ref(ra), dedup.Ref(rb))
			if err == nil && (best.Features == nil || pair.Score > best.Score) {
				best.Pair = pair
			}
		}
	}
	if best.Features == nil {
		return best, fmt.Errorf("pipeline: %s and %s have no current, publishable records to compare", a, b)
	}
	return p.fillExplanation(ctx, cfg, best)
}

func (p *Pipeline) fillExplanation(ctx context.Context, cfg *config.Config, ex Explanation) (Explanation, error) {
	var err error
	if ex.A, err = p.Store.SourceRecord(ctx, ex.Pair.A.Source, ex.Pair.A.RecordKey); err != nil {
		return ex, fmt.Errorf("pipeline: %w", err)
	}
	if ex.B, err = p.Store.SourceRecord(ctx, ex.Pair.B.Source, ex.Pair.B.RecordKey); err != nil {
		return ex, fmt.Errorf("pipeline: %w", err)
	}
	w := cfg.Dedup
	if w.MergeAt == 0 {
		w = dedup.DefaultWeights()
	}
	switch {
	case ex.Score >= w.MergeAt:
		ex.Band = "merge"
	case ex.Score >= w.ReviewAt:
		ex.Band = "review"
	default:
		ex.Band = "distinct"
	}
	ds, err := p.Store.Decisions(ctx)
	if err != nil {
		return ex, fmt.Errorf("pipeline: %w", err)
	}
	a, b := store.Ordered(store.RecordRef(ex.Pair.A), store.RecordRef(ex.Pair.B))
	for i := range ds {
		if ds[i].A == a && ds[i].B == b {
			ex.Decided = &ds[i]
		}
	}
	return ex, nil
}

// Decide stores an operator's verdict on two records or two lieux (then
// on their longest-standing members); it takes effect at the next run.
func (p *Pipeline) Decide(ctx context.Context, a, b string, same bool, by string) (store.Decision, error) {
	ra, err := p.Resolve(ctx, a)
	if err != nil {
		return store.Decision{}, err
	}
	rb, err := p.Resolve(ctx, b)
	if err != nil {
		return store.Decision{}, err
	}
	if ra[0] == rb[0] {
		return store.Decision{}, fmt.Errorf("pipeline: %s and %s are the same record", a, b)
	}
	d := store.Decision{A: ra[0], B: rb[0], Same: same, By: by, DecidedAt: p.Now()}
	if err := p.Store.SaveDecision(ctx, d); err != nil {
		return d, fmt.Errorf("pipeline: %w", err)
	}
	return d, nil
}

// Resolve reads "source/record_key" as a record (it must exist) or, else,
// a lieu id (current or retired) as its members, longest-standing first.
func (p *Pipeline) Resolve(ctx context.Context, s string) ([]store.RecordRef, error) {
	if source, key, ok := strings.Cut(s, "/"); ok {
		_, err := p.Store.SourceRecord(ctx, source, key)
		if err == nil {
			return []store.RecordRef{{Source: source, RecordKey: key}}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
	}
	id := s
	if to, ok, err := p.Store.Redirect(ctx, s); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	} else if ok {
		id = to
	}
	var links []store.Link
	err := p.Store.EachLink(ctx, func(l store.Link) error {
		if l.LieuID == id {
			links = append(links, l)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	if len(links) == 0 {
		return nil, fmt.Errorf("pipeline: %q is neither a record (source/record_key) nor a lieu id", s)
	}
	slices.SortStableFunc(links, func(x, y store.Link) int { return x.LinkedAt.Compare(y.LinkedAt) })
	out := make([]store.RecordRef, len(links))
	for i, l := range links {
		out[i] = store.RecordRef{Source: l.Source, RecordKey: l.RecordKey}
	}
	return out, nil
}

func sourcePriority(cfg *config.Config) map[string]int {
	priority := map[string]int{}
	for i, s := range cfg.Sources {
		priority[s.Name] = i
	}
	return priority
}

// ReviewItem is a pending pair with its two records and the scorer's
// explanation, computed when listed (nil when a record is no longer
// current).
type ReviewItem struct {
	store.ReviewPair
	A, B     store.SourceRecord
	Features []dedup.Contribution
}

// ReviewList returns the pending pairs, best score first, at most limit
// (all when limit ≤ 0), each explained by the scorer over the current
// population (one engine for the whole list).
func (p *Pipeline) ReviewList(ctx context.Context, cfg *config.Config, limit int) ([]ReviewItem, error) {
	pairs, err := p.Store.ReviewPairs(ctx)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	if limit > 0 && len(pairs) > limit {
		pairs = pairs[:limit]
	}
	var engine *dedup.Engine
	if len(pairs) > 0 {
		recs, err := p.Store.ActiveRecords(ctx)
		if err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		engine = dedup.NewEngine(eligibleMembers(nil, recs, nil, sourcePriority(cfg)), cfg.Dedup)
	}
	out := make([]ReviewItem, 0, len(pairs))
	for _, pr := range pairs {
		it := ReviewItem{ReviewPair: pr}
		if ex, err := engine.Explain(dedup.Ref(pr.A), dedup.Ref(pr.B)); err == nil {
			it.Features = ex.Features
		}
		if it.A, err = p.Store.SourceRecord(ctx, pr.A.Source, pr.A.RecordKey); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		if it.B, err = p.Store.SourceRecord(ctx, pr.B.Source, pr.B.RecordKey); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		out = append(out, it)
	}
	return out, nil
}
