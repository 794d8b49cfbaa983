package dedup

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortEntries: the radix sort gives the order of a comparison sort
// by key then member, for entries that come in member order, whatever the
// keys share (few distinct keys, keys equal but in their top byte, none).
func TestSortEntries(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	keys := map[string]func() uint64{
		"random":        rnd.Uint64,
		"few distinct":  func() uint64 { return uint64(rnd.IntN(5)) * 0x0101010101010101 },
		"low byte only": func() uint64 { return 0xabcdef0000000000 | uint64(rnd.IntN(256)) },
	}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{0, 1, 2, 1000} {
				var entries []entry
				for i := range n {
					for range rnd.IntN(3) + 1 {
						entries = append(entries, entry{key(), int32(i)})
					}
				}
				want := slices.Clone(entries)
				slices.SortFunc(want, func(x, y entry) int { return cmp.Or(cmp.Compare(x.key, y.key), cmp.Compare(x.idx, y.idx)) })
				room := make([]entry, 3, 2*n+3) // scratch with leftovers
				for _, scratch := range [][]entry{nil, room} {
					got, spare := sortEntries(slices.Clone(entries), scratch)
					if !slices.Equal(got, want) {
						t.Errorf("%d entries, scratch of %d: sorted differently", len(entries), cap(scratch))
					}
					if len(got) > 1 && &spare[:cap(spare)][0] == &got[0] {
						t.Errorf("%d entries: the spare room is the sorted slice", len(entries))
					}
				}
			}
		})
	}
}
