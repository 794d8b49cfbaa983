// Package stats computes the observatoire's figures: the lieux of a
// territory by typologie, dispositif and service, the supply against
// the population (lieux per 10 000 inhabitants, share of the population
// living within 5, 10 and 20 km of a lieu — any, free, open on
// Saturday), the communes farthest from any lieu and the freshness of
// the data (age of date_maj).
//
// A commune's population is placed at its centre (the referential's
// chef-lieu point): the distance of its inhabitants to a lieu is the
// distance from that centre to the nearest lieu, as the crow flies.
package stats

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Lieu is what the figures read of a published lieu.
type Lieu struct {
	ID       string
	Lon, Lat float64
	HasPoint bool
	// Commune is its INSEE code; Departement, Region and EPCI its
	// territory's codes.
	Commune, Departement, Region, EPCI string
	Typologies, Dispositifs, Services  []string
	// Free: frais_a_charge says « Gratuit »; Saturday: its opening hours
	// open on a Saturday.
	Free, Saturday bool
	// Updated is its date_maj (zero when unknown).
	Updated time.Time
}

// Commune is a commune of the referential with its population.
type Commune struct {
	Code, Name                string
	Departement, Region, EPCI string
	Lon, Lat                  float64
	HasCentre                 bool
	Population                int
}

// Scope is the territory the figures are for: Kind "" (France) or reg,
// dep, epci, com, and the code.
type Scope struct {
	Kind, Code, Name string
}

// in says whether a commune lies in the scope.
func (s Scope) in(c *Commune) bool { return s.Kind == "" || c.codeOf(s.Kind) == s.Code }

// has says whether a lieu lies in the scope.
func (s Scope) has(l *Lieu) bool { return s.Kind == "" || l.codeOf(s.Kind) == s.Code }

// Radii are the distances of the coverage figures, in km.
var Radii = []float64{5, 10, 20}

// Report is the figures of a scope.
type Report struct {
	Scope       Scope     `json:"scope"`
	GeneratedAt time.Time `json:"generated_at"`
	Supply
	// Coverage: the share of the scope's population within each radius of
	// a lieu of each kind (any, free, open on Saturday).
	Coverage []Coverage `json:"coverage"`
	// Territories are the figures of the scope's parts: régions and
	// départements of France, départements of a région, EPCI of a
	// département, communes of an EPCI.
	Territories []Territory `json:"territories"`
	// Typologies, Dispositifs and Services count the scope's lieux by
	// value, most frequent first.
	Typologies  []Count `json:"typologies"`
	Dispositifs []Count `json:"dispositifs"`
	Services    []Count `json:"services"`
	// Farthest are the scope's inhabited communes farthest from any lieu.
	Farthest []Remote `json:"farthest"`
	// Freshness of the scope's lieux.
	Freshness Freshness `json:"freshness"`
}

// Supply is a territory's lieux against its population.
type Supply struct {
	Lieux      int `json:"lieux"`
	Population int `json:"population"`
	// PerTenThousand is lieux per 10 000 inhabitants (0 without
	// population).
	PerTenThousand float64 `json:"lieux_pour_10000_habitants"`
}

// Coverage is the share of the population within each of Radii of a
// lieu of a kind.
type Coverage struct {
	Kind   string    `json:"kind"` // tous, gratuits, ouverts_le_samedi
	Shares []float64 `json:"shares"`
}

// Territory is one part of the scope.
type Territory struct {
	Kind, Code, Name string
	Supply
	// Within10 is the share of its population within 10 km of a lieu.
	Within10  float64   `json:"within_10_km"`
	Freshness Freshness `json:"freshness"`
}

// Count is a value and its lieux.
type Count struct {
	Value string `json:"value"`
	Lieux int    `json:"lieux"`
}

// Remote is a commune far from any lieu.
type Remote struct {
	Code, Name, Departement string
	Population              int
	// DistanceKm to the nearest lieu; Nearest is its id.
	DistanceKm float64 `json:"distance_km"`
	Nearest    string  `json:"nearest"`
}

// Freshness is the age of the lieux' date_maj.
type Freshness struct {
	// MedianDays is the median age in days (-1: no date).
	MedianDays int `json:"median_days"`
	// WithinYear is the share of lieux updated in the last 365 days.
	WithinYear float64 `json:"within_year"`
}

// coverageKinds are the kinds of lieu the coverage is measured for.
var coverageKinds = []struct {
	name string
	keep func(*Lieu) bool
}{
	{"tous", func(*Lieu) bool { return true }},
	{"gratuits", func(l *Lieu) bool { return l.Free }},
	{"ouverts_le_samedi", func(l *Lieu) bool { return l.Saturday }},
}

// farthestCount is how many remote communes a report lists.
const farthestCount = 20

// Compute computes a scope's report at a time (now: the freshness is
// measured from it). names gives the name of a territory (kind, code).
func Compute(scope Scope, lieux []Lieu, communes []Commune, now time.Time, names func(kind, code string) string) *Report {
	r := &Report{Scope: scope, GeneratedAt: now.UTC()}
	var in []*Lieu
	for i := range lieux {
		if scope.has(&lieux[i]) {
			in = append(in, &lieux[i])
		}
	}
	var scoped []*Commune
	for i := range communes {
		if scope.in(&communes[i]) {
			scoped = append(scoped, &communes[i])
		}
	}
	near := nearestDistances(lieux, scoped)
	r.Supply = supplyOf(len(in), scoped)
	for k, kind := range coverageKinds {
		c := Coverage{Kind: kind.name}
		for _, radius := range Radii {
			c.Shares = append(c.Shares, shareWithin(scoped, near[k], radius))
		}
		r.Coverage = append(r.Coverage, c)
	}
	r.Typologies = countBy(in, func(l *Lieu) []string { return l.Typologies })
	r.Dispositifs = countBy(in, func(l *Lieu) []string { return l.Dispositifs })
	r.Services = countBy(in, func(l *Lieu) []string { return l.Services })
	r.Freshness = freshnessOf(in, now)
	r.Farthest = farthest(scoped, near[0])
	r.Territories = parts(scope, in, scoped, near[0], now, names)
	return r
}

func supplyOf(lieux int, communes []*Commune) Supply {
	s := Supply{Lieux: lieux}
	for _, c := range communes {
		s.Population += c.Population
	}
	if s.Population > 0 {
		s.PerTenThousand = round(float64(lieux)*10000/float64(s.Population), 2)
	}
	return s
}

// nearest is a commune's nearest lieu of one kind.
type nearest struct {
	km float64 // +Inf: none
	id string
}

// nearestDistances gives, for each kind of coverageKinds, each
// commune's nearest lieu (by the commune's position in communes).
func nearestDistances(lieux []Lieu, communes []*Commune) [][]nearest {
	out := make([][]nearest, len(coverageKinds))
	for k, kind := range coverageKinds {
		g := newTree(lieux, kind.keep)
		out[k] = make([]nearest, len(communes))
		for i, c := range communes {
			out[k][i] = nearest{km: math.Inf(1)}
			if c.HasCentre {
				out[k][i] = g.nearest(c.Lon, c.Lat)
			}
		}
	}
	return out
}

func shareWithin(communes []*Commune, near []nearest, km float64) float64 {
	total, within := 0, 0
	for i, c := range communes {
		total += c.Population
		if near[i].km <= km {
			within += c.Population
		}
	}
	if total == 0 {
		return 0
	}
	return round(float64(within)/float64(total), 4)
}

func countBy(lieux []*Lieu, values func(*Lieu) []string) []Count {
	n := map[string]int{}
	for _, l := range lieux {
		for _, v := range values(l) {
			n[v]++
		}
	}
	out := make([]Count, 0, len(n))
	for v, c := range n {
		out = append(out, Count{Value: v, Lieux: c})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Lieux > out[j].Lieux || out[i].Lieux == out[j].Lieux && out[i].Value < out[j].Value
	})
	return out
}

func freshnessOf(lieux []*Lieu, now time.Time) Freshness {
	var ages []int
	recent := 0
	for _, l := range lieux {
		if l.Updated.IsZero() {
			continue
		}
		days := int(now.Sub(l.Updated).Hours() / 24)
		ages = append(ages, days)
		if days <= 365 {
			recent++
		}
	}
	if len(ages) == 0 {
		return Freshness{MedianDays: -1}
	}
	slices.Sort(ages)
	median := ages[len(ages)/2]
	if len(ages)%2 == 0 {
		median = (ages[len(ages)/2-1] + ages[len(ages)/2]) / 2
	}
	return Freshness{MedianDays: median, WithinYear: round(float64(recent)/float64(len(ages)), 4)}
}

func farthest(communes []*Commune, near []nearest) []Remote {
	var out []Remote
	for i, c := range communes {
		if c.Population == 0 || !c.HasCentre || math.IsInf(near[i].km, 1) {
			continue
		}
		out = append(out, Remote{Code: c.Code, Name: c.Name, Departement: c.Departement, Population: c.Population,
			DistanceKm: round(near[i].km, 1), Nearest: near[i].id})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].DistanceKm > out[j].DistanceKm || out[i].DistanceKm == out[j].DistanceKm && out[i].Code < out[j].Code
	})
	return out[:min(len(out), farthestCount)]
}

// childKinds are the kinds of the parts of a scope.
var childKinds = map[string][]string{"": {"reg", "dep"}, "reg": {"dep"}, "dep": {"epci"}, "epci": {"com"}}

// parts are the figures of the scope's parts.
func parts(scope Scope, lieux []*Lieu, communes []*Commune, near []nearest, now time.Time, names func(kind, code string) string) []Territory {
	var out []Territory
	for _, kind := range childKinds[scope.Kind] {
		byCode := map[string]*struct {
			lieux    []*Lieu
			communes []*Commune
			near     []nearest
		}{}
		get := func(code string) *struct {
			lieux    []*Lieu
			communes []*Commune
			near     []nearest
		} {
			if byCode[code] == nil {
				byCode[code] = &struct {
					lieux    []*Lieu
					communes []*Commune
					near     []nearest
				}{}
			}
			return byCode[code]
		}
		for i, c := range communes {
			if code := c.codeOf(kind); code != "" {
				p := get(code)
				p.communes, p.near = append(p.communes, c), append(p.near, near[i])
			}
		}
		for _, l := range lieux {
			if code := l.codeOf(kind); code != "" {
				get(code).lieux = append(get(code).lieux, l)
			}
		}
		codes := make([]string, 0, len(byCode))
		for code := range byCode {
			codes = append(codes, code)
		}
		slices.Sort(codes)
		for _, code := range codes {
			p := byCode[code]
			out = append(out, Territory{Kind: kind, Code: code, Name: names(kind, code), Supply: supplyOf(len(p.lieux), p.communes),
				Within10: shareWithin(p.communes, p.near, 10), Freshness: freshnessOf(p.lieux, now)})
		}
	}
	return out
}

func (c *Commune) codeOf(kind string) string {
	switch kind {
	case "reg":
		return c.Region
	case "dep":
		return c.Departement
	case "epci":
		return c.EPCI
	}
	return c.Code
}

func (l *Lieu) codeOf(kind string) string {
	switch kind {
	case "reg":
		return l.Region
	case "dep":
		return l.Departement
	case "epci":
		return l.EPCI
	}
	return l.Commune
}

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// IsFree says whether frais_a_charge values say the lieu is free.
func IsFree(frais []string) bool {
	return slices.ContainsFunc(frais, func(v string) bool { return strings.EqualFold(v, "Gratuit") })
}
