package main

import (
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/maillage/maillage/dedup"
)

// keyCounts are, for one weight key, the pairs of one commune it
// contributed to, among the gold's same-place and different-place pairs.
type keyCounts struct{ same, other int }

// likelihoodRatios explains every pair of gold records of one commune
// and estimates, for each weight key, the log-likelihood ratio of its
// firing between same-place and different-place pairs (add-one
// smoothing): what the labelled set says each weight should be, in the
// scorer's log-odds.
func likelihoodRatios(w io.Writer, set *memberSet) error {
	e := dedup.NewEngine(set.members, dedup.DefaultWeights())
	counts := map[string]*keyCounts{}
	same, other := 0, 0
	for i, a := range set.members {
		for _, b := range set.members[i+1:] {
			if a.Lieu.CodeINSEE == "" || a.Lieu.CodeINSEE != b.Lieu.CodeINSEE {
				continue
			}
			pair, err := e.Explain(a.Ref, b.Ref)
			if err != nil {
				return err
			}
			isSame := set.cluster[a.Ref] == set.cluster[b.Ref]
			if isSame {
				same++
			} else {
				other++
			}
			seen := map[string]bool{}
			for _, c := range pair.Features {
				k := c.Key
				if k == "distance" || k == "name" {
					k = fmt.Sprintf("%s %+.1f", k, c.Weight) // a step of the curve
				}
				if seen[k] {
					continue
				}
				seen[k] = true
				if counts[k] == nil {
					counts[k] = &keyCounts{}
				}
				if isSame {
					counts[k].same++
				} else {
					counts[k].other++
				}
			}
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "| weight key | same-place pairs (of %d) | other pairs (of %d) | log-likelihood ratio |\n|---|---|---|---|\n", same, other)
	for _, k := range keys {
		c := counts[k]
		llr := math.Log((float64(c.same) + 1) / float64(same+2) / ((float64(c.other) + 1) / float64(other+2)))
		fmt.Fprintf(w, "| %s | %d | %d | %+.2f |\n", k, c.same, c.other, llr)
	}
	return nil
}
