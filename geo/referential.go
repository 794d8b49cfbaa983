package geo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/maillage/maillage/schema"
)

//go:generate go run ./internal/gencommunes -o data/communes.tsv.gz -areas data/areas.tsv

//go:embed data/communes.tsv.gz
var communesTSV []byte

// Commune types of the referential.
const (
	TypeCurrent     = "A" // commune actuelle
	TypeDelegated   = "D" // commune déléguée
	TypeAssociated  = "S" // commune associée
	TypeArrondissmt = "M" // arrondissement municipal (Paris, Lyon, Marseille)
)

// Commune is one entry of the referential (@etalab/decoupage-administratif).
type Commune struct {
	Code        string
	Type        string
	Name        string
	Postcodes   []string
	Departement string
	Region      string
	// Parent is the current commune of a delegated or associated commune,
	// or the city of a municipal arrondissement.
	Parent   string
	OldCodes []string
	// EPCI is the SIREN of the commune's intercommunality (its parent's
	// for a delegated commune or arrondissement); empty for the few
	// communes outside any (islands).
	EPCI string
	// Centre is the commune's centre (geo.api.gouv.fr, about 10 m), nil
	// when unknown; Spacing, in metres, is the distance from it to the 4th
	// nearest other commune centre: a measure of the commune's size.
	Centre  *Point
	Spacing float64
	// Population is the municipal population (INSEE, as the package gives
	// it): 0 for delegated and associated communes, counted in their
	// current commune's; an arrondissement's is also in its city's.
	Population int
	folded     string // FoldName(Name)
}

// Folded is the commune's name as FoldName folds it.
func (c *Commune) Folded() string { return c.folded }

// Referential indexes the communes by code, postcode and former code.
type Referential struct {
	byCode     map[string]*Commune
	byPostcode map[string][]*Commune
	byOldCode  map[string]*Commune
	// parts lists the delegated and associated communes and the
	// arrondissements of each current commune.
	parts map[string][]*Commune
	// byName indexes the communes by nameKey.
	byName map[string][]*Commune
	// suggest is the prefix index of Suggest, built on its first call.
	suggest suggestIndex
	// centres is the grid of CommuneFromPoint, built on its first call.
	centres     centreGrid
	suggestOnce sync.Once
}

var (
	refOnce sync.Once
	ref     *Referential
)

// Communes returns the embedded referential, loaded on first use.
func Communes() *Referential {
	refOnce.Do(func() {
		r, err := parseReferential(communesTSV)
		if err != nil {
			panic(fmt.Sprintf("geo: data/communes.tsv.gz: %v", err))
		}
		ref = r
	})
	return ref
}

func parseReferential(gz []byte) (*Referential, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	r := &Referential{byCode: map[string]*Commune{}, byPostcode: map[string][]*Commune{}, byOldCode: map[string]*Commune{},
		parts: map[string][]*Commune{}, byName: map[string][]*Commune{}}
	sc := bufio.NewScanner(zr)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		c, err := parseCommune(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		r.add(c)
	}
	return r, sc.Err()
}

// parseCommune reads one line of the generated file (see gencommunes).
func parseCommune(line string) (*Commune, error) {
	f := strings.Split(line, "\t")
	if len(f) != 13 {
		return nil, fmt.Errorf("%d columns, want 13: %q", len(f), line)
	}
	c := &Commune{Code: f[0], Type: f[1], Name: f[2], Postcodes: strings.Fields(f[3]), Departement: f[4],
		Region: f[5], Parent: f[6], OldCodes: strings.Fields(f[7]), EPCI: f[8], folded: FoldName(f[2])}
	if f[12] != "" {
		n, err := strconv.Atoi(f[12])
		if err != nil {
			return nil, fmt.Errorf("commune %s population: %w", c.Code, err)
		}
		c.Population = n
	}
	if f[9] == "" {
		return c, nil
	}
	lon, err1 := strconv.ParseFloat(f[9], 64)
	lat, err2 := strconv.ParseFloat(f[10], 64)
	spacing, err3 := strconv.ParseFloat(f[11], 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("commune %s centre: %w", c.Code, err)
	}
	c.Centre, c.Spacing = &Point{Lat: lat, Lon: lon}, spacing
	return c, nil
}

func (r *Referential) add(c *Commune) {
	if old, ok := r.byCode[c.Code]; !ok || old.Type != TypeCurrent {
		r.byCode[c.Code] = c // a current commune wins over a delegated one of the same code
	}
	for _, p := range c.Postcodes {
		r.byPostcode[p] = append(r.byPostcode[p], c)
	}
	for _, o := range c.OldCodes {
		r.byOldCode[o] = c
	}
	if c.Parent != "" && c.Parent != c.Code {
		r.parts[c.Parent] = append(r.parts[c.Parent], c)
	}
	if c.Type != TypeArrondissmt {
		k := nameKey(c.folded)
		r.byName[k] = append(r.byName[k], c)
	}
}

// CurrentCommunes lists the current communes, by code.
func (r *Referential) CurrentCommunes() []*Commune {
	var out []*Commune
	for _, c := range r.byCode {
		if c.Type == TypeCurrent {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Commune returns the commune of an INSEE code.
func (r *Referential) Commune(code string) (*Commune, bool) {
	c, ok := r.byCode[code]
	return c, ok
}

// Current returns the current commune a code belongs to (itself, or the
// parent of a delegated, associated commune or arrondissement).
func (r *Referential) Current(c *Commune) *Commune {
	if c.Parent != "" && c.Parent != c.Code {
		if p, ok := r.byCode[c.Parent]; ok {
			return p
		}
	}
	return c
}

// Renamed returns the commune that now carries a former code (Corsica's
// 20xxx codes became 2Axxx/2Bxxx).
func (r *Referential) Renamed(old string) (*Commune, bool) {
	c, ok := r.byOldCode[old]
	return c, ok
}

// ByPostcode returns the communes (of every type) using a postcode.
func (r *Referential) ByPostcode(cp string) []*Commune { return r.byPostcode[cp] }

// Resolve finds the commune a postcode and a name designate. The name is
// compared folded (case, accents, hyphens, "St"/"Saint", "CEDEX", lost
// characters); when it matches nothing exactly, the one current commune of
// the postcode whose name holds it, or is held by it, word for word
// (« Saint-Christol-d'Albion » for Saint-Christol), is taken, or, for a
// postcode with a single commune, one within two typos.
func (r *Referential) Resolve(cp, name string) (*Commune, bool) {
	want := FoldName(strings.ReplaceAll(name, "\uFFFD", wildcard))
	var current []*Commune
	for _, c := range r.byPostcode[cp] {
		if matchFolded(want, c.folded) {
			return c, true
		}
		if c.Type == TypeCurrent {
			current = append(current, c)
		}
	}
	if want == "" {
		return nil, false
	}
	var holding []*Commune
	for _, c := range current {
		if wordsWithin(want, c.folded) || wordsWithin(c.folded, want) {
			holding = append(holding, c)
		}
	}
	if len(holding) == 1 {
		return holding[0], true
	}
	if len(current) == 1 && typoDistance(want, current[0].folded) <= 2 {
		return current[0], true
	}
	return nil, false
}

// wordsWithin reports whether the words of a appear, in order and whole,
// in b.
func wordsWithin(a, b string) bool {
	return strings.Contains(" "+b+" ", " "+a+" ")
}

// typoDistance is the edit distance between two folded names, spaces
// ignored and a wildcard matching any letter (« MORIʔRES-LE-SAVIGNON »
// for Morières-lès-Avignon is 1).
func typoDistance(a, b string) int {
	x := []rune(strings.ReplaceAll(a, " ", ""))
	y := []rune(strings.ReplaceAll(b, " ", ""))
	prev, cur := make([]int, len(y)+1), make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] || string(x[i-1]) == wildcard {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}

// wildcard stands, in a name to resolve, for a character lost to a wrong
// charset (U+FFFD, « SAINT-SATURNIN-L�S-AVIGNON »): it matches any letter.
const wildcard = "ʔ"

// matchFolded compares a folded name that may hold wildcards with a
// referential name.
func matchFolded(want, got string) bool {
	if !strings.Contains(want, wildcard) {
		return want == got
	}
	w, g := []rune(want), []rune(got)
	if len(w) != len(g) {
		return false
	}
	for i := range w {
		if w[i] != g[i] && string(w[i]) != wildcard {
			return false
		}
	}
	return true
}

var nameWords = map[string]string{"st": "saint", "ste": "sainte", "s": "saint"}

// Fold reduces text for comparison: lower case without accents, letters
// and digits only, words separated by single spaces.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// FoldName reduces a commune name for comparison: lower case without
// accents, words separated by single spaces, "St"/"Ste" spelt out, "CEDEX"
// and its number dropped, "Havre (Le)" read as "le havre".
func FoldName(s string) string {
	if open := strings.Index(s, "("); open > 0 && strings.HasSuffix(strings.TrimSpace(s), ")") {
		s = strings.Trim(s[open+1:], ") ") + " " + s[:open]
	}
	var out []string
	for _, w := range strings.Fields(Fold(s)) {
		if w == "cedex" {
			break
		}
		if full, ok := nameWords[w]; ok {
			w = full
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// SameCommune reports whether two INSEE codes name the same current
// commune (a city and one of its arrondissements or delegated communes
// count as the same).
func SameCommune(a, b string) bool {
	if a == b {
		return true
	}
	r := Communes()
	ca, okA := r.Commune(a)
	cb, okB := r.Commune(b)
	return okA && okB && r.Current(ca).Code == r.Current(cb).Code
}

//go:embed data/areas.tsv
var areasTSV string

// Area is a région, a département or an EPCI of the referential.
type Area struct {
	Kind string // reg, dep or epci, as territory filters write them
	Code string
	Name string
}

var (
	areasOnce sync.Once
	areas     map[[2]string]Area
)

// AreaNamed returns the région ("reg"), département ("dep") or EPCI
// ("epci") of a code, loaded from the embedded list on first use.
func AreaNamed(kind, code string) (Area, bool) {
	areasOnce.Do(func() {
		areas = map[[2]string]Area{}
		for line := range strings.SplitSeq(areasTSV, "\n") {
			f := strings.Split(line, "\t")
			if len(f) == 3 && !strings.HasPrefix(line, "#") {
				areas[[2]string{f[0], f[1]}] = Area{Kind: f[0], Code: f[1], Name: f[2]}
			}
		}
	})
	a, ok := areas[[2]string{kind, code}]
	return a, ok
}

// TerritoryName is the name of a territory the referential knows (a
// région, département, EPCI or commune), and false when it knows none of
// that code.
func TerritoryName(t schema.Territory) (string, bool) {
	if t.Kind.Prefix == "com" {
		c, ok := Communes().Commune(t.Code)
		if !ok {
			return "", false
		}
		return c.Name, true
	}
	a, ok := AreaNamed(t.Kind.Prefix, t.Code)
	return a.Name, ok
}

// IsINSEE reports whether code is the INSEE code of a commune, current
// or former (schema.Places).
func (r *Referential) IsINSEE(code string) bool {
	_, ok := r.byCode[code]
	if !ok {
		_, ok = r.byOldCode[code]
	}
	return ok
}

// IsPostcode reports whether cp is the postcode of some commune
// (schema.Places).
func (r *Referential) IsPostcode(cp string) bool { return len(r.byPostcode[cp]) > 0 }

// IsCommuneName reports whether name, folded, is a commune's
// (schema.Places).
func (r *Referential) IsCommuneName(name string) bool {
	return len(r.byName[nameKey(FoldName(name))]) > 0
}
