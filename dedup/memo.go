package dedup

import (
	"crypto/sha256"
	"maps"
	"reflect"
	"slices"
	"strconv"

	"github.com/maillage/maillage/internal/ordered"
)

// Memo carries one run's profiles and scored pairs into the next run over
// a population that changed a little (a scheduled sync where a few records
// changed): that run profiles only the new and changed members and scores
// only the pairs the change can reach, and its result is the one a run
// from scratch gives.
//
// A member is known when the memo holds its Ref with the same non-empty
// Version. A pair of two known members is scored as before unless one of
// them is affected: its population context changed (its organisation, a
// kind of service now listed at two sites of its commune, one of its
// e-mail domains now used in more communes) or one of its blocks crossed
// its size limit. When known members changed order, or the weights
// changed, every pair is scored again. A Memo is not safe for concurrent
// use, and an engine made on it is done with once the next one is made
// (that one reuses its room).
//
// The memo also keeps the last run's merged clusters of several members
// by Key: a cluster made of the same records, versions and priorities is
// not merged again.
type Memo struct {
	weights Weights
	// learned are the weights the last run scored with (learned from
	// its population, see em.go); they hold until the population's
	// estimate moves past emTolerance
	learned    Weights
	hasLearned bool
	known      map[Ref]*memoMember
	pairs      []memoPair
	scored     int // members whose pairs the last run scored
	merged     map[[32]byte]Cluster
	runs       uint32 // the runs that used the memo
	// rescored marks the members of the current run whose pairs were
	// scored again (nil: all of them)
	rescored []bool
	// prior are the last run's sorted block entries and cells.
	prior priorBlocks
	// room is what the last run's engine allocated and no longer needs,
	// for the next one: an engine made on the memo is done with once the
	// next one is made.
	room engineRoom
}

// priorBlocks are a run's sorted block entries and cells, by the indexes
// of its members.
type priorBlocks struct {
	entries, cells []entry
	members        int
	runs           runIndex // of entries
}

// engineRoom is room for an engine's profiles and blocks.
type engineRoom struct {
	ps, raw []profile
	free    [][]entry // arrays of entries
	runs    runIndex  // spare arrays for a run index
	kept    bool      // for the next run (a memo's): arrays are made with headroom
}

// take returns the smallest free array of room for n entries, emptied, or
// a new one.
func (r *engineRoom) take(n int) []entry {
	best := -1
	for i, f := range r.free {
		if cap(f) >= n && (best < 0 || cap(f) < cap(r.free[best])) {
			best = i
		}
	}
	if best < 0 && r.kept {
		return make([]entry, 0, n+n/8) // room for the next run's few more
	} else if best < 0 {
		return make([]entry, 0, n)
	}
	f := r.free[best][:0]
	r.free = slices.Delete(r.free, best, best+1)
	return f
}

// profiles returns room for n profiles, in place of have.
func profiles(have []profile, n int) []profile {
	if cap(have) < n {
		return make([]profile, n, n+n/8) // room for the next run's few more
	}
	have = have[:n]
	clear(have)
	return have
}

type memoMember struct {
	version string
	index   int32   // in the last run that saw the record
	now     int32   // in the current run, when run is the current run
	run     uint32  // the last run that saw the record
	p       profile // as profiled, before the population's filters
	context string
	keys    []blockRef
}

// memoPair is a scored pair of two members the memo keeps.
type memoPair struct {
	a, b  *memoMember
	score float64
}

// Weights are the weights the last run scored with: a run from scratch
// with them (Learn off) gives the memo's result.
func (m *Memo) Weights() Weights {
	w := m.learned
	w.Learn = false
	return w
}

// Scored is how many members the last run scored pairs for (all of them
// when it could not use the memo).
func (m *Memo) Scored() int { return m.scored }

// use starts the memo over when the weights changed.
func (m *Memo) use(w Weights) {
	if !reflect.DeepEqual(m.weights, w) {
		*m = Memo{weights: w}
	}
}

// knows returns what the memo keeps of member i when it knows it (the
// same non-empty Version).
func (e *Engine) knows(i int) (*memoMember, bool) {
	if e.known == nil || e.members[i].Version == "" {
		return nil, false
	}
	k := e.known[i]
	return k, k != nil && k.version == e.members[i].Version
}

// see stamps the memo's members present in this run with their index in
// it, and reports how many there are.
func (m *Memo) see(e *Engine) int {
	m.runs++
	n := 0
	for i, k := range e.known {
		if k != nil {
			k.run, k.now, n = m.runs, int32(i), n+1
		}
	}
	return n
}

// cloneProfile copies a profile deep enough for the population's filters
// (the contacts' domains) to leave the original alone.
func cloneProfile(p profile) profile {
	if p.contacts != nil && len(p.contacts.domains) > 0 {
		c := *p.contacts
		c.domains = slices.Clone(c.domains)
		p.contacts = &c
	}
	return p
}

// score returns the engine's pairs, best first, scoring only what the
// memo cannot give, and keeps them for the next run.
func (m *Memo) score(e *Engine) []scored {
	present := m.see(e)
	contexts := make([]string, len(e.ps))
	keys := make([][]blockRef, len(e.ps))
	carried := make([]bool, len(e.ps))
	var buf []byte
	for i := range e.ps {
		buf = appendContext(buf[:0], e, i)
		if k, ok := e.knows(i); ok && k.context == string(buf) {
			contexts[i], keys[i], carried[i] = k.context, k.keys, true
		} else {
			contexts[i], keys[i] = string(buf), blockKeys(nil, &e.ps[i])
		}
	}
	b := m.index(e, keys, carried)
	e.learn(b)
	// the weights learned before hold while the population's estimate
	// stays within emTolerance of them: a few changed records do not
	// score every pair again; pairs scored with other weights are
	if m.hasLearned && e.s.w.Learn && learnedDrift(m.learned, e.s.w) <= emTolerance {
		e.s.w = m.learned
	}
	var pairs []scored
	sameWeights := m.hasLearned && reflect.DeepEqual(m.learned, e.s.w)
	m.learned, m.hasLearned = e.s.w, true
	if from, inFrom, ok := m.affected(e, contexts, b, present); ok && sameWeights {
		// the memo's pairs are in order, the members carried in theirs
		pairs = ordered.Merge(m.reused(inFrom), sortPairs(scoreFrom(b, e.s, from, inFrom)), comparePairs)
		m.scored, m.rescored = len(from), inFrom
	} else {
		pairs = scorePairs(b, e.s)
		m.scored, m.rescored = len(e.ps), nil
	}
	m.remember(e, contexts, keys, b, pairs, present)
	return pairs
}

// index indexes the members, carrying the last run's blocks over when
// the members carried (with the keys they had) kept their order.
func (m *Memo) index(e *Engine, keys [][]blockRef, carried []bool) *blocks {
	m.room.kept = true
	if m.prior.members == 0 {
		return newBlocks(e.ps, keys, &m.room)
	}
	oldToNew := make([]int32, m.prior.members)
	for i := range oldToNew {
		oldToNew[i] = -1
	}
	last := int32(-1)
	for i, c := range carried {
		if !c {
			continue
		}
		old := e.known[i].index
		if old <= last || int(old) >= len(oldToNew) {
			return newBlocks(e.ps, keys, &m.room)
		}
		oldToNew[old], last = int32(i), old
	}
	return carryBlocks(e.ps, keys, &m.room, m.prior, oldToNew, carried)
}

// appendContext appends what member i's scores take from the population
// besides its profile (the feature table's contexts, contextOf).
func appendContext(b []byte, e *Engine, i int) []byte { return contextOf(b, e.s, &e.ps[i]) }

// affected lists the members whose pairs must be scored again: the new
// and changed ones, those whose context changed, and the members of
// every block that crossed its size limit. It reports false when the
// memo cannot serve (empty, or known members changed order). present is
// how many of the memo's members the run has.
func (m *Memo) affected(e *Engine, contexts []string, b *blocks, present int) ([]int32, []bool, bool) {
	if len(m.known) == 0 {
		return nil, nil, false
	}
	in := make([]bool, len(e.ps))
	var changed []blockRef
	last := int32(-1)
	for i := range e.members {
		k := e.known[i]
		if _, same := e.knows(i); same && k.context == contexts[i] {
			if k.index <= last {
				return nil, nil, false
			}
			last = k.index
			continue
		}
		in[i], changed = true, append(changed, b.keys[i]...)
		if k != nil {
			changed = append(changed, k.keys...)
		}
	}
	if present < len(m.known) {
		for _, k := range m.known {
			if k.run != m.runs { // gone
				changed = append(changed, k.keys...)
			}
		}
	}
	for _, r := range changed {
		block := b.block(r.key)
		if was := m.prior.runs.run(m.prior.entries, r.key); len(was) <= int(r.limit) != (len(block) <= int(r.limit)) {
			for _, en := range block {
				in[en.idx] = true
			}
		}
	}
	var from []int32
	for i, a := range in {
		if a {
			from = append(from, int32(i))
		}
	}
	return from, in, true
}

// reused are the memo's pairs of two members that are not affected.
func (m *Memo) reused(affected []bool) []scored {
	out := make([]scored, 0, len(m.pairs))
	for _, p := range m.pairs {
		if p.a.run != m.runs || p.b.run != m.runs {
			continue
		}
		i, j := p.a.now, p.b.now
		if !affected[i] && !affected[j] {
			out = append(out, scored{min(i, j), max(i, j), p.score})
		}
	}
	return out
}

// remember keeps this run's members, pairs and block sizes, in the room
// of the last run's. present is how many of the memo's members the run
// has.
func (m *Memo) remember(e *Engine, contexts []string, keys [][]blockRef, b *blocks, pairs []scored, present int) {
	if m.known == nil {
		m.known = make(map[Ref]*memoMember, len(e.members))
	}
	if present < len(m.known) {
		maps.DeleteFunc(m.known, func(_ Ref, k *memoMember) bool { return k.run != m.runs })
	}
	for i := range e.members {
		mb, k := &e.members[i], e.known[i]
		switch {
		case k == nil:
			k = &memoMember{version: mb.Version, p: e.raw[i], run: m.runs, now: int32(i)}
			m.known[mb.Ref], e.known[i] = k, k
		case k.version != mb.Version || mb.Version == "":
			k.version, k.p = mb.Version, e.raw[i]
		}
		k.index, k.context, k.keys = int32(i), contexts[i], keys[i]
	}
	m.pairs = slices.Grow(m.pairs[:0], len(pairs))
	for _, p := range pairs {
		m.pairs = append(m.pairs, memoPair{e.known[p.i], e.known[p.j], p.score})
	}
	m.room.runs = m.prior.runs
	m.room.ps, m.room.raw = e.ps, e.raw
	m.room.free = append(m.room.free[:0], m.prior.entries, m.prior.cells, b.spare)
	m.prior = priorBlocks{b.entries, b.cells, len(e.ps), b.runs}
}

// merge merges each group, taking the last run's merge of a group of the
// same Key, and keeps this run's merges of several members (a lone
// member's costs less to merge again than to keep).
func (m *Memo) merge(members []Member, groups [][]int32) []Cluster {
	clusters := make([]Cluster, len(groups))
	next := make(map[[32]byte]Cluster, len(m.merged))
	var buf []byte
	for i, g := range groups {
		var key [32]byte
		key, buf = groupKey(members, g, buf)
		c, ok := m.merged[key]
		if !ok || key == ([32]byte{}) {
			c = merge(members, g)
		}
		if c.Key = key; len(g) > 1 && key != ([32]byte{}) {
			next[key] = c
		}
		clusters[i] = c
	}
	m.merged = next
	return clusters
}

// groupKey is the Key of a group: a hash of its members' records,
// versions and priorities, in the group's order; zero when a member has
// no version. buf is scratch space, returned for reuse.
func groupKey(members []Member, g []int32, buf []byte) ([32]byte, []byte) {
	buf = buf[:0]
	for _, i := range g {
		m := &members[i]
		if m.Version == "" {
			return [32]byte{}, buf
		}
		buf = append(buf, m.Source...)
		buf = append(buf, 0)
		buf = append(buf, m.RecordKey...)
		buf = append(buf, 0)
		buf = append(buf, m.Version...)
		buf = append(buf, 0)
		buf = strconv.AppendInt(buf, int64(m.Priority), 10)
		buf = append(buf, 1)
	}
	return sha256.Sum256(buf), buf
}
