package dedup

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// Decision is an operator's verdict on two records; it always wins over
// the scorer. A « different » verdict also forbids merging the two
// through third records.
type Decision struct {
	A, B Ref
	Same bool
}

// Input is everything one deduplication run needs.
type Input struct {
	Members   []Member
	Existing  Existing
	Decisions []Decision
	Weights   Weights
}

// Result is the run's lieux and the pairs left for a human.
type Result struct {
	Clusters []Cluster
	// Review holds what a person must decide (reviewSet) of the
	// undecided pairs scored between ReviewAt and MergeAt and of the pairs
	// above MergeAt that the cluster-size cap kept apart (Capped), without
	// their features (Engine.Explain gives them).
	Review []Pair
	Capped int
}

// DropLieux lets the clusters' merged lieux and their provenance go
// (a single member's cluster shares its member's lieu), keeping their
// ids, keys and members: a caller that has copied what it publishes
// calls it so that the members' lieux are not held by the result.
// Provenance is empty afterwards.
func (r *Result) DropLieux() {
	for i := range r.Clusters {
		r.Clusters[i].Lieu, r.Clusters[i].from = nil, nil
	}
}

// Engine holds a population of members ready to be compared. It is not
// safe for concurrent use (Run itself uses all cores).
type Engine struct {
	members []Member
	ps      []profile
	s       *scorer
	index   map[Ref]int32 // built on first use (Explain, decisions)
	memo    *Memo         // nil: every pair is scored
	raw     []profile     // with memo: the profiles before the population's filters
	known   []*memoMember // with memo: what it keeps of each member's record, if anything
	learned bool          // the scorer's weights were learned (learn)
}

// learn sets the scorer's weights to those learned from the blocked
// pairs (em.go) when the weights ask for it, once.
func (e *Engine) learn(b *blocks) {
	if !e.learned && e.s.w.Learn {
		e.s.w = e.learnWeights(b)
	}
	e.learned = true
}

// NewEngine profiles the members once; zero weights mean the defaults.
func NewEngine(members []Member, w Weights) *Engine { return NewEngineWith(members, w, nil) }

// NewEngineWith is NewEngine carrying memo from the last run (see Memo).
func NewEngineWith(members []Member, w Weights, memo *Memo) *Engine {
	if w.MergeAt == 0 {
		w = DefaultWeights()
	}
	e := &Engine{members: members, memo: memo}
	if memo != nil {
		memo.use(w)
		e.ps, e.raw = profiles(memo.room.ps, len(members)), profiles(memo.room.raw, len(members))
		e.known = make([]*memoMember, len(members))
	} else {
		e.ps = make([]profile, len(members))
	}
	parallel(len(members), func(i int) {
		if memo != nil {
			e.known[i] = memo.known[members[i].Ref]
		}
		if k, ok := e.knows(i); ok {
			e.ps[i], e.raw[i] = cloneProfile(k.p), k.p // raw profiles are never changed
			return
		}
		e.ps[i] = newProfile(&members[i])
		if memo != nil {
			e.raw[i] = cloneProfile(e.ps[i])
		}
	})
	e.s = &scorer{w: w, multiSite: multiSites(e.ps), multiOrg: organisations(e.ps)}
	markSiteNames(e.ps)
	orgKeys(members, e.ps)
	local := localDomains(e.ps)
	for i := range e.ps { // only local domains block and score
		if c := e.ps[i].contacts; len(c.domains) > 0 {
			c.domains = slices.DeleteFunc(c.domains, func(d string) bool { return !local[d] })
		}
	}
	return e
}

// indexOf maps each member's record to its position.
func (e *Engine) indexOf() map[Ref]int32 {
	if e.index == nil {
		e.index = make(map[Ref]int32, len(e.members))
		for i := range e.members {
			e.index[e.members[i].Ref] = int32(i)
		}
	}
	return e.index
}

// Explain scores two members of the population and lists every
// feature's contribution.
func (e *Engine) Explain(a, b Ref) (Pair, error) {
	if !e.learned {
		e.learn(newBlocks(e.ps, nil, nil)) // the weights a run would score with
	}
	index := e.indexOf()
	i, okA := index[a]
	j, okB := index[b]
	if !okA || !okB {
		return Pair{}, fmt.Errorf("dedup: %v or %v is not a current, publishable record", a, b)
	}
	score, parts := e.s.score(&e.ps[i], &e.ps[j], true)
	return Pair{A: a, B: b, Score: score, Features: parts}, nil
}

// Run scores the candidate pairs, clusters the members under the
// decisions and the size cap, merges each cluster and assigns stable ids.
func Run(in Input) Result {
	return NewEngine(in.Members, in.Weights).Run(in.Existing, in.Decisions)
}

// Run deduplicates the engine's population.
func (e *Engine) Run(ex Existing, decisions []Decision) Result {
	var pairs []scored
	if e.memo != nil {
		pairs = e.memo.score(e)
	} else {
		b := newBlocks(e.ps, nil, nil)
		e.learn(b)
		pairs = scorePairs(b, e.s)
	}
	var index map[Ref]int32
	if len(decisions) > 0 {
		index = e.indexOf()
	}
	groups, review, capped := clusterPairs(e.members, index, pairs, decisions, e.s.w)
	var clusters []Cluster
	if e.memo != nil {
		clusters = e.memo.merge(e.members, groups)
	} else {
		clusters = make([]Cluster, len(groups))
		for i, g := range groups {
			clusters[i] = merge(e.members, g)
		}
	}
	assignIDs(clusters, ex)
	out := make([]Pair, len(review))
	for k, p := range review {
		out[k] = Pair{A: e.members[p.i].Ref, B: e.members[p.j].Ref, Score: p.score}
	}
	return Result{Clusters: clusters, Review: out, Capped: capped}
}

// Merge clusters members with the default weights and no decisions.
func Merge(members []Member, ex Existing) []Cluster {
	return Run(Input{Members: members, Existing: ex}).Clusters
}

// parallel calls fn for 0 ≤ i < n on all cores.
func parallel(n int, fn func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

type scored struct {
	i, j  int32
	score float64
}

// scorePairs scores every blocked pair, on all cores, and keeps those at
// or above the review threshold, best first.
func scorePairs(b *blocks, s *scorer) []scored {
	return sortPairs(scoreFrom(b, s, nil, nil))
}

// scoreFrom scores, on all cores, the blocked pairs of the members at
// from (every member when nil) with any other, each pair once (inFrom
// marks the members of from), and keeps those at or above the review
// threshold.
func scoreFrom(b *blocks, s *scorer, from []int32, inFrom []bool) []scored {
	ps := b.ps
	n := len(ps)
	if from != nil {
		n = len(from)
	}
	workers := runtime.GOMAXPROCS(0)
	out := make([][]scored, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := make([]int32, len(ps))
			var keys []blockRef
			for k := w; k < n; k += workers {
				i := k
				if from != nil {
					i = int(from[k])
				}
				keys = b.neighbours(i, from != nil, cellMetres, seen, keys, func(j int) {
					if from != nil && inFrom[j] && j < i {
						return // scored from j
					}
					lo, hi := min(i, j), max(i, j)
					if sc, _ := s.score(&ps[lo], &ps[hi], false); sc >= s.w.ReviewAt {
						out[w] = append(out[w], scored{int32(lo), int32(hi), sc})
					}
				})
			}
		}()
	}
	wg.Wait()
	return slices.Concat(out...)
}

// sortPairs orders pairs best first, then by members.
func sortPairs(all []scored) []scored {
	slices.SortFunc(all, comparePairs)
	return all
}

// comparePairs orders pairs best first, then by members.
func comparePairs(a, b scored) int {
	return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.i, b.i), cmp.Compare(a.j, b.j))
}

// unionFind tracks clusters, their sizes and the « different » verdicts
// that bind them.
type unionFind struct {
	parent, size []int32
	apart        map[int32][]int32 // root → members it must stay apart from
}

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int32, n), size: make([]int32, n), apart: map[int32][]int32{}}
	for i := range u.parent {
		u.parent[i], u.size[i] = int32(i), 1
	}
	return u
}

func (u *unionFind) find(i int32) int32 {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

// forbidden reports whether a « different » verdict separates the
// clusters of i and j.
func (u *unionFind) forbidden(ri, rj int32) bool {
	for _, k := range u.apart[ri] {
		if u.find(k) == rj {
			return true
		}
	}
	return false
}

func (u *unionFind) union(ri, rj int32) {
	if u.size[ri] < u.size[rj] {
		ri, rj = rj, ri
	}
	u.parent[rj] = ri
	u.size[ri] += u.size[rj]
	u.apart[ri] = append(u.apart[ri], u.apart[rj]...)
	delete(u.apart, rj)
}

// clusterPairs joins members, strongest pairs first: operators' « same »
// verdicts, then pairs at or above MergeAt, never across a « different »
// verdict or past the size cap. It returns the groups, the pairs left for
// review and how many merges the cap refused.
func clusterPairs(members []Member, index map[Ref]int32, pairs []scored, decisions []Decision, w Weights) ([][]int32, []scored, int) {
	u := newUnionFind(len(members))
	decided := applyDecisions(u, index, decisions)
	var pending []scored
	capped := 0
	for _, p := range pairs {
		if decided[[2]int32{p.i, p.j}] || settledApart(&members[p.i], &members[p.j]) {
			continue
		}
		ri, rj := u.find(p.i), u.find(p.j)
		switch {
		case ri == rj || u.forbidden(ri, rj):
		case p.score < w.MergeAt:
			pending = append(pending, p)
		case w.MaxClusterSize > 0 && int(u.size[ri]+u.size[rj]) > w.MaxClusterSize:
			capped++
			pending = append(pending, p)
		default:
			u.union(ri, rj)
		}
	}
	return groupsOf(u, len(members)), reviewSet(u, pending), capped
}

// reviewSet reduces the pending pairs (best first) to what a person must
// decide: of the pairs between two clusters, the best one; of the pairs
// linking a group of clusters, a spanning forest of the best (Kruskal):
// the others follow from the verdicts on those, and a pair whose answer
// does not follow (two « different » verdicts around it) is pending
// again at the next run. Pairs whose clusters were joined, or a verdict
// keeps apart, are dropped.
func reviewSet(u *unionFind, pending []scored) []scored {
	linked := newUnionFind(len(u.parent)) // over the clusters' roots
	var review []scored
	for _, p := range pending {
		ri, rj := u.find(p.i), u.find(p.j)
		if ri == rj || u.forbidden(ri, rj) {
			continue
		}
		if li, lj := linked.find(ri), linked.find(rj); li != lj {
			linked.union(li, lj)
			review = append(review, p)
		}
	}
	return review
}

// settledApart says whether the source of two records already decided
// they are different lieux.
func settledApart(a, b *Member) bool {
	return a.Deduplicated && b.Deduplicated && a.Source == b.Source
}

// applyDecisions records the « different » verdicts, then joins the
// « same » ones that no « different » verdict contradicts; it returns the
// decided pairs (by index, lower first).
func applyDecisions(u *unionFind, index map[Ref]int32, decisions []Decision) map[[2]int32]bool {
	decided := map[[2]int32]bool{}
	for _, pass := range []bool{false, true} {
		for _, d := range decisions {
			i, okA := index[d.A]
			j, okB := index[d.B]
			if !okA || !okB || i == j || d.Same != pass {
				continue
			}
			decided[[2]int32{min(i, j), max(i, j)}] = true
			ri, rj := u.find(i), u.find(j)
			switch {
			case !d.Same:
				u.apart[ri] = append(u.apart[ri], j)
				u.apart[rj] = append(u.apart[rj], i)
			case ri != rj && !u.forbidden(ri, rj):
				u.union(ri, rj)
			}
		}
	}
	return decided
}

// groupsOf lists the clusters (as member indexes) in the order of their
// first member.
func groupsOf(u *unionFind, n int) [][]int32 {
	group := make([]int32, n) // member → its group, then a write cursor
	first := make([]int32, n) // root → its group + 1, 0 before it is met
	var sizes []int32
	for i := range n {
		r := u.find(int32(i))
		if first[r] == 0 {
			sizes = append(sizes, 0)
			first[r] = int32(len(sizes))
		}
		group[i] = first[r] - 1
		sizes[group[i]]++
	}
	// one array holds every group, each a full slice of it
	flat := make([]int32, n)
	groups := make([][]int32, len(sizes))
	at := int32(0)
	for k, size := range sizes {
		groups[k] = flat[at : at : at+size]
		at += size
	}
	for i, k := range group {
		groups[k] = append(groups[k], int32(i))
	}
	return groups
}
