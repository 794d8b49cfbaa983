package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
)

// TestRecordCacheFollowsTheStore: over rounds of harvests that add,
// remove, move, edit and keep records of three sources, the cache's
// current records are the store's, in the store's order.
func TestRecordCacheFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rnd := rand.New(rand.NewPCG(3, 8))
	sources := map[string][]string{"a": nil, "b": nil, "c": nil} // names by position
	var c recordCache
	at := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for round := range 12 {
		for source, names := range sources {
			names = editNames(rnd, names, round)
			sources[source] = names
			recs := make([]store.SourceRecord, len(names))
			for i, n := range names {
				fields := []harvest.Field{{Name: "nom", Value: n}}
				recs[i] = store.SourceRecord{Source: source, RecordKey: "k-" + n[:3], Index: i, Fields: fields,
					Hash: harvest.Record{Fields: fields}.Hash(), Status: schema.StatusValid, Lieu: &schema.Lieu{Nom: n}}
			}
			if _, err := st.ReplaceSourceRecords(ctx, source, recs, at.Add(time.Duration(round)*time.Hour), nil); err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := c.active(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.ActiveRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := summarise(got), summarise(want); !slices.Equal(g, w) {
			t.Fatalf("round %d: the cache has\n%v\nthe store\n%v", round, g, w)
		}
	}
}

// editNames removes, moves, renames and adds names (a name's first three
// letters are its record's key, so a rename keeps the record).
func editNames(rnd *rand.Rand, names []string, round int) []string {
	var out []string
	for _, n := range names {
		switch r := rnd.Float64(); {
		case r < 0.1: // removed
		case r < 0.2:
			out = append(out, fmt.Sprintf("%s v%d", n[:3], round))
		default:
			out = append(out, n)
		}
	}
	if len(out) > 2 && round%3 == 1 {
		out[0], out[len(out)-1] = out[len(out)-1], out[0] // moved
	}
	for range rnd.IntN(6) {
		out = slices.Insert(out, rnd.IntN(len(out)+1), fmt.Sprintf("%03d", rnd.IntN(1000)))
	}
	seen := map[string]bool{}
	return slices.DeleteFunc(out, func(n string) bool { dup := seen[n[:3]]; seen[n[:3]] = true; return dup })
}

func summarise(recs []store.SourceRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = fmt.Sprintf("%s/%s@%d %s", r.Source, r.RecordKey, r.Index, r.Lieu.Nom)
	}
	return out
}

// TestMirroredIssues: the mirror keeps warnings and errors whole and of a
// fix what the report counts (field, rule, level), keeps equal lists of
// fixes once, and a list it shares does not change when one record's
// issues grow.
func TestMirroredIssues(t *testing.T) {
	fix := func(field, rule, value string) schema.Issue {
		return schema.Issue{Field: field, Column: "col " + field, Rule: rule, Value: value, Fixed: value + "!", Message: "fixed " + value, Level: schema.LevelFix}
	}
	warning := schema.Issue{Field: "horaires", Column: "Horaires", Rule: "hours-unread", Value: "le matin", Message: "not read", Level: schema.LevelWarning}
	var c recordCache
	a := c.mirroredIssues([]schema.Issue{fix("nom", "trim", "  A"), fix("telephone", "phone-format", "0102")})
	b := c.mirroredIssues([]schema.Issue{fix("nom", "trim", "  B"), fix("telephone", "phone-format", "0304")})
	mixed := c.mirroredIssues([]schema.Issue{fix("nom", "trim", "  C"), warning})
	want := []schema.Issue{{Field: "nom", Rule: "trim", Level: schema.LevelFix}, {Field: "telephone", Rule: "phone-format", Level: schema.LevelFix}}
	if !slices.Equal(a, want) || !slices.Equal(b, want) {
		t.Fatalf("fixes kept as\n%v\n%v\nwant %v", a, b, want)
	}
	if &a[0] != &b[0] {
		t.Error("two equal lists of fixes are kept twice")
	}
	if !slices.Equal(mixed, []schema.Issue{{Field: "nom", Rule: "trim", Level: schema.LevelFix}, warning}) {
		t.Errorf("a list with a warning kept as %v", mixed)
	}
	grown := append(a, warning)
	if len(b) != 2 || &grown[0] == &b[0] {
		t.Error("appending to a shared list changed the other records' issues")
	}
	if got := c.mirroredIssues(nil); got == nil || len(got) != 0 {
		t.Errorf("no issue kept as %#v, want an empty slice", got)
	}
	fixes, warnings, reasons := map[string]int{}, map[string]int{}, map[string]int{}
	tally(mixed, fixes, warnings, reasons)
	if fixes["trim"] != 1 || warnings["hours-unread"] != 1 {
		t.Errorf("the report counts %v fixes, %v warnings", fixes, warnings)
	}
}
