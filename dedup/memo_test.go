package dedup_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/internal/synth"
)

// TestMemoGivesTheFullResult: over rounds of edits of a synthetic corpus
// (records renamed, moved, given another's SIRET or a parent, removed,
// duplicated), a run carrying the memo gives exactly what a run from
// scratch gives, while scoring again only the members the edits reach.
func TestMemoGivesTheFullResult(t *testing.T) {
	members, _ := synth.Corpus(4000, 7)
	for i := range members {
		members[i].Version = "v0"
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	memo := &dedup.Memo{}
	decisions := []dedup.Decision{{A: members[0].Ref, B: members[1].Ref, Same: false}, {A: members[2].Ref, B: members[40].Ref, Same: true}}
	for round := range 5 {
		defer func() {
			if t.Failed() {
				t.Logf("failed at round %d", round)
			}
		}()
		if round > 0 {
			members = editMembers(rnd, members, round)
			members = scenario(members, round)
		}
		engine := dedup.NewEngineWith(members, dedup.Weights{}, memo)
		got := engine.Run(dedup.Existing{}, decisions)
		// from scratch with the weights the memo scored with (learned
		// from the population, kept while new estimates stay close)
		scratch := dedup.NewEngine(members, memo.Weights())
		want := scratch.Run(dedup.Existing{}, decisions)
		if !reflect.DeepEqual(summary(got), summary(want)) {
			t.Fatalf("round %d: the memo's result differs from a run from scratch", round)
		}
		if !reflect.DeepEqual(got.Review, want.Review) { // in the order pairs were taken
			t.Fatalf("round %d: the memo's review pairs come in another order", round)
		}
		switch {
		case round == 0 && memo.Scored() != len(members):
			t.Errorf("first run scored %d of %d members", memo.Scored(), len(members))
		case round > 0 && (memo.Scored() == 0 || memo.Scored() > len(members)/5):
			t.Errorf("round %d scored %d of %d members again", round, memo.Scored(), len(members))
		}
	}
}

// editMembers edits about 3 % of the members, removes 1 % and
// duplicates 1 % (the copy right after its original, under a new key).
func editMembers(rnd *rand.Rand, members []dedup.Member, round int) []dedup.Member {
	var out []dedup.Member
	for i, m := range members {
		l := *m.Lieu // edits go to the copy's own lieu
		m.Lieu = &l
		switch r := rnd.Float64(); {
		case r < 0.01:
			continue
		case r < 0.02:
			out = append(out, m)
			m.RecordKey += fmt.Sprintf("-copy%d", round)
		case r < 0.03:
			m.Lieu.Nom += " annexe"
		case r < 0.04:
			m.Lieu.Adresse = "12 rue de la Gare"
		case r < 0.045:
			m.Lieu.Pivot = members[max(i-1, 0)].Lieu.Pivot
		case r < 0.05:
			m.Lieu.StructureParente = members[max(i-1, 0)].Lieu.Nom
		default:
			out = append(out, m)
			continue
		}
		m.Version = fmt.Sprintf("v%d", round)
		out = append(out, m)
	}
	return out
}

// scenario makes edits that change the population around members it
// leaves alone. Round 1 adds two « Médiathèque » of one commune, without
// points, in two streets, from two sources: only their kind and name
// blocks bring them together. Round 2 adds a second site to the first
// one's source (the kind no longer tells a site there). Round 3 takes it
// back and adds a crowd of them under other sources (the blocks pass
// their size limit); round 4 takes the crowd back.
func scenario(members []dedup.Member, round int) []dedup.Member {
	lib := func(source, street string) dedup.Member {
		l := *members[0].Lieu
		l.Nom, l.Adresse, l.Latitude, l.Longitude, l.Pivot, l.Telephone, l.Courriels = "Médiathèque", street, nil, nil, "", "", nil
		return dedup.Member{Ref: dedup.Ref{Source: source, RecordKey: "lib"}, Lieu: &l, Version: "v1"}
	}
	drop := func(prefix string) {
		members = slices.DeleteFunc(members, func(m dedup.Member) bool { return strings.HasPrefix(m.Source, prefix) })
	}
	switch round {
	case 1:
		return append(members, lib("lib-a", "1 rue Alpha"), lib("lib-b", "2 rue Beta"))
	case 2:
		m := lib("lib-a", "3 rue Gamma")
		m.RecordKey = "lib-2"
		return append(members, m)
	case 3:
		members = slices.DeleteFunc(members, func(m dedup.Member) bool { return m.RecordKey == "lib-2" })
		for k := range 101 {
			members = append(members, lib(fmt.Sprintf("lib-crowd-%03d", k), fmt.Sprintf("%d rue Delta", k+10)))
		}
	case 4:
		drop("lib-crowd")
	}
	return members
}

// summary is a result in comparable form.
func summary(r dedup.Result) []string {
	var out []string
	for _, c := range r.Clusters {
		lieu, _ := json.Marshal(c.Lieu)
		out = append(out, fmt.Sprintf("%s %v %s %v", c.ID, c.Members, lieu, c.Provenance()))
	}
	for _, p := range r.Review {
		features, _ := json.Marshal(p.Features)
		out = append(out, fmt.Sprintf("review %v %v %.6f %s", p.A, p.B, p.Score, features))
	}
	slices.Sort(out)
	return append(out, fmt.Sprint("capped ", r.Capped))
}
