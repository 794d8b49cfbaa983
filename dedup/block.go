package dedup

import (
	"cmp"
	"math"
	"slices"
)

// Blocking: two members are scored only when they share a block. Blocks
// never miss a neighbour across a commune border (spatial cells are
// compared with their eight neighbours) and a member without a point is
// never taken as 0 m away from anything: it meets others through its
// commune and street, its commune and a distinctive name word, or a shared
// identifier or contact.
const (
	cellMetres   = 150.0
	maxBlockSize = 200  // identifier blocks larger than this say nothing (a head-office SIRET)
	maxAreaBlock = 2000 // a word shared by more records of one commune is no lead (cells still are)
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

// blockKeys appends a profile's non-spatial blocks to keys; the area
// blocks (commune or postcode with a street, a name word, a kind of
// service or the whole name) come first, areaKeys of them.
func blockKeys(keys []uint64, p *profile) (_ []uint64, areaKeys int) {
	// by commune and by postcode: either may be wrong in a record
	for _, area := range []string{p.insee, p.postcode} {
		if area == "" {
			continue
		}
		if len(p.street) > 0 {
			keys = append(keys, blockKey("s", area, streetKey(p.street)))
		}
		for _, t := range p.name {
			if tokenWeight(t) >= 0.5 {
				keys = append(keys, blockKey("n", area, t))
			}
		}
		for _, k := range p.kinds {
			keys = append(keys, blockKey("k", area, k))
		}
		if p.fullName != "" {
			keys = append(keys, blockKey("f", area, p.fullName))
		}
	}
	areaKeys = len(keys)
	if p.siret != "" {
		keys = append(keys, blockKey("siret", p.siret))
	}
	if len(p.phone) >= 9 {
		keys = append(keys, blockKey("tel", lastDigits(p.phone)))
	}
	for _, e := range p.emails {
		keys = append(keys, blockKey("mail", e))
	}
	for _, h := range p.hosts {
		keys = append(keys, blockKey("host", h))
	}
	if p.globalID {
		keys = append(keys, blockKey("id", p.localID))
	}
	return keys, areaKeys
}

// streetKey is the street's most distinctive word: its longest non-type word.
func streetKey(street []string) string {
	best := ""
	for _, w := range street {
		if !words.typeWord[w] && len(w) > len(best) {
			best = w
		}
	}
	if best == "" {
		best = street[len(street)-1]
	}
	return best
}

// blocks indexes members by cell, and by key in one sorted array (a block
// is a run of equal keys; runs holds where each block of two or more
// members starts and ends): far lighter than a map of slices at national
// scale, where most keys name a single record.
type blocks struct {
	ps      []profile
	cells   map[cell][]int32
	entries []entry
	runs    map[uint64][2]int32
}

type entry struct {
	key uint64
	idx int32
}

func newBlocks(ps []profile) *blocks {
	b := &blocks{ps: ps, cells: make(map[cell][]int32, len(ps)/2), entries: make([]entry, 0, 8*len(ps))}
	var scratch []uint64
	for i := range ps {
		if c, ok := cellOf(&ps[i]); ok {
			b.cells[c] = append(b.cells[c], int32(i))
		}
		scratch, _ = blockKeys(scratch[:0], &ps[i])
		for _, k := range scratch {
			b.entries = append(b.entries, entry{k, int32(i)})
		}
	}
	slices.SortFunc(b.entries, func(x, y entry) int { return cmp.Or(cmp.Compare(x.key, y.key), cmp.Compare(x.idx, y.idx)) })
	b.runs = map[uint64][2]int32{}
	for lo := 0; lo < len(b.entries); {
		hi := lo + 1
		for hi < len(b.entries) && b.entries[hi].key == b.entries[lo].key {
			hi++
		}
		if hi-lo > 1 {
			b.runs[b.entries[lo].key] = [2]int32{int32(lo), int32(hi)}
		}
		lo = hi
	}
	return b
}

// block returns the members sharing key, when there are two or more.
func (b *blocks) block(key uint64) []entry {
	r, ok := b.runs[key]
	if !ok {
		return nil
	}
	return b.entries[r[0]:r[1]]
}

// neighbours calls fn once for every j > i that shares a block with i;
// seen is scratch space of len(members), stamped with i+1, and keys
// scratch space for i's keys.
func (b *blocks) neighbours(i int, seen []int32, keys []uint64, fn func(j int)) []uint64 {
	mark := func(j int32) {
		if int(j) > i && seen[j] != int32(i+1) {
			seen[j] = int32(i + 1)
			fn(int(j))
		}
	}
	if c, ok := cellOf(&b.ps[i]); ok {
		for dx := int32(-1); dx <= 1; dx++ {
			for dy := int32(-1); dy <= 1; dy++ {
				for _, j := range b.cells[cell{c.x + dx, c.y + dy}] {
					mark(j)
				}
			}
		}
	}
	keys, area := blockKeys(keys[:0], &b.ps[i])
	for x, k := range keys {
		if list := b.block(k); len(list) <= maxBlockSize || x < area && len(list) <= maxAreaBlock {
			for _, e := range list {
				mark(e.idx)
			}
		}
	}
	return keys
}
