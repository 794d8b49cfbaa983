package dedup

import (
	"cmp"
	"hash/fnv"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/maillage/maillage/geo"
)

// Weights learned from the population (Fellegi–Sunter, as Splink does):
// before scoring, the engine samples its blocked pairs, reads for each
// the level of every comparison the table marks as learned (which of the
// row's weight keys fired, or none; for the name, the band of its
// similarity; for the distance, its step), and estimates by EM, the pairs'
// match status unknown, the probability of each level among matches (m)
// and among non-matches (u). A level's weight becomes log(m/u) relative to
// « none », held within emBound of the default (the prior measured on the
// labelled sets) and rounded to emStep, so that a population that changed
// a little learns the same weights and the memo stays valid. The domain
// rules (kinds, organisations, hosted services, guards, single sites)
// keep their weights.

const (
	emSampleMembers = 4000 // members whose blocked pairs are sampled
	emIterations    = 30
	emPseudoCount   = 30.0 // weight of the defaults in each estimate (Dirichlet prior)
	emBound         = 1.5  // log-odds a learned weight may move from its default
	emStep          = 0.25 // learned weights are rounded to this step
	emMinPairs      = 200  // fewer sampled pairs: the defaults stay
	// emTolerance: a memo keeps the weights it learned while a new
	// estimate moves none of them by more (log-odds)
	emTolerance = 1.0
)

// learnedDrift is the largest difference between two weights' learned
// values (the prior, the curves, the learned rows' keys).
func learnedDrift(a, b Weights) float64 {
	d := math.Abs(a.Prior - b.Prior)
	for i := range min(len(a.Name), len(b.Name)) {
		d = max(d, math.Abs(a.Name[i][1]-b.Name[i][1]))
	}
	for i := range min(len(a.Distance), len(b.Distance)) {
		d = max(d, math.Abs(a.Distance[i][1]-b.Distance[i][1]))
	}
	for _, comp := range comparisons(a) {
		for _, k := range comp.row.keys {
			if _, one := weightFields[k]; one {
				d = max(d, math.Abs(weightOf(a, k)-weightOf(b, k)))
			}
		}
	}
	return d
}

// learned lists the rows whose weights EM estimates.
var learned = []string{"name", "address", "distance", "commune", "siret", "telephone", "courriels", "site_web", "domain", "typologie"}

// comparison is one learned row's levels: level 0 is « none », then one
// per key (per curve point for the name and the distance).
type comparison struct {
	row    *feature
	levels int
}

// learnWeights estimates the learned rows' weights on the population's
// blocked pairs and returns the weights to score with.
func (e *Engine) learnWeights(b *blocks) Weights {
	w := e.s.w
	comps := comparisons(w)
	sample := e.samplePairs(b)
	if len(sample) < emMinPairs {
		return w
	}
	slices.SortFunc(sample, func(x, y [2]int32) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	vectors := make([][]uint8, len(sample))
	for k, p := range sample {
		vectors[k] = e.s.levels(&e.ps[p[0]], &e.ps[p[1]], comps)
	}
	m, u, lambda := emEstimate(w, comps, vectors)
	out := applyLearned(w, comps, m, u, lambda)
	return out
}

// comparisons are the learned rows with their numbers of levels.
func comparisons(w Weights) []comparison {
	var out []comparison
	for _, name := range learned {
		i := slices.IndexFunc(features, func(f feature) bool { return f.name == name })
		c := comparison{row: &features[i], levels: 1 + len(features[i].keys)}
		switch name {
		case "name":
			c.levels = 1 + len(w.Name)
		case "distance":
			c.levels = 1 + len(w.Distance)
		}
		out = append(out, c)
	}
	return out
}

// samplePairs takes the blocked pairs of about emSampleMembers members,
// chosen by a hash of their Ref: the same records from one run to the
// next, whatever was added or removed around them.
func (e *Engine) samplePairs(b *blocks) [][2]int32 {
	keep := uint64(max(1, len(e.ps)/emSampleMembers))
	seen := make([]int32, len(e.ps))
	var keys []blockRef
	var out [][2]int32
	for i := range e.ps {
		if keep > 1 && refHash(e.members[i].Ref)%keep != 0 {
			continue
		}
		keys = b.neighbours(i, true, 0, seen, keys, func(j int) {
			if lo, hi := min(i, j), max(i, j); lo == i || keep > 1 && refHash(e.members[j].Ref)%keep != 0 {
				out = append(out, [2]int32{int32(lo), int32(hi)}) // a pair of two sampled members is taken once, from the first
			}
		})
	}
	return out
}

// refHash is a record's FNV-1a hash.
func refHash(r Ref) uint64 {
	h := fnv.New64a()
	h.Write([]byte(r.Source))
	h.Write([]byte{0})
	h.Write([]byte(r.RecordKey))
	return h.Sum64()
}

// levels reads a pair's level in each comparison.
func (s *scorer) levels(a, b *profile, comps []comparison) []uint8 {
	_, parts := s.score(a, b, true)
	out := make([]uint8, len(comps))
	for c, comp := range comps {
		switch comp.row.name {
		case "name":
			sim, _ := nameSimilarity(a, b)
			if a.fullName == b.fullName && a.fullName != "" {
				sim = 1
			}
			out[c] = uint8(1 + curveBand(s.w.Name, sim))
			continue
		case "distance":
			if a.placed && b.placed {
				out[c] = uint8(1 + stepOf(s.w.Distance, distanceOf(a, b)))
			}
			continue
		}
		for _, p := range parts {
			if p.Feature == comp.row.name && p.Weight != 0 {
				out[c] = uint8(1 + slices.Index(comp.row.keys, p.Key))
				break
			}
		}
	}
	return out
}

// curveBand is the index of the last point of a curve at or below x.
func curveBand(curve [][2]float64, x float64) int {
	k := 0
	for i, p := range curve {
		if x >= p[0] {
			k = i
		}
	}
	return k
}

// stepOf is the index of the first step whose distance d does not exceed.
func stepOf(steps [][2]float64, d float64) int {
	for i, s := range steps {
		if d <= s[0] {
			return i
		}
	}
	return len(steps) - 1
}

// defaultLevelWeight is a level's weight under the defaults.
func defaultLevelWeight(w Weights, comp comparison, level int) float64 {
	switch {
	case level == 0:
		return 0
	case comp.row.name == "name":
		return w.Name[level-1][1]
	case comp.row.name == "distance":
		return w.Distance[level-1][1]
	}
	return weightOf(w, comp.row.keys[level-1])
}

// emEstimate runs EM from the defaults: the starting m and u make each
// level's log(m/u) its default weight, u being the level's share of the
// sampled pairs (nearly all non-matches).
func emEstimate(w Weights, comps []comparison, vectors [][]uint8) (m, u [][]float64, lambda float64) {
	m, u = make([][]float64, len(comps)), make([][]float64, len(comps))
	m0, u0 := make([][]float64, len(comps)), make([][]float64, len(comps))
	for c, comp := range comps {
		u0[c], m0[c] = make([]float64, comp.levels), make([]float64, comp.levels)
		for _, v := range vectors {
			u0[c][v[c]]++
		}
		sum := 0.0
		for l := range u0[c] {
			u0[c][l] = (u0[c][l] + 1) / float64(len(vectors)+comp.levels)
			m0[c][l] = u0[c][l] * math.Exp(defaultLevelWeight(w, comp, l))
			sum += m0[c][l]
		}
		for l := range m0[c] {
			m0[c][l] /= sum
		}
		m[c], u[c] = slices.Clone(m0[c]), slices.Clone(u0[c])
	}
	lambda = 1 / (1 + math.Exp(-w.Prior))
	post := make([]float64, len(vectors))
	for range emIterations {
		total := 0.0
		for k, v := range vectors {
			z := math.Log(lambda / (1 - lambda))
			for c := range comps {
				z += math.Log(m[c][v[c]] / u[c][v[c]])
			}
			post[k] = 1 / (1 + math.Exp(-z))
			total += post[k]
		}
		lambda = min(max(total/float64(len(vectors)), 1e-4), 0.5)
		for c, comp := range comps {
			mc, uc := make([]float64, comp.levels), make([]float64, comp.levels)
			for k, v := range vectors {
				mc[v[c]] += post[k]
				uc[v[c]] += 1 - post[k]
			}
			for l := range mc {
				m[c][l] = (mc[l] + emPseudoCount*m0[c][l]) / (total + emPseudoCount)
				u[c][l] = (uc[l] + emPseudoCount*u0[c][l]) / (float64(len(vectors)) - total + emPseudoCount)
			}
		}
	}
	return m, u, lambda
}

// bounded rounds an estimate to the emStep grid, within emBound of its
// default.
func bounded(v, def float64) float64 {
	lo, hi := math.Ceil((def-emBound)/emStep)*emStep, math.Floor((def+emBound)/emStep)*emStep
	return min(max(math.Round(v/emStep)*emStep, lo), hi)
}

// applyLearned sets the learned levels' weights: log(m/u) relative to
// « none », within emBound of the default, rounded to emStep.
func applyLearned(w Weights, comps []comparison, m, u [][]float64, lambda float64) Weights {
	out := w
	out.Name, out.Distance = slices.Clone(w.Name), slices.Clone(w.Distance)
	// the prior is the odds of a match among the blocked pairs, and what
	// the comparisons' « none » levels say (the score adds nothing for
	// them)
	prior := math.Log(lambda / (1 - lambda))
	for c, comp := range comps {
		if comp.row.name != "name" {
			prior += math.Log(m[c][0] / u[c][0])
		}
	}
	out.Prior = bounded(prior, w.Prior)
	for c, comp := range comps {
		// every pair has a name: its levels' weights are their own, the
		// others' relative to « none » (nothing added to the score)
		none := math.Log(m[c][0] / u[c][0])
		if comp.row.name == "name" {
			none = 0
		}
		for l := 1; l < comp.levels; l++ {
			def := defaultLevelWeight(w, comp, l)
			v := math.Log(m[c][l]/u[c][l]) - none
			v = bounded(v, def)
			switch comp.row.name {
			case "name":
				out.Name[l-1][1] = v
			case "distance":
				out.Distance[l-1][1] = v
			default:
				setWeight(&out, comp.row.keys[l-1], v)
			}
		}
	}
	return out
}

func distanceOf(a, b *profile) float64 { return geo.Distance(a.point, b.point) }

// weightFields maps each weight key (a Weights field's json name) to
// the field's index, for the keys that are one number.
var weightFields = func() map[string]int {
	out := map[string]int{}
	t := reflect.TypeFor[Weights]()
	for i := range t.NumField() {
		if f := t.Field(i); f.Type.Kind() == reflect.Float64 {
			out[strings.Split(f.Tag.Get("json"), ",")[0]] = i
		}
	}
	return out
}()

// weightOf is the value of a one-number weight key.
func weightOf(w Weights, key string) float64 {
	return reflect.ValueOf(w).Field(weightFields[key]).Float()
}

// setWeight sets a one-number weight key.
func setWeight(w *Weights, key string, v float64) {
	reflect.ValueOf(w).Elem().Field(weightFields[key]).SetFloat(v)
}
