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
	// streetNames are the name parts of the seeds' streets.
	streetNames []string
}

var sources = []string{"hub-1", "hub-2", "departement", "france-services", "cnfs", "aidants-connect", "data-inclusion", "peer"}

func newGenerator(seedValue uint64) *generator {
	g := &generator{rnd: rand.New(rand.NewPCG(seedValue, 0x6d61696c6c616765)), seeds: loadSeeds(), keys: map[string]int{}}
	for _, s := range g.seeds {
		if _, _, name := splitStreet(s.address); name != "" {
			g.streetNames = append(g.streetNames, name)
		}
	}
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
	truth := schema.Lieu{Nom: g.name(s.name), Adresse: g.street(s.address), CodePostal: c.Postcodes[0], CodeINSEE: c.Code, Commune: c.Name,
		Telephone: fmt.Sprintf("+334%08d", g.rnd.IntN(1e8)), Courriels: []string{fmt.Sprintf("contact%d@lieu%d.fr", i, i)},
		Pivot: fmt.Sprintf("%014d", g.rnd.Int64N(1e14))}
	truth.Latitude, truth.Longitude = &lat, &lon
	var out []dedup.Member
	for k, src := range g.sourcesFor() {
		out = append(out, g.record(src, truth, k))
	}
	return out
}

// name keeps the seed's name or, one time in two, its first word (the
// kind of place: « Médiathèque », « Espace », « Association ») with a
// proper name taken from the seeds' streets (« Médiathèque Jean Jaurès »):
// ten times more places have ten times more names, not each name ten times.
func (g *generator) name(seedName string) string {
	first, _, ok := strings.Cut(seedName, " ")
	if !ok || g.rnd.Float64() < 0.5 {
		return seedName
	}
	return first + " " + g.streetNames[g.rnd.IntN(len(g.streetNames))]
}

// street gives a place a street of its own: the seed's house number and
// street type with a street name made of one or two name parts of the
// seeds' streets (« rue » + « Jean Jaurès » + « Pasteur »). A real ×10
// corpus has ten times more streets, not the same streets ten times.
func (g *generator) street(seedAddress string) string {
	number, kind, _ := splitStreet(seedAddress)
	name := g.streetNames[g.rnd.IntN(len(g.streetNames))]
	if g.rnd.Float64() < 0.6 {
		name += " " + g.streetNames[g.rnd.IntN(len(g.streetNames))]
	}
	return strings.TrimSpace(strings.Join([]string{number, kind, name}, " "))
}

// splitStreet cuts "12 bis rue Jean Jaurès" into "12 bis", "rue" and
// "Jean Jaurès" (each part may be empty).
func splitStreet(a string) (number, kind, name string) {
	words := strings.Fields(a)
	i := 0
	for i < len(words) && (words[i][0] >= '0' && words[i][0] <= '9' || strings.EqualFold(words[i], "bis") || strings.EqualFold(words[i], "ter")) {
		i++
	}
	number = strings.Join(words[:i], " ")
	if i < len(words) && len(words)-i > 1 {
		kind, i = words[i], i+1
	}
	return number, kind, strings.Join(words[i:], " ")
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
