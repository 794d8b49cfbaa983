package dedup

import (
	"math"
)

// Blocking: two members are scored only when they share a block. Blocks
// never miss a neighbour across a commune border (spatial cells are
// compared with their eight neighbours) and a member without a point is
// never taken as 0 m away from anything: it meets others through its
// commune and street, its commune and a distinctive name word, or a shared
// identifier or contact.
const (
	cellMetres   = 500.0
	maxBlockSize = 200 // identifier blocks larger than this say nothing (a head-office SIRET)
)

type cell struct{ x, y int32 }

func cellOf(p *profile) (cell, bool) {
	if p.point == nil {
		return cell{}, false
	}
	y := p.point.Lat * 111_320 / cellMetres
	x := p.point.Lon * 111_320 * math.Cos(p.point.Lat*math.Pi/180) / cellMetres
	return cell{int32(math.Floor(x)), int32(math.Floor(y))}, true
}

// blockKeys are a profile's non-spatial blocks.
func blockKeys(p *profile) []string {
	var keys []string
	// by commune and by postcode: either may be wrong in a record
	for _, area := range []string{p.insee, p.postcode} {
		if area == "" {
			continue
		}
		if len(p.street) > 0 {
			keys = append(keys, "s\x00"+area+"\x00"+streetKey(p.street))
		}
		for _, t := range p.name {
			if tokenWeight(t) >= 0.5 {
				keys = append(keys, "n\x00"+area+"\x00"+t)
			}
		}
	}
	if p.siret != "" {
		keys = append(keys, "siret\x00"+p.siret)
	}
	if len(p.phone) >= 9 {
		keys = append(keys, "tel\x00"+lastDigits(p.phone))
	}
	for _, e := range p.emails {
		keys = append(keys, "mail\x00"+e)
	}
	for _, h := range p.hosts {
		keys = append(keys, "host\x00"+h)
	}
	if p.id != "" {
		keys = append(keys, "id\x00"+p.id)
	}
	return keys
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

// blocks indexes members by cell and by key.
type blocks struct {
	cells map[cell][]int32
	keyed map[string][]int32
	keys  [][]string
	at    []cell
	has   []bool
}

func newBlocks(ps []profile) *blocks {
	b := &blocks{cells: map[cell][]int32{}, keyed: map[string][]int32{}, keys: make([][]string, len(ps)),
		at: make([]cell, len(ps)), has: make([]bool, len(ps))}
	for i := range ps {
		if c, ok := cellOf(&ps[i]); ok {
			b.at[i], b.has[i] = c, true
			b.cells[c] = append(b.cells[c], int32(i))
		}
		b.keys[i] = blockKeys(&ps[i])
		for _, k := range b.keys[i] {
			b.keyed[k] = append(b.keyed[k], int32(i))
		}
	}
	return b
}

// neighbours calls fn once for every j > i that shares a block with i;
// seen is scratch space of len(members), stamped with i+1.
func (b *blocks) neighbours(i int, seen []int32, fn func(j int)) {
	visit := func(list []int32) {
		for _, j := range list {
			if int(j) > i && seen[j] != int32(i+1) {
				seen[j] = int32(i + 1)
				fn(int(j))
			}
		}
	}
	if b.has[i] {
		c := b.at[i]
		for dx := int32(-1); dx <= 1; dx++ {
			for dy := int32(-1); dy <= 1; dy++ {
				visit(b.cells[cell{c.x + dx, c.y + dy}])
			}
		}
	}
	for _, k := range b.keys[i] {
		if list := b.keyed[k]; len(list) <= maxBlockSize || k[0] == 's' || k[0] == 'n' {
			visit(list)
		}
	}
}
