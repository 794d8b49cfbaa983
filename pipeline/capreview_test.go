package pipeline_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
)

// TestReviewCappedByTerritory: of the review pairs, best first, each
// département keeps at most the cap; the others are counted, and a pair
// whose record has no territory counts under "".
func TestReviewCappedByTerritory(t *testing.T) {
	var members []dedup.Member
	var pairs []dedup.Pair
	for i, dep := range []string{"05", "05", "05", "13", ""} {
		a, b := dedup.Ref{Source: "s", RecordKey: fmt.Sprint(i, "a")}, dedup.Ref{Source: "s", RecordKey: fmt.Sprint(i, "b")}
		m := dedup.Member{Ref: a, Lieu: &schema.Lieu{}}
		if dep != "" {
			m.Lieu.Territoire = &schema.Territoire{Departement: dep}
		}
		members = append(members, m, dedup.Member{Ref: b, Lieu: &schema.Lieu{}})
		pairs = append(pairs, dedup.Pair{A: a, B: b, Score: 0.8 - float64(i)/100})
	}
	kept, counts, over := pipeline.CapReview(pairs, members, 2)
	if len(kept) != 4 || over != 1 || !reflect.DeepEqual(counts, map[string]int{"05": 2, "13": 1, "": 1}) || kept[2].A != pairs[3].A {
		t.Errorf("kept %v, counts %v, over %d", kept, counts, over)
	}
	if kept, _, over := pipeline.CapReview(pairs, members, 0); len(kept) != 5 || over != 0 {
		t.Errorf("no cap: kept %d, over %d", len(kept), over)
	}
}

// TestRunTimings: a run's report says the seconds each stage took: each
// source's harvest stages, summed over the sources, and the
// publication's dedup and saving.
func TestRunTimings(t *testing.T) {
	cfg := oneSourceConfig(t)
	res, err := newPipeline(openStore(t), cfg).Run(t.Context(), cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{pipeline.StageFetch, pipeline.StageDecode, pipeline.StageNormalise, pipeline.StageStore, "dedup", "saving"} {
		if v, ok := res.Timings[stage]; !ok || v < 0 {
			t.Errorf("%s: %v %v in %v", stage, v, ok, res.Timings)
		}
	}
	if src := res.Sources[0].Timings; src[pipeline.StageDecode] != res.Timings[pipeline.StageDecode] {
		t.Errorf("the source's timings %v, the run's %v", src, res.Timings)
	}
}
