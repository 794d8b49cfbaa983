package main

import (
	"testing"

	"github.com/maillage/maillage/dedup"
)

// TestEvaluate: gold {a,b,c} {d}; predicted {a,b} {c,d}: 2 predicted
// pairs, 1 right; 3 gold pairs, 1 found.
func TestEvaluate(t *testing.T) {
	ref := func(k string) dedup.Ref { return dedup.Ref{Source: "s", RecordKey: k} }
	gold := []goldRecord{{cluster: "G1", key: "a"}, {cluster: "G1", key: "b"}, {cluster: "G1", key: "c"}, {cluster: "G2", key: "d"}}
	set := &memberSet{cluster: map[dedup.Ref]string{}}
	for _, g := range gold {
		set.members = append(set.members, dedup.Member{Ref: ref(g.key)})
		set.cluster[ref(g.key)] = g.cluster
	}
	s := evaluate(gold, set, [][]dedup.Ref{{ref("a"), ref("b")}, {ref("c"), ref("d")}}, nil)
	if s.predicted != 2 || s.correct != 1 || s.goldPairs != 3 || len(s.missed) != 2 || len(s.falsePairs) != 1 {
		t.Errorf("%+v", s)
	}
	if s.precision() != 0.5 || s.recall() != 1.0/3 {
		t.Errorf("precision %v recall %v", s.precision(), s.recall())
	}
}

// TestLenient: a merge of two clusters §6.2 lists counts in neither the
// right nor the wrong pairs of the sensitivity figure.
func TestLenient(t *testing.T) {
	ref := func(k string) dedup.Ref { return dedup.Ref{Source: "s", RecordKey: k} }
	gold := []goldRecord{{cluster: "D0001", key: "a"}, {cluster: "D0002", key: "b"}}
	set := &memberSet{cluster: map[dedup.Ref]string{ref("a"): "D0001", ref("b"): "D0002"}}
	s := evaluate(gold, set, [][]dedup.Ref{{ref("a"), ref("b")}}, map[[2]string]bool{{"D0002", "D0001"}: true})
	if s.lenient != 1 || len(s.falsePairs) != 0 || s.precision() != 0 || s.sensitivePrecision() != 0 {
		t.Errorf("%+v", s)
	}
}
