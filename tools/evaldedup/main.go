// Command evaldedup measures deduplication on labelled sets: for each,
// it runs the files the gold names through the whole pipeline
// (normalise, geolocate, dedup), keeps the gold's records, and prints
// pairwise precision, recall and F1 of maillage (at merge_at and at
// merge_at ± 0.05) and of a baseline reproducing the national
// cartography's rule; the tables go to docs/QUALITY.md.
//
//	go run ./tools/evaldedup -gold ../shared/eval/dedup/dev-84.gold.csv,../shared/eval/dedup/dev-04-05.gold.csv
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/internal/corpus"
	"github.com/maillage/maillage/pipeline"
)

// options are the command's flags.
type options struct {
	ref, out, geocoder, show, drop string
	golds                          []string
	verbose, llr, fit              bool
	weights                        dedup.Weights
}

func main() {
	var o options
	flag.StringVar(&o.ref, "ref", "../shared/reference", "reference corpus directory")
	gold := flag.String("gold", "../shared/eval/dedup/dev-84.gold.csv", "gold clusters (LABELLING.md's format), several separated by commas")
	flag.StringVar(&o.out, "o", "docs/QUALITY.md", `markdown report whose "eval-dedup" section to write ("" for none)`)
	flag.StringVar(&o.geocoder, "geocoder", "fake", `geocoder base URL, "fake" (the offline fake of geo/geocodertest) or "off"`)
	flag.BoolVar(&o.verbose, "v", false, "list the false and missed pairs")
	flag.StringVar(&o.show, "show", "", "print the normalised records of this gold cluster (e.g. D0239) as JSON lines, and stop")
	flag.StringVar(&o.drop, "drop", "", "leave out the gold's records of the files whose path contains this text (LABELLING: the other pairs stay valid)")
	weights := flag.String("weights", "", "a JSON file of weights overriding the defaults (data/weights.json's keys)")
	flag.BoolVar(&o.fit, "fit", false, "fit the weights to the set (a logistic regression pulled towards the defaults, fit.go), print them as JSON for -weights, and stop")
	flag.BoolVar(&o.llr, "llr", false, "print, for each weight key, the log-likelihood ratio the labelled set gives it over the pairs of one commune, and stop")
	flag.Parse()
	o.golds = strings.Split(*gold, ",")
	var err error
	if o.weights, err = loadWeights(*weights); err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evaldedup:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	placer, used, stop := corpus.NewPlacer(o.geocoder)
	defer stop()
	var b strings.Builder
	var fitSets []*memberSet
	var sets []labelled
	b.WriteString(intro(used, o.weights))
	for _, path := range o.golds {
		set, gold, err := loadSet(o, path, placer)
		if err != nil {
			return err
		}
		switch {
		case o.show != "":
			return showCluster(os.Stdout, set, o.show)
		case o.llr:
			return likelihoodRatios(os.Stdout, set)
		case o.fit:
			fitSets = append(fitSets, set)
			continue
		}
		section, err := measure(o, path, set, gold)
		if err != nil {
			return err
		}
		b.WriteString(section)
		sets = append(sets, labelled{path, set, gold})
	}
	if o.fit {
		return fitWeights(os.Stdout, fitSets, o.weights)
	}
	if len(sets) > 1 {
		cross, err := crossTable(sets, o.weights)
		if err != nil {
			return err
		}
		b.WriteString(cross)
	}
	fmt.Print(b.String())
	if o.out == "" {
		return nil
	}
	return corpus.WriteSection(o.out, "eval-dedup", b.String())
}

// loadSet reads one labelled set and converts the files it names.
func loadSet(o options, path string, placer *pipeline.Placer) (*memberSet, []goldRecord, error) {
	gold, err := readGold(path)
	if err != nil {
		return nil, nil, err
	}
	if o.drop != "" {
		gold = slices.DeleteFunc(gold, func(g goldRecord) bool { return strings.Contains(g.file, o.drop) })
	}
	set, err := loadMembers(context.Background(), o.ref, gold, placer)
	return set, gold, err
}

// measure runs the engine on one set at merge_at and merge_at ± 0.05,
// and the baseline, and returns the set's table.
func measure(o options, path string, set *memberSet, gold []goldRecord) (string, error) {
	apart, err := lenientPairs(filepath.Join(filepath.Dir(path), "LABELLING.md"))
	if err != nil {
		return "", err
	}
	var rows []row
	var review int
	var elapsed time.Duration
	for _, delta := range []float64{0, -0.05, 0.05} {
		w := o.weights
		w.MergeAt += delta
		start := time.Now()
		res := dedup.Run(dedup.Input{Members: set.members, Weights: w})
		took := time.Since(start)
		s := evaluate(gold, set, clusterRefs(res.Clusters), apart)
		rows = append(rows, row{fmt.Sprintf("maillage, merge_at %.2f", w.MergeAt), s})
		if delta != 0 {
			continue
		}
		review, elapsed = len(res.Review), took
		if o.verbose {
			s.list(os.Stdout, set, w)
			splits(os.Stdout, set, clusterRefs(res.Clusters))
			for _, a := range set.absent {
				fmt.Println("ABSENT", a)
			}
		}
	}
	if !o.weights.Learn {
		w := o.weights
		w.Learn = true
		res := dedup.Run(dedup.Input{Members: set.members, Weights: w})
		rows = append(rows, row{fmt.Sprintf("maillage, weights learned by EM (`learn: true`), merge_at %.2f", w.MergeAt),
			evaluate(gold, set, clusterRefs(res.Clusters), apart)})
	}
	rows = append(rows, row{"baseline: national cartography's rule (mean of fuzzy name, fuzzy address, distance > 83 within one commune)",
		evaluate(gold, set, dedup.Baseline(set.members), apart)})
	return table(path, set, rows, review, elapsed), nil
}

// labelled is one labelled set, converted.
type labelled struct {
	path string
	set  *memberSet
	gold []goldRecord
}

// crossTable fits the weights on each set (fit.go) and measures them on
// every other: what one territory teaches, on another.
func crossTable(sets []labelled, base dedup.Weights) (string, error) {
	var b strings.Builder
	b.WriteString("\n### Weights fitted on one set, measured on the other\n\n" +
		"The weights fitted to a set's compared pairs (`-fit`: a logistic regression over the contributions, pulled towards the defaults), " +
		"and the `merge_at` at which they cluster that set best at a precision of " + fmt.Sprint(calibratedPrecision) +
		" (calibrate), used on the other set.\n\n" +
		"| fitted on | `merge_at` | measured on | predicted pairs | correct | precision | recall | F1 |\n|---|---|---|---|---|---|---|---|\n")
	for _, train := range sets {
		w, err := fittedWeights([]*memberSet{train.set}, base)
		if err != nil {
			return "", err
		}
		if w.MergeAt, err = calibrate(train, w); err != nil {
			return "", err
		}
		for _, test := range sets {
			apart, err := lenientPairs(filepath.Join(filepath.Dir(test.path), "LABELLING.md"))
			if err != nil {
				return "", err
			}
			res := dedup.Run(dedup.Input{Members: test.set.members, Weights: w})
			s := evaluate(test.gold, test.set, clusterRefs(res.Clusters), apart)
			fmt.Fprintf(&b, "| `%s` | %.2f | `%s` | %d | %d | %.4f | %.4f | %.4f |\n", filepath.Base(train.path), w.MergeAt, filepath.Base(test.path),
				s.predicted, s.correct, s.precision(), s.recall(), s.f1())
		}
	}
	return b.String(), nil
}

// calibratedPrecision is the precision calibrate asks of the training
// set's clusters.
const calibratedPrecision = 0.98

// calibrate returns the merge_at, from 0.80 to 0.99, at which weights w
// cluster the training set with the best F1 among those reaching
// calibratedPrecision (the most precise one when none does): the
// threshold is part of what a set teaches.
func calibrate(train labelled, w dedup.Weights) (float64, error) {
	apart, err := lenientPairs(filepath.Join(filepath.Dir(train.path), "LABELLING.md"))
	if err != nil {
		return 0, err
	}
	best, bestF1, bestP := w.MergeAt, -1.0, -1.0
	for t := 80; t <= 99; t++ {
		w.MergeAt = float64(t) / 100
		res := dedup.Run(dedup.Input{Members: train.set.members, Weights: w})
		s := evaluate(train.gold, train.set, clusterRefs(res.Clusters), apart)
		p, f := s.precision(), s.f1()
		switch {
		case p >= calibratedPrecision && f > bestF1:
			best, bestF1 = w.MergeAt, f
		case bestF1 < 0 && p > bestP:
			best, bestP = w.MergeAt, p
		}
	}
	return best, nil
}

// row is one engine's figures on a set.
type row struct {
	name string
	s    scores
}

func intro(geocoder string, w dedup.Weights) string {
	return fmt.Sprintf("## Deduplication\n\nGenerated by `make eval-dedup` (`go run ./tools/evaldedup`): each labelled set's records run "+
		"through the whole pipeline (normalise, geolocate with %s, dedup with the default weights, `merge_at` %.2f), then pairwise "+
		"precision and recall against the gold's pairs, at `merge_at` and 0.05 either side. Pairs the set's LABELLING.md lists in §6.2 "+
		"(« kept apart despite a strong signal ») count as wrong in *precision* and as neither right nor wrong in the last column.\n",
		geocoder, w.MergeAt)
}

func table(path string, set *memberSet, rows []row, review int, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### `%s`\n\n%d records (%d files), %d gold pairs; %d gold records could not take part (quarantined by the pipeline or not found): "+
		"their pairs count as missed.\n\n", path, set.goldRecords, set.files, rows[0].s.goldPairs, set.goldRecords-len(set.members))
	b.WriteString("| engine | predicted pairs | correct | precision | recall | F1 | precision, §6.2 pairs neither right nor wrong |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %d | %.4f | %.4f | %.4f | %.4f (%d such pairs) |\n", r.name, r.s.predicted, r.s.correct, r.s.precision(),
			r.s.recall(), r.s.f1(), r.s.sensitivePrecision(), r.s.lenient)
	}
	fmt.Fprintf(&b, "\nmaillage left %d pairs for review (between `review_at` and `merge_at`); dedup of the %d records took %s.\n",
		review, len(set.members), elapsed.Round(time.Millisecond))
	return b.String()
}

// loadWeights reads weights over the defaults; "" is the defaults.
func loadWeights(path string) (dedup.Weights, error) {
	w := dedup.DefaultWeights()
	if path == "" {
		return w, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return w, fmt.Errorf("reading weights: %w", err)
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return w, fmt.Errorf("weights %s: %w", path, err)
	}
	return w, nil
}

func clusterRefs(cs []dedup.Cluster) [][]dedup.Ref {
	out := make([][]dedup.Ref, len(cs))
	for i, c := range cs {
		out[i] = c.Members
	}
	return out
}
