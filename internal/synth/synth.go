// Package synth generates synthetic national corpora for deduplication
// benchmarks: real names and street addresses (data/seeds.tsv.gz) placed in
// communes drawn across France in proportion to their density, each place
// listed by one to five sources with the noise real sources carry
// (capitals, lost accents, abbreviated street types, missing house
// numbers or points, jittered points, lost characters, identifiers and
// contacts present or not). The same size and seed give the same corpus.
package synth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"golang.org/x/text/transform"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
)

//go:embed data/seeds.tsv.gz
var seedsTSV []byte

type seed struct{ name, address string }

func loadSeeds() []seed {
	zr, err := gzip.NewReader(bytes.NewReader(seedsTSV))
	if err != nil {
		panic(fmt.Sprintf("synth: data/seeds.tsv.gz: %v", err))
	}
	var out []seed
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if name, addr, ok := strings.Cut(sc.Text(), "\t"); ok && !strings.HasPrefix(name, "#") {
			out = append(out, seed{name, addr})
		}
	}
	return out
}

// Place is one true place: the records that list it.
type Place struct {
	Records []dedup.Ref
}

// Corpus returns about n records (whole places only) and their places, the
// truth of which records are the same place.
func Corpus(n int, seedValue uint64) ([]dedup.Member, []Place) {
	g := newGenerator(seedValue)
	members := make([]dedup.Member, 0, n+8)
	places := make([]Place, 0, n/2)
	for len(members) < n {
		ms := g.place(len(places))
		p := Place{Records: make([]dedup.Ref, len(ms))}
		for i := range ms {
			p.Records[i] = ms[i].Ref
		}
		places = append(places, p)
		members = append(members, ms...)
	}
	return members, places
}

type generator struct {
	rnd      *rand.Rand
	seeds    []seed
	communes []*geo.Commune
	cumul    []float64 // cumulative density weights of communes
	keys     map[string]int
	unaccent transform.Transformer
}

var sources = []string{"hub-1", "hub-2", "departement", "france-services", "cnfs", "aidants-connect", "data-inclusion", "peer"}

func newGenerator(seedValue uint64) *generator {
	g := &generator{rnd: rand.New(rand.NewPCG(seedValue, 0x6d61696c6c616765)), seeds: loadSeeds(), keys: map[string]int{}}
	total := 0.0
	for _, c := range geo.Communes().CurrentCommunes() {
		if c.Centre == nil || len(c.Postcodes) == 0 {
			continue
		}
		total += 1e8 / (c.Spacing * c.Spacing) // density: communes per km², roughly
		g.communes = append(g.communes, c)
		g.cumul = append(g.cumul, total)
	}
	return g
}

func (g *generator) commune() *geo.Commune {
	x := g.rnd.Float64() * g.cumul[len(g.cumul)-1]
	return g.communes[sort.SearchFloat64s(g.cumul, x)]
}

// place draws one place and its one to five records.
func (g *generator) place(i int) []dedup.Member {
	s := g.seeds[g.rnd.IntN(len(g.seeds))]
	c := g.commune()
	r := c.Spacing * 0.3 * math.Sqrt(g.rnd.Float64())
	angle := g.rnd.Float64() * 2 * math.Pi
	lat := c.Centre.Lat + r*math.Sin(angle)/111_320
	lon := c.Centre.Lon + r*math.Cos(angle)/(111_320*math.Cos(c.Centre.Lat*math.Pi/180))
	truth := schema.Lieu{Nom: s.name, Adresse: s.address, CodePostal: c.Postcodes[0], CodeINSEE: c.Code, Commune: c.Name,
		Telephone: fmt.Sprintf("+334%08d", g.rnd.IntN(1e8)), Courriels: []string{fmt.Sprintf("contact%d@lieu%d.fr", i, i)},
		Pivot: fmt.Sprintf("%014d", g.rnd.Int64N(1e14))}
	truth.Latitude, truth.Longitude = &lat, &lon
	var out []dedup.Member
	for k, src := range g.sourcesFor() {
		out = append(out, g.record(src, truth, k))
	}
	return out
}

// sourcesFor draws how many sources list a place (1: 45%, 2: 25%, 3: 15%,
// 4: 10%, 5: 5%), and which; one time in twenty a source lists it twice.
func (g *generator) sourcesFor() []string {
	x, n := g.rnd.Float64(), 1
	for _, cut := range []float64{0.45, 0.70, 0.85, 0.95} {
		if x > cut {
			n++
		}
	}
	picked := g.rnd.Perm(len(sources))[:n]
	out := make([]string, n)
	for i, j := range picked {
		out[i] = sources[j]
	}
	if g.rnd.Float64() < 0.05 {
		out = append(out, out[0])
	}
	return out
}
