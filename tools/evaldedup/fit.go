package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/geo"
)

// Fitting the scorer's weights to a labelled set: a logistic regression
// over the pairs the engine compares (records of one commune, or placed
// within fitRadius), whose inputs are the contributions the default
// weights give (an indicator per weight key and per distance step; the
// name's curve scaled, its positive and negative sides apart), pulled
// towards the defaults (L2, fitPull). The domain rules that read the sum
// stay as they are: guard_cap as it held the pair, and a pair whose
// conflicting addresses single_site_conflict bounds gets that bound in
// place of the conflict's weights, as scoring with any weights does. The fitted weights,
// in the scorer's log-odds, are what `-weights` reads: fitted on one set,
// measured on the other, they say how far what a territory teaches holds
// on another.

const (
	fitRadius = 5000 // metres
	fitPull   = 2.0
	fitSteps  = 3000
	fitRate   = 0.5
)

// fitInput names one input of the regression.
type fitInput struct {
	key  string  // weight key (or "name+", "name-", "distance N")
	init float64 // the default weight (1 for the name's scales)
}

// fitWeights fits the weights to the sets' pairs and writes them as JSON.
func fitWeights(w io.Writer, sets []*memberSet, base dedup.Weights) error {
	fit, err := fitOn(sets, base)
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(fit)
}

// fittedWeights are the weights fitted to the sets, over base.
func fittedWeights(sets []*memberSet, base dedup.Weights) (dedup.Weights, error) {
	fit, err := fitOn(sets, base)
	if err != nil {
		return base, err
	}
	raw, err := json.Marshal(fit)
	if err != nil {
		return base, err
	}
	w := base
	w.Name, w.Distance = nil, nil
	err = json.Unmarshal(raw, &w)
	return w, err
}

// fitOn runs the regression and returns the fitted weight keys.
func fitOn(sets []*memberSet, base dedup.Weights) (map[string]any, error) {
	var inputs []fitInput
	index := map[string]int{}
	input := func(key string, init float64) int {
		if i, ok := index[key]; ok {
			return i
		}
		index[key] = len(inputs)
		inputs = append(inputs, fitInput{key, init})
		return len(inputs) - 1
	}
	type sample struct {
		x    map[int]float64
		fix  float64 // what the fit leaves as is
		same bool
	}
	var samples []sample
	for _, set := range sets {
		e := dedup.NewEngine(set.members, base)
		for i, a := range set.members {
			for _, b := range set.members[i+1:] {
				if !compared(a, b) {
					continue
				}
				pair, err := e.Explain(a.Ref, b.Ref)
				if err != nil {
					return nil, err
				}
				s := sample{x: map[int]float64{}, same: set.cluster[a.Ref] == set.cluster[b.Ref]}
				bounded := slices.ContainsFunc(pair.Features, func(c dedup.Contribution) bool { return c.Key == "single_site_conflict" })
				for _, c := range pair.Features {
					switch {
					case c.Key == "prior":
					case bounded && c.Key == "single_site_conflict":
						s.fix += base.SingleSiteConflict // what the conflicts come to, whatever their weights
					case bounded && c.Weight < 0 && (c.Feature == "address" || c.Feature == "distance"):
						// bounded: the conflict's weights do not reach the score
					case c.Key == "guard_cap":
						s.fix += c.Weight
					case c.Key == "name" && c.Weight >= 0:
						s.x[input("name+", 1)] += c.Weight
					case c.Key == "name":
						s.x[input("name-", 1)] += c.Weight
					case c.Key == "distance":
						s.x[input(fmt.Sprintf("distance %g", c.Weight), c.Weight)] = 1
					case c.Weight != 0:
						s.x[input(c.Key, c.Weight)] += 1
					}
				}
				samples = append(samples, s)
			}
		}
	}
	beta := make([]float64, len(inputs))
	for i, in := range inputs {
		beta[i] = in.init
	}
	prior := base.Prior
	n := float64(len(samples))
	for range fitSteps {
		grad := make([]float64, len(beta))
		gp := 0.0
		for _, s := range samples {
			z := prior + s.fix
			for i, v := range s.x {
				z += beta[i] * v
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if s.same {
				y = 1
			}
			gp += p - y
			for i, v := range s.x {
				grad[i] += (p - y) * v
			}
		}
		prior -= fitRate * gp / n
		for i := range beta {
			beta[i] -= fitRate * (grad[i]/n + 2*fitPull*(beta[i]-inputs[i].init)/n)
		}
	}
	return fitted(base, prior, inputs, beta), nil
}

// compared: two records the engine compares (one commune, or placed
// near each other).
func compared(a, b dedup.Member) bool {
	if a.Lieu.CodeINSEE != "" && a.Lieu.CodeINSEE == b.Lieu.CodeINSEE {
		return true
	}
	la, pa, oka := a.Lieu.Point()
	lb, pb, okb := b.Lieu.Point()
	return oka && okb && geo.Distance(geo.Point{Lat: pa, Lon: la}, geo.Point{Lat: pb, Lon: lb}) <= fitRadius
}

// fitted writes the fitted inputs back as weights.
func fitted(base dedup.Weights, prior float64, inputs []fitInput, beta []float64) map[string]any {
	out := map[string]any{"prior": round(prior)}
	name := slices.Clone(base.Name)
	dist := slices.Clone(base.Distance)
	for i, in := range inputs {
		switch {
		case in.key == "name+" || in.key == "name-":
			for k := range name {
				if (name[k][1] >= 0) == (in.key == "name+") {
					name[k][1] = round(base.Name[k][1] * beta[i])
				}
			}
		case len(in.key) > 9 && in.key[:9] == "distance ":
			for k := range dist {
				if dist[k][1] == in.init {
					dist[k][1] = round(beta[i])
				}
			}
		default:
			out[in.key] = round(beta[i])
		}
	}
	out["name"], out["distance"] = name, dist
	return out
}

func round(v float64) float64 { return math.Round(v*100) / 100 }
