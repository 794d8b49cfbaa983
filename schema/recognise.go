package schema

import (
	_ "embed"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

//go:embed data/synonyms.json
var synonymsJSON []byte

// Pseudo-fields a column can feed besides the standard's fields.
const (
	addrNumber  = "adresse.numero"
	addrType    = "adresse.type_voie"
	addrStreet  = "adresse.voie"
	coordsField = "coordonnees"
	geomField   = "geometry"
)

// synonym is one way of naming a field, as folded words; rank is its
// position in the field's list (0 = the most typical name).
type synonym struct {
	field string
	words []string
	flat  string
	rank  int
}

type synonymDict struct {
	stop     map[string]bool
	synonyms []synonym
	vocab    map[string]bool // every word of every synonym, for segmentation
	// seen keeps the candidates of column names already matched (sources
	// are read again and again with the same columns), up to maxSeen.
	mu   sync.Mutex
	seen map[string][]candidate
}

// maxSeen bounds the column names whose candidates are kept.
const maxSeen = 10000

var synonyms = mustLoadSynonyms()

func mustLoadSynonyms() *synonymDict {
	var doc struct {
		Stopwords []string            `json:"stopwords"`
		Fields    map[string][]string `json:"fields"`
	}
	mustTable("synonyms.json", synonymsJSON, &doc)
	d := &synonymDict{stop: map[string]bool{}, vocab: map[string]bool{}}
	for _, w := range doc.Stopwords {
		d.stop[w], d.vocab[w] = true, true
	}
	add := func(field, name string, rank int) {
		words := d.content(words(name))
		for _, w := range words {
			d.vocab[w] = true
		}
		d.synonyms = append(d.synonyms, synonym{field: field, words: words, flat: strings.Join(words, ""), rank: rank})
	}
	for field, names := range doc.Fields {
		for i, n := range names {
			add(field, n, i)
		}
	}
	// the names of the standard (and of its 0.x versions) are synonyms of
	// their own: written otherwise (a typo, cut short) they are matched as
	// the dictionary's names are, and confirmed by the values
	for _, name := range knownNames() {
		add(name, name, 0)
	}
	sort.Slice(d.synonyms, func(i, j int) bool {
		a, b := d.synonyms[i], d.synonyms[j]
		return a.field < b.field || a.field == b.field && a.flat < b.flat
	})
	return d
}

// words splits a header into folded words: camelCase and any non
// alphanumeric character separate words.
func words(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	var prev rune
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur.WriteRune(unicode.ToLower(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
		prev = r
	}
	flush()
	return out
}

// content drops stopwords, keeping at least one word.
func (d *synonymDict) content(ws []string) []string {
	var out []string
	for _, w := range ws {
		if !d.stop[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return ws
	}
	return out
}

// headerWords folds a header, splits squashed words ("nomdelastructure")
// with the dictionary's vocabulary and drops stopwords.
func (d *synonymDict) headerWords(h string) []string {
	var out []string
	for _, w := range words(formHints.ReplaceAllString(h, " ")) {
		if len(w) >= 6 && strings.HasSuffix(w, "ez") {
			continue // a form question's verb: « proposez-vous », « accueillez-vous »
		}
		out = append(out, d.segment(w)...)
	}
	return d.content(out)
}

// formHints are what form questions add to a name: a plural or gender
// mark, « quel(s) service(s) », and a hint in brackets of three words or
// more, « (max 200 caractères) ». A bracket of one or two words
// (« (lundi) ») is part of the name.
var formHints = regexp.MustCompile(`\((s|e|es|x)\)|\(\s*[^()\s]+(\s+[^()\s]+){2,}\s*\)|\[[^\]]*\]$`)

// segment splits a long unknown word into known words when at least 80% of
// it is covered by them; otherwise it keeps the word whole.
func (d *synonymDict) segment(w string) []string {
	if len(w) < 8 || d.vocab[w] {
		return []string{w}
	}
	n := len(w)
	cost := make([]int, n+1)
	from := make([]int, n+1)
	for i := 1; i <= n; i++ {
		cost[i], from[i] = cost[i-1]+3, i-1 // an unknown letter
		for j := max(0, i-16); j < i; j++ {
			if d.vocab[w[j:i]] && cost[j]+1 < cost[i] {
				cost[i], from[i] = cost[j]+1, j
			}
		}
	}
	var parts []string
	known := 0
	for i := n; i > 0; i = from[i] {
		p := w[from[i]:i]
		if d.vocab[p] {
			known += len(p)
		}
		parts = append([]string{p}, parts...)
	}
	if known*5 < n*4 {
		return []string{w}
	}
	return mergeUnknown(parts, d.vocab)
}

func mergeUnknown(parts []string, vocab map[string]bool) []string {
	var out []string
	for _, p := range parts {
		if !vocab[p] && len(out) > 0 && !vocab[out[len(out)-1]] {
			out[len(out)-1] += p
			continue
		}
		out = append(out, p)
	}
	return out
}

// knownNames are the fields of the standard, the pseudo-fields and the
// 0.x names (renamed, read with a dictionary or dropped), each a target
// of its own.
func knownNames() []string {
	var out []string
	for _, f := range Fields {
		out = append(out, f.Name)
	}
	out = append(out, addrNumber, addrType, addrStreet, coordsField)
	for name := range vocab.renames {
		out = append(out, name)
	}
	for name := range vocab.legacy {
		out = append(out, name)
	}
	for name := range vocab.dropped {
		out = append(out, name)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// candidate is a possible field for a column, with its match score.
type candidate struct {
	column string
	field  string
	score  int
}

// matchScore rates how well a header's words name a synonym (0: not at
// all): exact words, then the same letters squashed, then a truncated name,
// then the synonym inside a longer header. Within a tier, the field's more
// typical synonyms (lower rank) win.
func matchScore(h []string, s synonym) int {
	flat := strings.Join(h, "")
	typical := 200 - min(s.rank, 199)
	switch {
	case equalWords(h, s.words):
		return 4000 + typical
	case flat == s.flat && len(flat) >= 4:
		return 3000 + typical
	case s.field == "-":
		// a column is ignored on its exact name only: « altitude » is one
		// edit away from « latitude »
	case len(flat) >= 5 && len(s.flat) >= 5 && oneEditApart(flat, s.flat):
		return 2500 + typical // a typo: a letter swapped, doubled, lost or wrong
	case truncatedWords(h, s.words):
		return 2000 + typical
	}
	at := indexWords(h, s.words)
	if at < 0 || 2*len(s.words) < len(h) {
		return 0
	}
	score := 1000 + 10*len(s.flat) - 20*(len(h)-len(s.words)) + typical/10
	if at+len(s.words) == len(h) {
		score += 60 // French snake_case puts the group first: adresse_commune is a commune
	}
	return score
}

func equalWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// truncatedWords matches column names cut by old formats (DBF's ten
// characters: "code_post" for "code postal", "etablissem") or abbreviated
// word by word ("moda_acco" for "modalites accompagnement"): each word
// is the start of the synonym's, of three letters at least, the last
// alone may be shorter than that when the others are whole; a name of one
// word keeps half of it.
func truncatedWords(h, s []string) bool {
	if len(h) != len(s) || len(strings.Join(h, "")) < 4 {
		return false
	}
	cut := 0
	for i := range h {
		if !strings.HasPrefix(s[i], h[i]) {
			return false
		}
		if h[i] != s[i] {
			cut++
			if len(h[i]) < 3 && (i != len(h)-1 || cut > 1) {
				return false
			}
		}
	}
	return len(h) > 1 || 2*len(h[0]) >= len(s[0])
}

// oneEditApart reports whether a and b differ by one edit: a letter
// changed, added or removed, or two neighbours swapped.
func oneEditApart(a, b string) bool {
	if a == b || len(a)-len(b) > 1 || len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case len(a) == len(b):
		if a[i+1:] == b[i+1:] {
			return true // changed
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // swapped
	case len(a) > len(b):
		return a[i+1:] == b[i:]
	default:
		return a[i:] == b[i+1:]
	}
}

func indexWords(h, s []string) int {
	for i := 0; i+len(s) <= len(h); i++ {
		if equalWords(h[i:i+len(s)], s) {
			return i
		}
	}
	return -1
}

// candidates lists every field a header may name, best first.
// candidates are the fields a column name may stand for, best first.
// The slice is shared: callers copy it before changing it.
func (d *synonymDict) candidates(column string) []candidate {
	d.mu.Lock()
	out, ok := d.seen[column]
	d.mu.Unlock()
	if ok {
		return out
	}
	out = d.match(column)
	d.mu.Lock()
	if d.seen == nil {
		d.seen = map[string][]candidate{}
	}
	if len(d.seen) < maxSeen {
		d.seen[column] = out
	}
	d.mu.Unlock()
	return out
}

func (d *synonymDict) match(column string) []candidate {
	h := d.headerWords(column)
	if len(h) == 0 {
		return nil
	}
	// a word the dictionary does not know may be a known one misspelt:
	// it is also compared unsegmented
	whole := d.content(words(column))
	best := map[string]int{}
	for _, s := range d.synonyms {
		sc := matchScore(h, s)
		if !slices.Equal(whole, h) {
			sc = max(sc, matchScore(whole, s))
		}
		if sc > best[s.field] {
			best[s.field] = sc
		}
	}
	var out []candidate
	for f, sc := range best {
		out = append(out, candidate{column: column, field: f, score: sc})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].score > out[j].score || out[i].score == out[j].score && out[i].field < out[j].field
	})
	return out
}
