package scalecorpus

import (
	"hash/fnv"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/maillage/maillage/geo"
)

// mover moves the records of one copy: each commune of France goes to
// another, chosen by a hash of the copy's number and the commune's code,
// so that every record of a place (in every source of the copy) lands in
// the same commune, whatever the order records come in.
type mover struct {
	ref   *geo.Referential
	dests []*geo.Commune // current communes with a centre and a postcode
	copy  int
	names map[string]string // folded commune names, by code (a cache of foldName)
}

func newMover(ref *geo.Referential, dests []*geo.Commune, copy int) *mover {
	return &mover{ref: ref, dests: dests, copy: copy, names: map[string]string{}}
}

// destinations lists the communes places may be moved to.
func destinations(ref *geo.Referential) []*geo.Commune {
	var out []*geo.Commune
	for _, c := range ref.CurrentCommunes() {
		if c.Centre != nil && len(c.Postcodes) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// move is what moving one record takes: the commune it is in, the one it
// goes to, and the copy's number (which makes identifiers distinct).
type move struct {
	m        *mover
	src, dst *geo.Commune
	dLat     float64
	dLon     float64
}

func (m *mover) hash(parts ...string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.Itoa(m.copy)))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum64()
}

// plan returns how to move a record whose scalar values are values, or
// false when they name no commune of the referential (by INSEE code or
// postcode, confirmed by its name or a point near its centre).
func (m *mover) plan(values []string) (move, bool) {
	src := m.locate(values)
	if src == nil {
		return move{}, false
	}
	dst := m.dests[m.hash(src.Code)%uint64(len(m.dests))]
	return move{m: m, src: src, dst: dst, dLat: dst.Centre.Lat - src.Centre.Lat, dLon: dst.Centre.Lon - src.Centre.Lon}, true
}

var (
	codeToken = regexp.MustCompile(`\b(?:\d{5}|2[ABab]\d{3})\b`)
	floatText = regexp.MustCompile(`-?\b\d{1,3}[.,]\d{3,}\b`)
)

// locate finds the commune a record is in: every INSEE code and postcode
// its values carry is a candidate, scored by how the record confirms it
// (its code itself, one of its postcodes, its name, a point within 0.15°
// of its centre).
func (m *mover) locate(values []string) *geo.Commune {
	score := map[*geo.Commune]int{}
	for _, v := range values {
		for _, tok := range codeTokens(v) {
			if c, ok := m.ref.Commune(strings.ToUpper(tok)); ok && c.Centre != nil {
				score[c] += 3
			}
			for _, c := range m.ref.ByPostcode(tok) {
				if c.Centre != nil && c.Type != geo.TypeDelegated && c.Type != geo.TypeAssociated {
					score[c] += 2
				}
			}
		}
	}
	if len(score) == 0 {
		return nil
	}
	var floats []float64
	folded := make([]string, 0, len(values))
	for _, v := range values {
		for _, f := range floatText.FindAllString(v, -1) {
			if x, err := strconv.ParseFloat(strings.Replace(f, ",", ".", 1), 64); err == nil {
				floats = append(floats, x)
			}
		}
		folded = append(folded, foldText(v))
	}
	var best *geo.Commune
	bestScore := 0
	for c, s := range score {
		if name := m.foldedName(c); name != "" && anyContainsWord(folded, name) {
			s += 2
		}
		if near(floats, c.Centre.Lat) && near(floats, c.Centre.Lon) {
			s++
		}
		if s > bestScore || s == bestScore && best != nil && c.Code < best.Code {
			best, bestScore = c, s
		}
	}
	return best
}

// codeTokens returns the five-character codes of a value: the value
// itself when it is a number of four or five digits (a postcode whose
// leading zero a spreadsheet dropped), else each code found in its text.
func codeTokens(v string) []string {
	if n := len(v); n == 4 && allDigits(v) {
		return []string{"0" + v}
	}
	return codeToken.FindAllString(v, -1)
}

func near(xs []float64, want float64) bool {
	for _, x := range xs {
		if math.Abs(x-want) < 0.15 {
			return true
		}
	}
	return false
}

func (m *mover) foldedName(c *geo.Commune) string {
	if n, ok := m.names[c.Code]; ok {
		return n
	}
	n := foldText(c.Name)
	if len(n) < 3 {
		n = ""
	}
	m.names[c.Code] = n
	return n
}

func anyContainsWord(texts []string, word string) bool {
	for _, t := range texts {
		if wordAt(t, word, 0) >= 0 {
			return true
		}
	}
	return false
}

// wordAt returns the byte offset, at or after from, where word occurs in
// text between word boundaries, or -1.
func wordAt(text, word string, from int) int {
	for from <= len(text) {
		i := strings.Index(text[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(word)
		if (i == 0 || text[i-1] == ' ') && (end == len(text) || text[end] == ' ') {
			return i
		}
		from = i + 1
	}
	return -1
}

// foldText lowers a text and strips its accents, every other character
// than a letter or a digit becoming a space, byte for byte where it can:
// letters and digits fold to ASCII, so the folded text keeps one byte per
// rune of the original; see foldMap for the offsets.
func foldText(s string) string {
	folded, _ := foldMap(s)
	return folded
}

// foldMap folds s as foldText does and returns, for each byte of the
// folded text, the offset in s of the rune it comes from.
func foldMap(s string) (string, []int) {
	var b strings.Builder
	offsets := make([]int, 0, len(s))
	for i, r := range s {
		f := foldRune(r)
		b.WriteByte(f)
		offsets = append(offsets, i)
	}
	return b.String(), offsets
}

// foldRune returns the lower-case ASCII letter or digit a rune reads as,
// or a space.
func foldRune(r rune) byte {
	if r < utf8.RuneSelf {
		switch {
		case r >= 'A' && r <= 'Z':
			return byte(r - 'A' + 'a')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return byte(r)
		}
		return ' '
	}
	if !unicode.IsLetter(r) {
		return ' '
	}
	for _, d := range norm.NFD.String(string(unicode.ToLower(r))) {
		if d < utf8.RuneSelf && d >= 'a' && d <= 'z' {
			return byte(d)
		}
	}
	return ' '
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
