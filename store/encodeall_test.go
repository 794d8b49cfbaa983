package store

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/maillage/maillage/schema"
)

func TestWriteOrder(t *testing.T) {
	keys := [][2]string{{"b", "1"}, {"a", "2"}, {"b", "0"}, {"a", "2"}, {"a", "1"}}
	got := WriteOrder(len(keys), func(i int) (string, string) { return keys[i][0], keys[i][1] })
	if want := []int{4, 1, 3, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("WriteOrder = %v, want %v (by key, ties in index order)", got, want)
	}
}

func TestLieuEncoder(t *testing.T) {
	n := 2*encodeChunk + 17 // three chunks, the last one short
	lieux := make([]PublishedLieu, n)
	for i := range lieux {
		lieux[i] = PublishedLieu{Lieu: schema.Lieu{ID: fmt.Sprintf("l%05d", i), Nom: "Lieu"}}
		lieux[i].Kept = i%7 == 0
	}
	order := make([]int, n)
	for i := range order {
		order[i] = n - 1 - i
	}
	t.Run("every lieu in the order asked", func(t *testing.T) {
		enc := EncodeLieuxInOrder(lieux, order)
		defer enc.Close()
		var seen []int
		for enc.Next() {
			i, e := enc.Lieu()
			seen = append(seen, i)
			if lieux[i].Kept != (e == nil) {
				t.Fatalf("lieu %d: kept %v, encoding %v", i, lieux[i].Kept, e)
			}
			if e != nil && (e.ID != lieux[i].Lieu.ID || e.Hash == "") {
				t.Fatalf("lieu %d: encoded as %s, hash %q", i, e.ID, e.Hash)
			}
		}
		if err := enc.Err(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(seen, order) {
			t.Errorf("%d lieux given, not in the order asked", len(seen))
		}
	})
	t.Run("an encoding error ends the sequence", func(t *testing.T) {
		bad := slices.Clone(lieux)
		nan := math.NaN()
		bad[encodeChunk+3].Kept, bad[encodeChunk+3].Lieu.Latitude = false, &nan // JSON has no NaN
		enc := EncodeLieuxInOrder(bad, order)
		defer enc.Close()
		count := 0
		for enc.Next() {
			count++
		}
		if enc.Err() == nil || count > n-encodeChunk-3 {
			t.Errorf("after %d lieux: error %v, want the bad lieu's, before it", count, enc.Err())
		}
	})
	t.Run("closed early", func(t *testing.T) {
		enc := EncodeLieuxInOrder(lieux, order)
		enc.Next()
		enc.Close()
		enc.Close() // twice is harmless
	})
}
