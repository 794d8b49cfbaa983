package dedup

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/maillage/maillage/schema"
)

// TestSortEntries: the radix sort gives the order of a comparison sort
// by key then member, for entries that come in member order, whatever the
// keys share (few distinct keys, keys equal but in their top byte, none),
// below and above the size from which it sorts by top byte first.
func TestSortEntries(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	keys := map[string]func() uint64{
		"random":        rnd.Uint64,
		"few distinct":  func() uint64 { return uint64(rnd.IntN(5)) * 0x0101010101010101 },
		"low byte only": func() uint64 { return 0xabcdef0000000000 | uint64(rnd.IntN(256)) },
	}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{0, 1, 2, 1000, bucketedFrom} { // the last one splits by top byte first
				var entries []entry
				for i := range n {
					for range rnd.IntN(3) + 1 {
						entries = append(entries, entry{key: key(), idx: int32(i)})
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

// TestCarryBlocks: blocks carried over from the last run's (members
// removed, added and kept, in order) are the blocks made from scratch.
func TestCarryBlocks(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	kinds := []string{"Médiathèque", "France services", "Centre social", "Mairie", "Espace numérique"}
	ps := make([]profile, 2000)
	for i := range ps {
		lat, lon := 45.7+rnd.Float64()/50, 4.8+rnd.Float64()/50
		m := Member{Ref: Ref{Source: "s", RecordKey: fmt.Sprint(i)}, Lieu: &schema.Lieu{
			Nom:       fmt.Sprintf("%s %d", kinds[rnd.IntN(len(kinds))], rnd.IntN(300)),
			Adresse:   fmt.Sprintf("%d rue %d", rnd.IntN(50), rnd.IntN(40)),
			CodeINSEE: fmt.Sprintf("6938%d", rnd.IntN(9)), Latitude: &lat, Longitude: &lon}}
		ps[i] = newProfile(&m)
	}
	keys := make([][]blockRef, len(ps))
	for i := range ps {
		keys[i] = blockKeys(nil, &ps[i])
	}
	last := newBlocks(ps, keys, nil)
	prior := priorBlocks{last.entries, last.cells, len(ps), last.runs}
	var nowPs []profile
	var nowKeys [][]blockRef
	var carried []bool
	oldToNew := make([]int32, len(ps))
	for i := range ps {
		oldToNew[i] = -1
		switch r := rnd.Float64(); {
		case r < 0.05: // removed
			continue
		case r < 0.1: // a new member before it
			j := rnd.IntN(len(ps))
			nowPs, nowKeys, carried = append(nowPs, ps[j]), append(nowKeys, keys[j]), append(carried, false)
		}
		oldToNew[i] = int32(len(nowPs))
		nowPs, nowKeys, carried = append(nowPs, ps[i]), append(nowKeys, keys[i]), append(carried, true)
	}
	got := carryBlocks(nowPs, nowKeys, &engineRoom{}, prior, oldToNew, carried)
	want := newBlocks(nowPs, nowKeys, nil)
	if n := blocksOfTwo(want); n < 100 {
		t.Fatalf("only %d blocks of two or more members: nothing to carry", n)
	}
	if !slices.Equal(got.entries, want.entries) || !slices.Equal(got.cells, want.cells) || !slices.Equal(got.runs.keys, want.runs.keys) && slices.Equal(got.runs.bounds, want.runs.bounds) {
		t.Errorf("carried: %d entries, %d cells, %d blocks; from scratch: %d, %d, %d",
			len(got.entries), len(got.cells), blocksOfTwo(got), len(want.entries), len(want.cells), blocksOfTwo(want))
	}
}

// TestPostcodeBlocks: two records sure of their two communes, which share
// a postcode, meet through the postcode by their street unless both are
// placed more than apartMetres apart, never by a name word; a record whose
// commune is of another postcode meets both by it.
func TestPostcodeBlocks(t *testing.T) {
	type at struct{ lat, lon float64 }
	records := []struct {
		name, address, insee string
		point                *at
	}{
		{"Cercle Vauban", "3 rue Alphonse Daudet", "05023", nil},                      // Briançon, 05100
		{"Les Amis de Vauban", "8 chemin des Prés", "05183", nil},                     // Villar-Saint-Pancrace, 05100
		{"Atelier Vauban", "2 impasse Bellevue", "05161", nil},                        // La Salle-les-Alpes, of 05240
		{"Maison Giono", "12 rue Alphonse Daudet", "05183", nil},                      // Villar-Saint-Pancrace
		{"Point Info Jeunes", "5 rue Alphonse Daudet", "05023", &at{44.8986, 6.6433}}, // Briançon
		{"Ludothèque", "7 rue Alphonse Daudet", "05183", &at{44.8726, 6.6433}},        // 2.9 km south
		{"Bibliothèque", "9 rue Alphonse Daudet", "05183", &at{44.8923, 6.6433}},      // 700 m south
	}
	ps := make([]profile, len(records))
	for i, r := range records {
		m := Member{Ref: Ref{Source: "s", RecordKey: fmt.Sprint(i)}, Lieu: &schema.Lieu{
			Nom: r.name, Adresse: r.address, CodePostal: "05100", CodeINSEE: r.insee}}
		if r.point != nil {
			m.Lieu.Latitude, m.Lieu.Longitude = &r.point.lat, &r.point.lon
		}
		ps[i] = newProfile(&m)
	}
	b := newBlocks(ps, nil, nil)
	want := map[[2]int]bool{{0, 2}: true, {1, 2}: true, {0, 3}: true, // 4 and 5 are apart
		{0, 4}: true, {3, 4}: true, {0, 5}: true, {3, 5}: true, {0, 6}: true, {3, 6}: true, {4, 6}: true, {5, 6}: true}
	seen := make([]int32, len(ps))
	var keys []blockRef
	for i := range ps {
		clear(seen)
		keys = b.neighbours(i, false, cellMetres, seen, keys, func(j int) {
			if !want[[2]int{i, j}] {
				t.Errorf("%q and %q meet", records[i].name, records[j].name)
			}
			delete(want, [2]int{i, j})
		})
	}
	for p := range want {
		t.Errorf("%q and %q do not meet", records[p[0]].name, records[p[1]].name)
	}
}

// TestCellReach: scoring's walk takes cell neighbours within cellMetres,
// across cell borders; the sampling for the weights' estimate takes the
// nine cells' every member.
func TestCellReach(t *testing.T) {
	points := []struct {
		name, street string
		lat, lon     float64
	}{
		{"Médiathèque Jean Macé", "rue Pasteur", 45.76000, 4.83000},
		{"Atelier Lumière", "rue Garibaldi", 45.76090, 4.83000}, // 100 m north
		{"Point Cyb", "quai Perrache", 45.76180, 4.83000},       // 200 m north, in the next cell
	}
	ps := make([]profile, len(points))
	for i, p := range points {
		m := Member{Ref: Ref{Source: "s", RecordKey: fmt.Sprint(i)}, Lieu: &schema.Lieu{
			Nom: p.name, Adresse: fmt.Sprintf("%d %s", i+1, p.street), CodePostal: "69001", CodeINSEE: "69381",
			Latitude: &points[i].lat, Longitude: &points[i].lon}}
		ps[i] = newProfile(&m)
	}
	b := newBlocks(ps, nil, nil)
	if c0, c2 := cellOf2(&ps[0]), cellOf2(&ps[2]); c2.y-c0.y > 1 {
		t.Fatalf("the third point is %d cells away: it would not be in the nine cells", c2.y-c0.y)
	}
	for _, reach := range []float64{cellMetres, 0} {
		seen := make([]int32, len(ps))
		var got []int
		b.neighbours(0, false, reach, seen, nil, func(j int) { got = append(got, j) })
		want := []int{1}
		if reach == 0 {
			want = []int{1, 2}
		}
		if !slices.Equal(got, want) {
			t.Errorf("reach %.0f m: %q meets %v, want %v", reach, points[0].name, got, want)
		}
	}
}

func cellOf2(p *profile) cell { c, _ := cellOf(p); return c }

// blocksOfTwo counts the blocks of two or more members that b finds.
func blocksOfTwo(b *blocks) int {
	n := 0
	for k, e := range b.entries {
		if (k == 0 || b.entries[k-1].key != e.key) && len(b.block(e.key)) > 1 {
			n++
		}
	}
	return n
}

// TestRunIndex: the run index finds every key's run of two or more
// entries, and no run for a key of one entry or none, whatever the keys share (runs of thousands, a bucket
// holding most entries, the top and bottom keys).
func TestRunIndex(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	sets := map[string]func() uint64{
		"random":       rnd.Uint64,
		"one big run":  func() uint64 { return 0x8000000000000000 | uint64(rnd.IntN(4)) },
		"ends of keys": func() uint64 { return []uint64{0, 1, math.MaxUint64 - 1, math.MaxUint64}[rnd.IntN(4)] },
	}
	for name, key := range sets {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{0, 1, 5, 10_000} {
				entries := make([]entry, n)
				for i := range entries {
					entries[i] = entry{key: key(), idx: int32(i)}
				}
				entries, _ = sortEntries(entries, nil)
				want := map[uint64]int{}
				for _, e := range entries {
					want[e.key]++
				}
				x := newRunIndex(entries, runIndex{dir: make([]int32, 3), keys: make([]uint64, 1)})
				for k, count := range want {
					if count == 1 {
						count = 0 // a key of one entry is no block
					}
					if r := x.run(entries, k); len(r) != count || count > 0 && r[0].key != k {
						t.Errorf("%d entries: key %x has a run of %d, want %d", n, k, len(r), count)
					}
				}
				for range 100 {
					if k := rnd.Uint64(); want[k] == 0 && len(x.run(entries, k)) != 0 {
						t.Errorf("%d entries: key %x, which none has, has a run", n, k)
					}
				}
			}
		})
	}
}
