package synth_test

import (
	"reflect"
	"testing"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/internal/synth"
)

func TestCorpus(t *testing.T) {
	a, places := synth.Corpus(2000, 7)
	b, _ := synth.Corpus(2000, 7)
	c, _ := synth.Corpus(2000, 8)
	if len(a) < 2000 || len(a) > 2010 || !reflect.DeepEqual(a, b) {
		t.Fatalf("same size and seed must give the same corpus: %d records", len(a))
	}
	if reflect.DeepEqual(a, c) {
		t.Error("another seed gave the same corpus")
	}
	seen := map[dedup.Ref]bool{}
	multi := 0
	for _, p := range places {
		if len(p.Records) > 1 {
			multi++
		}
		for _, r := range p.Records {
			if seen[r] {
				t.Fatalf("%v in two places", r)
			}
			seen[r] = true
		}
	}
	if len(seen) != len(a) || multi*2 < len(places) {
		t.Errorf("%d records in places for %d; %d of %d places listed more than once", len(seen), len(a), multi, len(places))
	}
	for _, m := range a {
		if m.Lieu.Nom == "" || m.Lieu.CodePostal == "" || m.Lieu.CodeINSEE == "" {
			t.Fatalf("incomplete record %+v", m)
		}
	}
}
