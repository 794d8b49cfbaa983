package dedup

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/maillage/maillage/geo"
)

// Blocking: two members are scored only when they share a block. Blocks
// never miss a neighbour within cellMetres across a commune border or a
// cell's (spatial cells are compared with their eight neighbours, their
// members farther than cellMetres left out) and a member without a point is
// never taken as 0 m away from anything: it meets others through its
// commune and street, its commune and a distinctive name word, or a shared
// identifier or contact. The postcode stands in for the commune: by
// postcode and street unless the two records are sure of two communes
// and placed apart (a geocoder may have put the address in the wrong
// commune of its postcode; two points kilometres apart in two communes
// are two streets of one name), by postcode and name only when one of
// the two records' commune is in doubt (see communeSure).
const (
	cellMetres = 150.0
	// Blocks larger than these say nothing and are skipped (cells still
	// bring neighbours together): a head-office SIRET, a word most records
	// of a city share, a kind of service or a name a commune has many of
	// (then it is no single site, and nothing the kind alone can merge).
	maxIDBlock   = 200
	maxAreaBlock = 100
	maxKindBlock = 12
	// apartMetres: two records sure of two communes whose points are
	// farther apart than this do not meet by postcode and street.
	apartMetres = 1000.0
)

type cell struct{ x, y int32 }

func cellOf(p *profile) (cell, bool) {
	if !p.placed {
		return cell{}, false
	}
	y := p.point.Lat * 111_320 / cellMetres
	x := p.point.Lon * 111_320 * math.Cos(p.point.Lat*math.Pi/180) / cellMetres
	return cell{int32(math.Floor(x)), int32(math.Floor(y))}, true
}

// blockKey hashes a block's name (FNV-1a): a collision only adds pairs to
// score, and hashes spare a string per key and record.
func blockKey(parts ...string) uint64 {
	h := uint64(14695981039346656037)
	for _, part := range parts {
		for i := 0; i < len(part); i++ {
			h = (h ^ uint64(part[i])) * 1099511628211
		}
		h = (h ^ 0xff) * 1099511628211
	}
	return h
}

// blockRef is one of a record's blocks, the size past which it is
// skipped and which of its members it pairs.
type blockRef struct {
	key     uint64
	limit   int32
	pairing pairing
}

// pairing says which two members of a block are paired.
type pairing uint8

const (
	pairAll pairing = iota
	// pairInDoubt: only when the commune of one of the two is in doubt.
	pairInDoubt
	// pairUnlessApart: unless both are sure of two communes and placed
	// more than apartMetres apart.
	pairUnlessApart
)

// blockKeys appends a profile's non-spatial blocks to refs: by commune
// and by postcode (either may be wrong in a record) a street word, a
// distinctive name word, a kind of service, the whole name; then its
// SIRET, phone, e-mails, e-mail domains and web hosts, organisation and a
// globally unique producer id.
func blockKeys(refs []blockRef, p *profile) []blockRef {
	for _, area := range []string{p.insee, p.postcode} {
		if area == "" {
			continue
		}
		// Two records sure of two communes that share a postcode are
		// two places unless their street or a contact ties them (a name
		// word across a rural postcode of thirty communes is no tie).
		street, other := pairAll, pairAll
		if area == p.postcode {
			street, other = pairUnlessApart, pairInDoubt
		}
		for _, k := range streetKeys(p.street) {
			refs = append(refs, blockRef{blockKey("s", area, k), maxAreaBlock, street})
		}
		for _, t := range p.name {
			if tokenWeight(t) >= 0.5 {
				refs = append(refs, blockRef{blockKey("n", area, t), maxAreaBlock, other})
			}
		}
		for _, k := range p.kinds {
			refs = append(refs, blockRef{blockKey("k", area, k), maxKindBlock, other})
		}
		if p.fullName != "" {
			refs = append(refs, blockRef{blockKey("f", area, p.fullName), maxKindBlock, other})
		}
	}
	if p.siret != "" {
		refs = append(refs, blockRef{blockKey("siret", p.siret), maxIDBlock, pairAll})
	}
	if len(p.phone) >= 9 {
		refs = append(refs, blockRef{blockKey("tel", lastDigits(p.phone)), maxIDBlock, pairAll})
	}
	for _, e := range p.emails {
		refs = append(refs, blockRef{blockKey("mail", e), maxIDBlock, pairAll})
	}
	for _, d := range p.domains {
		refs = append(refs, blockRef{blockKey("dom", d), maxIDBlock, pairAll})
	}
	if p.org >= 0 {
		refs = append(refs, blockRef{p.orgKey, maxKindBlock, pairAll})
	}
	if p.globalID {
		refs = append(refs, blockRef{blockKey("id", p.localID), maxIDBlock, pairAll})
	}
	return refs
}

// streetKeys name the street by its most distinctive word, its longest
// non-type word. A word with lost characters is keyed with « e » in
// their place, the likeliest letter, and the longest whole word is
// keyed too.
func streetKeys(street []string) []string {
	if len(street) == 0 {
		return nil
	}
	best, whole := "", ""
	for _, w := range street {
		if words.typeWord[w] {
			continue
		}
		if len(w) > len(best) {
			best = w
		}
		if len(w) > len(whole) && !strings.Contains(w, lost) {
			whole = w
		}
	}
	switch {
	case best == "":
		return []string{street[len(street)-1]}
	case best == whole || whole == "":
		return []string{strings.ReplaceAll(best, lost, "e")}
	}
	return []string{strings.ReplaceAll(best, lost, "e"), whole}
}

// blocks indexes members by cell, and by key in one sorted array (a block
// is a run of equal keys, found through runs): far lighter than a map of
// slices at national scale, where most keys name a single record.
type blocks struct {
	ps      []profile
	keys    [][]blockRef // each member's keys, when kept (Memo); else computed again
	cells   []entry      // by cell (packed in key), then member
	entries []entry
	runs    runIndex
	spare   []entry // room the sorts left
}

type entry struct {
	key uint64
	idx int32
	// sure: the member's commune is sure (profile.communeSure), kept
	// here (in what would be padding) so that walking a doubt block
	// reads no profile
	sure bool
}

// newBlocks indexes the members; keys, when given, are each member's
// block keys. room, when given, has room for the blocks (and gets the
// blocks' spare room).
func newBlocks(ps []profile, keys [][]blockRef, room *engineRoom) *blocks {
	n := 8 * len(ps) // when the keys are not known yet
	if keys != nil {
		n = 0
		for _, k := range keys {
			n += len(k)
		}
	}
	if room == nil {
		room = &engineRoom{}
	}
	b := &blocks{ps: ps, keys: keys, entries: room.take(n), cells: room.take(len(ps))}
	var scratch []blockRef
	for i := range ps {
		if c, ok := cellOf(&ps[i]); ok {
			b.cells = append(b.cells, entry{key: c.key(), idx: int32(i)})
		}
		scratch = b.keysOf(i, scratch)
		for _, r := range scratch {
			b.entries = append(b.entries, entry{r.key, int32(i), ps[i].communeSure})
		}
	}
	var spare []entry // by key, then member (they come in member order)
	b.entries, spare = sortEntries(b.entries, room.take(len(b.entries)))
	b.cells, b.spare = sortEntries(b.cells, spare)
	if !room.kept {
		b.spare = nil // no next run to keep it for: let it go now
	}
	b.indexRuns(room)
	return b
}

// carryBlocks indexes the members as newBlocks does, from the last
// run's sorted entries and cells (prior): the members carried over
// (those oldToNew maps a last run's index to, in the same order, with
// the same keys and point) keep their entries, renumbered; the others'
// are sorted and merged in.
func carryBlocks(ps []profile, keys [][]blockRef, room *engineRoom, prior priorBlocks, oldToNew []int32, carried []bool) *blocks {
	var entries, cells []entry
	for i := range ps {
		if carried[i] {
			continue
		}
		if c, ok := cellOf(&ps[i]); ok {
			cells = append(cells, entry{key: c.key(), idx: int32(i)})
		}
		for _, r := range keys[i] {
			entries = append(entries, entry{r.key, int32(i), ps[i].communeSure})
		}
	}
	entries, spare := sortEntries(entries, nil)
	cells, _ = sortEntries(cells, spare)
	b := &blocks{ps: ps, keys: keys}
	b.entries = mergeEntries(room.take(len(prior.entries)+len(entries)), prior.entries, oldToNew, entries)
	b.cells = mergeEntries(room.take(len(prior.cells)+len(cells)), prior.cells, oldToNew, cells)
	b.indexRuns(room)
	return b
}

// mergeEntries appends to out the entries of prior whose member oldToNew
// carries over, renumbered, merged with fresh: by key, then member.
func mergeEntries(out, prior []entry, oldToNew []int32, fresh []entry) []entry {
	for _, en := range prior {
		j := oldToNew[en.idx]
		if j < 0 {
			continue
		}
		for len(fresh) > 0 && (fresh[0].key < en.key || fresh[0].key == en.key && fresh[0].idx < j) {
			out, fresh = append(out, fresh[0]), fresh[1:]
		}
		out = append(out, entry{en.key, j, en.sure})
	}
	return append(out, fresh...)
}

// indexRuns indexes the blocks' runs, in the room's spare index.
func (b *blocks) indexRuns(room *engineRoom) {
	b.runs = newRunIndex(b.entries, room.runs)
	room.runs = runIndex{}
}

// runIndex finds a key's run of two or more entries in entries sorted by
// key: the runs' keys in order, where each run starts and ends, and a
// directory that holds, for each value of the keys' top bits (keys are
// hashes, spread evenly), where the first run key of that value or more
// is (one to two keys apart). A lookup reads the directory and a few run
// keys, arrays a tenth of the entries' size that stay in the processor's
// cache, and building the index is one pass over the sorted entries (a
// map of the runs cost 17 times more to build at ten times the records).
type runIndex struct {
	shift  uint     // 64 minus the directory's number of top bits
	dir    []int32  // 2^bits + 1 positions in keys
	keys   []uint64 // of the runs, in order
	bounds [][2]int32
}

// newRunIndex indexes entries, sorted by key, in room's arrays when they
// are large enough.
func newRunIndex(entries []entry, room runIndex) runIndex {
	runs := 0 // counted first: arrays of the right size, no garbage from growing them
	for k := 1; k < len(entries); k++ {
		if entries[k].key == entries[k-1].key && (k == 1 || entries[k-2].key != entries[k].key) {
			runs++
		}
	}
	x := runIndex{keys: slices.Grow(room.keys[:0], runs), bounds: slices.Grow(room.bounds[:0], runs)}
	for lo := 0; lo < len(entries); {
		hi := lo + 1
		for hi < len(entries) && entries[hi].key == entries[lo].key {
			hi++
		}
		if hi-lo > 1 {
			x.keys = append(x.keys, entries[lo].key)
			x.bounds = append(x.bounds, [2]int32{int32(lo), int32(hi)})
		}
		lo = hi
	}
	topBits := bits.Len(uint(len(x.keys)))
	x.shift = uint(64 - topBits)
	n := 1<<topBits + 1
	x.dir = slices.Grow(room.dir[:0], n)[:n]
	d := 0
	for k, key := range x.keys {
		for top := int(key >> x.shift); d <= top; d++ {
			x.dir[d] = int32(k)
		}
	}
	for ; d < n; d++ {
		x.dir[d] = int32(len(x.keys))
	}
	return x
}

// run returns the entries of key when two or more have it.
func (x runIndex) run(entries []entry, key uint64) []entry {
	if len(x.keys) == 0 {
		return nil
	}
	d := key >> x.shift
	for k := x.dir[d]; k < x.dir[d+1]; k++ {
		switch {
		case x.keys[k] == key:
			return entries[x.bounds[k][0]:x.bounds[k][1]]
		case x.keys[k] > key:
			return nil
		}
	}
	return nil
}

// compareKey orders an entry and a key.
func compareKey(e entry, k uint64) int { return cmp.Compare(e.key, k) }

// bucketedFrom is the number of entries from which sortEntries first
// splits them by their top byte: each of the 256 buckets is then small
// enough to be sorted inside the processor's cache (2.6 million entries,
// 41 MB, at ten times France's records), and the buckets are sorted on
// all cores.
const bucketedFrom = 1 << 15

// sortEntries sorts entries by key with a stable radix sort (a pass of a
// byte each): entries of one key stay in the order they came in. It
// returns the sorted slice and the other one, entries or the scratch it
// used (room, when large enough).
func sortEntries(entries, room []entry) (sorted, spare []entry) {
	if len(entries) < 2 {
		return entries, room
	}
	other := room[:cap(room)]
	if len(other) < len(entries) {
		other = make([]entry, len(entries))
	}
	other = other[:len(entries)]
	if len(entries) < bucketedFrom {
		return radixPasses(entries, other, 64)
	}
	starts, split := splitByTopByte(entries, other)
	if !split { // one top byte for all: nothing to split
		return radixPasses(entries, other, 56)
	}
	parallel(256, func(b int) {
		lo, hi := starts[b], starts[b+1]
		if hi-lo < 2 {
			return
		}
		if got, _ := radixPasses(other[lo:hi], entries[lo:hi], 56); &got[0] != &other[lo] {
			copy(other[lo:hi], got)
		}
	})
	return other, entries
}

// splitByTopByte moves entries into dst by the top byte of their key,
// stably, and returns where each byte's bucket starts (and the end);
// split is false, and dst untouched, when every key has the same top byte.
func splitByTopByte(entries, dst []entry) (starts [257]int, split bool) {
	for _, e := range entries {
		starts[int(e.key>>56)+1]++
	}
	if starts[int(entries[0].key>>56)+1] == len(entries) {
		return starts, false
	}
	for i := 1; i < len(starts); i++ {
		starts[i] += starts[i-1]
	}
	next := starts
	for _, e := range entries {
		d := e.key >> 56
		dst[next[d]] = e
		next[d]++
	}
	return starts, true
}

// radixPasses sorts src by the key's bits below top, a byte per pass,
// with dst (as long as src) as the other side, and returns the sorted
// slice and the other one.
func radixPasses(src, dst []entry, top uint) (sorted, spare []entry) {
	for shift := uint(0); shift < top; shift += 8 {
		var counts [257]int
		for _, e := range src {
			counts[int(byte(e.key>>shift))+1]++
		}
		if counts[int(byte(src[0].key>>shift))+1] == len(src) {
			continue // every key has this byte: the pass changes nothing
		}
		for i := 1; i < len(counts); i++ {
			counts[i] += counts[i-1]
		}
		for _, e := range src {
			d := byte(e.key >> shift)
			dst[counts[d]] = e
			counts[d]++
		}
		src, dst = dst, src
	}
	return src, dst
}

// key packs a cell in a block key.
func (c cell) key() uint64 { return uint64(uint32(c.x))<<32 | uint64(uint32(c.y)) }

// inColumn returns the members placed in cells x, y0 … y1 (y0 ≤ y1):
// cells sort by x then y, so they are one run of the sorted cells, but
// where y crosses 0 and its unsigned key wraps.
func (b *blocks) inColumn(x, y0, y1 int32) []entry {
	lo, hi := cell{x, y0}.key(), cell{x, y1}.key()
	if lo > hi {
		return slices.Concat(b.inColumn(x, y0, -1), b.inColumn(x, 0, y1))
	}
	from, _ := slices.BinarySearchFunc(b.cells, lo, compareKey)
	to := from
	for to < len(b.cells) && b.cells[to].key <= hi {
		to++
	}
	return b.cells[from:to]
}

// block returns the members sharing key, when there are two or more.
func (b *blocks) block(key uint64) []entry { return b.runs.run(b.entries, key) }

// keysOf returns member i's block keys, in scratch unless they are kept.
func (b *blocks) keysOf(i int, scratch []blockRef) []blockRef {
	if b.keys != nil {
		return b.keys[i]
	}
	return blockKeys(scratch[:0], &b.ps[i])
}

// apart reports whether two records are in two communes and placed more
// than apartMetres apart.
func apart(p, q *profile) bool {
	return p.insee != q.insee && p.placed && q.placed && geo.Distance(p.point, q.point) > apartMetres
}

// neighbours calls fn once for every j > i (every j ≠ i when all is set)
// that shares a block with i; of the nine cells around i's point, only
// the members within reach metres (all of them when reach is 0: the
// weights' estimate wants pairs that are not duplicates too); seen is
// scratch space of len(members), stamped with i+1, and keys scratch space
// for i's keys.
func (b *blocks) neighbours(i int, all bool, reach float64, seen []int32, keys []blockRef, fn func(j int)) []blockRef {
	stamp := int32(i + 1)
	fresh := func(j int32) bool { return (int(j) > i || all && int(j) != i) && seen[j] != stamp }
	p := &b.ps[i]
	if c, ok := cellOf(p); ok {
		for dx := int32(-1); dx <= 1; dx++ {
			for _, e := range b.inColumn(c.x+dx, c.y-1, c.y+1) {
				if fresh(e.idx) && (reach == 0 || geo.Distance(p.point, b.ps[e.idx].point) <= reach) {
					seen[e.idx] = stamp
					fn(int(e.idx))
				}
			}
		}
	}
	mine := b.keysOf(i, keys)
	for _, r := range mine {
		list := b.block(r.key)
		if len(list) > int(r.limit) {
			continue
		}
		for _, e := range list {
			if fresh(e.idx) && b.paired(r.pairing, p, e) {
				seen[e.idx] = stamp
				fn(int(e.idx))
			}
		}
	}
	if b.keys != nil {
		return keys // mine is kept, not scratch
	}
	return mine
}

// paired reports whether a block of this pairing pairs p with the member
// of e (e.sure saves reading its profile in most cases).
func (b *blocks) paired(pairing pairing, p *profile, e entry) bool {
	switch {
	case pairing == pairAll || !p.communeSure || !e.sure:
		return true
	case pairing == pairUnlessApart:
		return !apart(p, &b.ps[e.idx])
	}
	return false
}
