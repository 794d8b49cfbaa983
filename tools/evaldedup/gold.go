package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// goldRecord is one row of the gold file.
type goldRecord struct {
	cluster, file, key, kind, name, address string
}

func readGold(path string) ([]goldRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []goldRecord
	for n, r := range rows[1:] {
		if len(r) < 6 {
			return nil, fmt.Errorf("%s: row %d: %d columns, want 8", path, n+2, len(r))
		}
		out = append(out, goldRecord{cluster: r[0], file: r[1], key: r[2], kind: r[3], name: r[4], address: r[5]})
	}
	return out, nil
}

// memberSet is the gold's records as the pipeline made them.
type memberSet struct {
	members     []dedup.Member
	cluster     map[dedup.Ref]string // gold cluster of each member
	gold        map[dedup.Ref]goldRecord
	goldRecords int
	files       int
	absent      []string // the gold records that could not take part, and why
}

// loadMembers converts every file the gold names and keeps its records.
func loadMembers(ctx context.Context, root string, gold []goldRecord, placer *pipeline.Placer) (*memberSet, error) {
	byFile := map[string][]goldRecord{}
	var files []string
	for _, g := range gold {
		if _, ok := byFile[g.file]; !ok {
			files = append(files, g.file)
		}
		byFile[g.file] = append(byFile[g.file], g)
	}
	h := harvest.New(harvest.Options{BaseDir: root})
	set := &memberSet{cluster: map[dedup.Ref]string{}, gold: map[dedup.Ref]goldRecord{}, goldRecords: len(gold), files: len(files)}
	cache := pipeline.MemoryCache{}
	for prio, file := range files {
		conv, err := pipeline.Convert(ctx, h, pipeline.ConvertOptions{Source: harvest.Source{Kind: "file", Location: file},
			Now: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Placer: placer, Cache: cache})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		set.add(file, prio, byFile[file], conv.Records)
	}
	return set, nil
}

func (s *memberSet) add(file string, prio int, gold []goldRecord, recs []store.SourceRecord) {
	for _, g := range gold {
		r := find(recs, g)
		switch {
		case r == nil:
			s.absent = append(s.absent, fmt.Sprintf("%s %s %s: not found", g.cluster, file, g.key))
			continue
		case r.Status == schema.StatusQuarantined || r.Lieu == nil:
			s.absent = append(s.absent, fmt.Sprintf("%s %s %s: quarantined (%s)", g.cluster, file, g.key, reasons(r.Issues)))
			continue
		}
		ref := dedup.Ref{Source: file, RecordKey: r.RecordKey}
		s.members = append(s.members, dedup.Member{Ref: ref, ProducerID: r.ProducerID, Lieu: r.Lieu, Priority: prio})
		s.cluster[ref], s.gold[ref] = g.cluster, g
	}
}

// find locates a gold record: by 0-based data-row index, or by the value
// of the id column the gold names.
func find(recs []store.SourceRecord, g goldRecord) *store.SourceRecord {
	if g.kind == "row_index" {
		n, err := strconv.Atoi(g.key)
		if err != nil {
			return nil
		}
		for i := range recs {
			if recs[i].Index == n {
				return &recs[i]
			}
		}
		return nil
	}
	for i := range recs {
		for _, f := range recs[i].Fields {
			if f.Name == g.kind && strings.TrimSpace(f.Value) == g.key {
				return &recs[i]
			}
		}
	}
	return nil
}

// scores are pairwise counts. Lenient counts the predicted pairs joining
// two gold clusters that LABELLING.md §6.2 lists as « kept apart despite
// a strong signal »: they are in predicted and not in correct; the
// sensitivity figures count them as neither right nor wrong.
type scores struct {
	predicted, correct, goldPairs, lenient int
	falsePairs, lenientPairs, missed       [][2]dedup.Ref
}

func (s scores) sensitivePrecision() float64 { return ratio(s.correct, s.predicted-s.lenient) }

func (s scores) precision() float64 { return ratio(s.correct, s.predicted) }
func (s scores) recall() float64    { return ratio(s.correct, s.goldPairs) }
func (s scores) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// evaluate compares predicted clusters with the gold: every pair inside a
// predicted cluster is right when the gold puts both in one cluster.
func evaluate(gold []goldRecord, set *memberSet, predicted [][]dedup.Ref, apart map[[2]string]bool) scores {
	var s scores
	size := map[string]int{}
	for _, g := range gold {
		size[g.cluster]++
	}
	for _, n := range size {
		s.goldPairs += n * (n - 1) / 2
	}
	together := map[[2]dedup.Ref]bool{}
	for _, c := range predicted {
		for x := range c {
			for _, b := range c[x+1:] {
				a := c[x]
				s.predicted++
				together[[2]dedup.Ref{a, b}], together[[2]dedup.Ref{b, a}] = true, true
				switch ca, cb := set.cluster[a], set.cluster[b]; {
				case ca == cb:
					s.correct++
				case apart[[2]string{ca, cb}] || apart[[2]string{cb, ca}]:
					s.lenient++
					s.lenientPairs = append(s.lenientPairs, [2]dedup.Ref{a, b})
				default:
					s.falsePairs = append(s.falsePairs, [2]dedup.Ref{a, b})
				}
			}
		}
	}
	for x, a := range set.members {
		for _, b := range set.members[x+1:] {
			if set.cluster[a.Ref] == set.cluster[b.Ref] && !together[[2]dedup.Ref{a.Ref, b.Ref}] {
				s.missed = append(s.missed, [2]dedup.Ref{a.Ref, b.Ref})
			}
		}
	}
	return s
}

// list prints the false and missed pairs with the scorer's explanation.
func (s scores) list(w io.Writer, set *memberSet, weights dedup.Weights) {
	engine := dedup.NewEngine(set.members, weights)
	byRef := map[dedup.Ref]dedup.Member{}
	for _, m := range set.members {
		byRef[m.Ref] = m
	}
	for _, part := range []struct {
		title string
		pairs [][2]dedup.Ref
	}{{"FALSE", s.falsePairs}, {"FALSE §6.2", s.lenientPairs}, {"MISSED", s.missed}} {
		sort.Slice(part.pairs, func(i, j int) bool { return set.cluster[part.pairs[i][0]] < set.cluster[part.pairs[j][0]] })
		for _, p := range part.pairs {
			a, b := byRef[p[0]], byRef[p[1]]
			ex, _ := engine.Explain(a.Ref, b.Ref)
			fmt.Fprintf(w, "\n%s %.3f  %s %q %q | %s %q %q\n", part.title, ex.Score, set.cluster[p[0]], a.Lieu.Nom, a.Lieu.Adresse,
				set.cluster[p[1]], b.Lieu.Nom, b.Lieu.Adresse)
			for _, c := range ex.Features {
				fmt.Fprintf(w, "    %-10s %+.2f  %s\n", c.Feature, c.Weight, c.Detail)
			}
		}
	}
}

// splits prints the gold clusters the engine split, member by member with
// the predicted cluster each went to.
func splits(w io.Writer, set *memberSet, predicted [][]dedup.Ref) {
	comp := map[dedup.Ref]int{}
	for i, c := range predicted {
		for _, r := range c {
			comp[r] = i
		}
	}
	byCluster := map[string][]dedup.Member{}
	var order []string
	for _, m := range set.members {
		c := set.cluster[m.Ref]
		if _, ok := byCluster[c]; !ok {
			order = append(order, c)
		}
		byCluster[c] = append(byCluster[c], m)
	}
	sort.Strings(order)
	for _, c := range order {
		ms := byCluster[c]
		parts := map[int]bool{}
		for _, m := range ms {
			parts[comp[m.Ref]] = true
		}
		if len(parts) < 2 {
			continue
		}
		fmt.Fprintf(w, "\nSPLIT %s into %d (%d pairs)\n", c, len(parts), len(ms)*(len(ms)-1)/2)
		for _, m := range ms {
			fmt.Fprintf(w, "   [%4d] %-45.45s | %-45.45s | %s %s\n", comp[m.Ref], m.Lieu.Nom, m.Lieu.Adresse, m.Lieu.CodeINSEE, m.Source[len(m.Source)-20:])
		}
	}
}

// lenientPairs reads the cluster pairs of LABELLING.md's §6.2 table (rows
// « | D0014 | D0022 | kind | what | »); none when the file is absent.
// clusterID is how the gold names a cluster: a set's letter and a
// number (D0014 in the Vaucluse set, H0009 in Alpes-de-Haute-Provence
// and Hautes-Alpes).
var clusterID = regexp.MustCompile(`^[A-Z]+[0-9]+$`)

func lenientPairs(path string) (map[[2]string]bool, error) {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[[2]string]bool{}
	_, section, ok := strings.Cut(string(raw), "### 6.2")
	if !ok {
		return out, nil
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) > 3 {
			a, b := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
			if clusterID.MatchString(a) && clusterID.MatchString(b) {
				out[[2]string{a, b}] = true
			}
		}
	}
	return out, nil
}

// showCluster prints the normalised records of one gold cluster, one JSON
// object per line, to read what the engine compares.
func showCluster(w io.Writer, set *memberSet, cluster string) error {
	enc := json.NewEncoder(w)
	n := 0
	for _, m := range set.members {
		if set.cluster[m.Ref] != cluster {
			continue
		}
		n++
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("evaldedup: %w", err)
		}
	}
	if n == 0 {
		return fmt.Errorf("evaldedup: no record of the gold is in cluster %q", cluster)
	}
	return nil
}

func reasons(issues []schema.Issue) string {
	var out []string
	for _, i := range issues {
		if i.Level == schema.LevelError {
			out = append(out, i.Field+": "+i.Message)
		}
	}
	return strings.Join(out, "; ")
}
