package dedup

import (
	"fmt"
	"math"
	"testing"

	"github.com/maillage/maillage/schema"
)

// TestLearnedWeights: on a population whose duplicates always share
// their phone and whose neighbours never do, EM raises same_phone above
// its default; every learned weight stays within emBound of its default,
// on the emStep grid; and learning twice gives the same weights.
func TestLearnedWeights(t *testing.T) {
	var members []Member
	for i := range 150 {
		lat, lon := 43.90+float64(i%15)*0.002, 4.80+float64(i/15)*0.002
		for copy := range 2 {
			l := &schema.Lieu{Nom: fmt.Sprintf("Espace numérique %c%c", 'A'+i%26, 'a'+i/26), Adresse: fmt.Sprintf("%d rue des Lilas", 1+i),
				CodePostal: "84000", CodeINSEE: "84007", Telephone: fmt.Sprintf("04900%05d", i)}
			if copy == 1 {
				l.Adresse = fmt.Sprintf("%d rue des lilas", 1+i)
			}
			la, lo := lat+float64(copy)*0.0001, lon
			l.Latitude, l.Longitude = &la, &lo
			members = append(members, Member{Ref: Ref{Source: fmt.Sprint("s", copy), RecordKey: fmt.Sprint(i)}, Lieu: l})
		}
	}
	w := DefaultWeights()
	w.Learn = true
	learn := func() Weights {
		e := NewEngine(members, w)
		e.learn(newBlocks(e.ps, nil, nil))
		return e.s.w
	}
	got := learn()
	if got.SamePhone <= w.SamePhone {
		t.Errorf("same_phone learned %.2f, not above its default %.2f", got.SamePhone, w.SamePhone)
	}
	for _, comp := range comparisons(w) {
		for l := 1; l < comp.levels; l++ {
			def, v := defaultLevelWeight(w, comp, l), defaultLevelWeight(got, comp, l)
			if math.Abs(v-def) > emBound+1e-9 || math.Abs(v/emStep-math.Round(v/emStep)) > 1e-9 {
				t.Errorf("%s level %d: learned %.3f from %.2f: off the bounds or the grid", comp.row.name, l, v, def)
			}
		}
	}
	if again := learn(); learnedDrift(got, again) != 0 {
		t.Errorf("learning twice gives other weights (drift %.2f)", learnedDrift(got, again))
	}
}
