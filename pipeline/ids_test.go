package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// Three sources of Sorgues (84129). A and B list the same France services
// (a1, b1); a2 and b2 are two records C's c1 proves to be one place (it
// carries a2's name and address and b2's SIRET, phone and e-mail); a3 is
// touched by nothing.
const (
	header  = "id;nom;adresse;code_postal;commune;siret;telephone;courriels;date_maj\n"
	sourceA = header + "a1;France services Sorgues;2 rue du Portail Ouvert;84700;Sorgues;;;;2024-01-01\n" +
		"a2;Espace Jean Moulin;12 rue Ducrès;84700;Sorgues;;;;2024-01-01\n" +
		"a3;CCAS;41 avenue d'Orange;84700;Sorgues;;;;2024-01-01\n"
	sourceB = header + "b1;France Services de Sorgues;2 rue du Portail-Ouvert;84700;Sorgues;;;;2024-02-01\n" +
		"b2;Point numérique Arc-en-ciel;5 avenue de la Gare;84700;Sorgues;21840129700015;0490391010;arcenciel@sorgues.fr;2024-02-01\n"
	sourceC = header + "c1;Arc-en-ciel - Espace Jean Moulin;12 rue Ducrès;84700;Sorgues;21840129700015;04 90 39 10 10;arcenciel@sorgues.fr;2024-03-01\n"
)

// TestIDStability: run 1 with A and B; run 2 adds C, which bridges two
// lieux; run 3 removes B; run 4 repeats run 3. Untouched lieux keep their
// ids throughout; the merge keeps the oldest id and retires the other,
// which still resolves; run 4 changes nothing.
func TestIDStability(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"a.csv": sourceA, "b.csv": sourceB, "c.csv": sourceC} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := func(names ...string) *config.Config {
		cfg := &config.Config{Dir: dir}
		for _, n := range names {
			cfg.Sources = append(cfg.Sources, config.Source{Source: harvest.Source{Name: n, Kind: "file", Location: n + ".csv"}})
		}
		return cfg
	}
	st := openStore(t)
	p := newPipeline(st, src("a"))
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := func(cfg *config.Config) (map[string]string, *pipeline.Report) {
		t.Helper()
		clock = clock.Add(24 * time.Hour)
		p.Now = func() time.Time { return clock }
		rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return idsByRecord(t, st), rep.Report
	}

	ids1, _ := run(src("a", "b"))
	want(t, "run 1", ids1["a/a1"] == ids1["b/b1"] && ids1["a/a2"] != ids1["b/b2"] && len(distinct(ids1)) == 4, ids1)

	ids2, rep2 := run(src("a", "b", "c"))
	want(t, "run 2: c1 bridges a2 and b2", ids2["a/a2"] == ids2["b/b2"] && ids2["b/b2"] == ids2["c/c1"], ids2)
	want(t, "run 2: untouched lieux keep their ids", ids2["a/a1"] == ids1["a/a1"] && ids2["a/a3"] == ids1["a/a3"], ids2)
	survivor, retired := ids1["a/a2"], ids1["b/b2"]
	if retired < survivor { // both lieux were created in run 1: the smaller id is the older
		survivor, retired = retired, survivor
	}
	want(t, "run 2: the merge keeps the oldest id", ids2["c/c1"] == survivor && rep2.Lieux.Retired == 1, ids2)
	to, ok, err := st.Redirect(context.Background(), retired)
	want(t, "run 2: the retired id resolves", err == nil && ok && to == survivor, to)

	ids3, _ := run(src("a", "c"))
	want(t, "run 3: without B, lieux keep their ids", ids3["a/a1"] == ids1["a/a1"] && ids3["a/a2"] == survivor &&
		ids3["c/c1"] == survivor && ids3["a/a3"] == ids1["a/a3"] && len(ids3) == 4, ids3)
	to, ok, _ = st.Redirect(context.Background(), retired)
	want(t, "run 3: the retired id still resolves", ok && to == survivor, to)

	ids4, rep4 := run(src("a", "c"))
	want(t, "run 4 changes nothing", equalMaps(ids3, ids4) && rep4.Lieux.Created == 0 && rep4.Lieux.Updated == 0 &&
		rep4.Lieux.Deleted == 0 && rep4.Lieux.Retired == 0, rep4.Lieux)
}

func want(t *testing.T, what string, ok bool, got any) {
	t.Helper()
	if !ok {
		t.Errorf("%s: got %v", what, got)
	}
}

// idsByRecord maps "source/key" to the lieu each record feeds.
func idsByRecord(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := st.EachLink(context.Background(), func(l store.Link) error {
		out[l.Source+"/"+l.RecordKey] = l.LieuID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func distinct(m map[string]string) []string {
	set := map[string]bool{}
	for _, v := range m {
		set[v] = true
	}
	var out []string
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return strings.Join(distinct(a), ",") == strings.Join(distinct(b), ",")
}

// TestDecisionsWin: a « different » verdict survives re-harvests and
// stops the merge through a third record; a « same » verdict merges a
// pair the scorer would keep apart.
func TestDecisionsWin(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"a.csv": sourceA, "b.csv": sourceB, "c.csv": sourceC} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{Dir: dir}
	for _, n := range []string{"a", "b", "c"} {
		cfg.Sources = append(cfg.Sources, config.Source{Source: harvest.Source{Name: n, Kind: "file", Location: n + ".csv"}})
	}
	st := openStore(t)
	p := newPipeline(st, cfg)
	ctx := context.Background()
	sync := func() map[string]string {
		t.Helper()
		if _, err := p.Run(ctx, cfg, pipeline.Options{}); err != nil {
			t.Fatal(err)
		}
		return idsByRecord(t, st)
	}
	ids := sync()
	want(t, "without verdicts", ids["a/a2"] == ids["b/b2"] && ids["a/a3"] != ids["a/a1"], ids)
	ex, err := p.Explain(ctx, cfg, "a/a3", "a/a1")
	want(t, "explain: the scorer keeps CCAS and France services apart", err == nil && ex.Band == "distinct", ex.Band)
	if _, err := p.Decide(ctx, "a/a2", "b/b2", false, "test"); err != nil {
		t.Fatal(err)
	}
	lieuA1 := ids["a/a1"]
	if _, err := p.Decide(ctx, "a/a3", lieuA1, true, "test"); err != nil { // a lieu id stands for its members
		t.Fatal(err)
	}
	for run := range 2 { // the verdicts survive a re-harvest
		ids = sync()
		want(t, fmt.Sprintf("run %d: « different » holds through c1", run), ids["a/a2"] != ids["b/b2"], ids)
		want(t, fmt.Sprintf("run %d: « same » merges", run), ids["a/a3"] == ids["a/a1"] && ids["a/a1"] == ids["b/b1"], ids)
	}
	ex, err = p.Explain(ctx, cfg, "a/a3", "a/a1")
	want(t, "explain shows the verdict", err == nil && ex.Decided != nil && ex.Decided.Same, ex.Decided)
	if _, err := p.Decide(ctx, "a/a2", "nowhere/1", true, "test"); err == nil {
		t.Error("a verdict on an unknown record was accepted")
	}
}
