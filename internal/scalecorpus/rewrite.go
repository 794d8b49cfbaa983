package scalecorpus

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

var (
	emailText = regexp.MustCompile(`[\w.+-]+@([\w-]+(?:\.[\w-]+)+)`)
	urlText   = regexp.MustCompile(`(?i)\b((?:[\w-]+\.)+(?:fr|com|org|net|eu|info|io|bzh|paris|corsica|alsace|coop|re|gp|mq|nc|pf|yt|gf|pm))\b`)
	phoneText = regexp.MustCompile(`(?:\+|00)?\d[\d .\-/]{7,16}\d`)
	floatLike = regexp.MustCompile(`^-?\d{1,3}[.,]\d+$`)
	dateLike  = regexp.MustCompile(`^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}`)
)

// value rewrites one scalar value of a moved record. isNumber says it was
// a JSON number (its replacement stays one). Codes, postcodes and points
// go with the commune; the commune's name in any text becomes the new
// one's, in the same case; phones, SIRET and SIREN, e-mail and web domains
// and opaque identifiers are made distinct per copy, the same way for the
// same value, so that the sources of one copy still agree with each other.
//
// isID says the value is in an identifier column (see identifiers): left
// unchanged otherwise, it gets the copy's number.
func (mv move) value(v string, isNumber, isID bool) string {
	if v == "" {
		return v
	}
	if out, ok := mv.whole(v, isNumber); ok {
		return out
	}
	if isNumber {
		if isID && allDigits(v) {
			return fmt.Sprintf("%s%02d", v, mv.m.copy)
		}
		return v
	}
	out := mv.names(v)
	out = emailText.ReplaceAllStringFunc(out, func(e string) string {
		at := strings.LastIndexByte(e, '@')
		return e[:at+1] + mv.host(e[at+1:])
	})
	out = replaceGroup(urlText, out, func(s string, start int) bool { return start == 0 || s[start-1] != '@' }, mv.host)
	out = floatText.ReplaceAllStringFunc(out, func(f string) string {
		if g, ok := mv.coordinate(f); ok {
			return g
		}
		return f
	})
	out = phoneText.ReplaceAllStringFunc(out, mv.digits)
	out = codeToken.ReplaceAllStringFunc(out, func(tok string) string {
		if c, ok := mv.code(tok); ok {
			return c
		}
		return tok
	})
	if out == v && isID {
		out = fmt.Sprintf("%s-c%d", v, mv.m.copy)
	}
	return out
}

// replaceGroup replaces the first group of every match of re in s that
// keep accepts (given s and the group's offset) by f of it.
func replaceGroup(re *regexp.Regexp, s string, keep func(string, int) bool, f func(string) string) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if !keep(s, m[2]) {
			continue
		}
		b.WriteString(s[last:m[2]])
		b.WriteString(f(s[m[2]:m[3]]))
		last = m[3]
	}
	if last == 0 {
		return s
	}
	return b.String() + s[last:]
}

// whole rewrites a value that is, as a whole, a code, a postcode, a
// coordinate or a number identifier.
func (mv move) whole(v string, isNumber bool) (string, bool) {
	t := strings.TrimSpace(v)
	if isNumber && len(t) == 4 && allDigits(t) {
		if c, ok := mv.code("0" + t); ok {
			return strings.TrimPrefix(c, "0"), true
		}
	}
	if c, ok := mv.code(t); ok {
		if isNumber {
			c = strings.TrimLeft(c, "0")
		}
		return c, true
	}
	if g, ok := mv.coordinate(t); ok {
		return g, true
	}
	if isNumber && allDigits(t) && len(t) >= 6 {
		return mv.digits(t), true
	}
	return "", false
}

// code maps the source commune's INSEE code and postcodes to the
// destination's.
func (mv move) code(tok string) (string, bool) {
	if strings.EqualFold(tok, mv.src.Code) {
		return mv.dst.Code, true
	}
	for i, cp := range mv.src.Postcodes {
		if tok == cp {
			return mv.dst.Postcodes[i%len(mv.dst.Postcodes)], true
		}
	}
	return "", false
}

// coordinate shifts a latitude or longitude near the source commune's
// centre by the distance between the two centres, keeping its decimals
// and its decimal separator.
func (mv move) coordinate(f string) (string, bool) {
	sep := "."
	if strings.Contains(f, ",") {
		sep = ","
	}
	dot := strings.Index(f, sep)
	if dot < 0 || len(f)-dot-1 < 3 {
		return "", false
	}
	x, err := strconv.ParseFloat(strings.Replace(f, ",", ".", 1), 64)
	if err != nil {
		return "", false
	}
	var y float64
	switch {
	case near([]float64{x}, mv.src.Centre.Lat):
		y = x + mv.dLat
	case near([]float64{x}, mv.src.Centre.Lon):
		y = x + mv.dLon
	default:
		return "", false
	}
	return strings.Replace(strconv.FormatFloat(y, 'f', len(f)-dot-1, 64), ".", sep, 1), true
}

// digits replaces the digits of a phone number, a SIRET or SIREN or a
// numeric identifier by the copy's own, keeping the first two (a phone's
// zone) and the layout; a SIRET or a SIREN keeps a valid check digit.
func (mv move) digits(s string) string {
	var ds []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			ds = append(ds, s[i])
		}
	}
	if len(ds) < 6 || sameDigits(string(ds)) || dateLike.MatchString(s) || floatLike.MatchString(s) {
		return s
	}
	h := mv.m.hash("digits", string(ds))
	repl := append([]byte{}, ds...)
	for i := 2; i < len(repl); i++ {
		repl[i] = byte('0' + h%10)
		h = h/10 ^ uint64(i)*0x9e3779b97f4a7c15
	}
	if n := len(repl); n == 9 || n == 14 {
		fixLuhn(repl)
	}
	out := []byte(s)
	j := 0
	for i := range out {
		if out[i] >= '0' && out[i] <= '9' {
			out[i] = repl[j]
			j++
		}
	}
	return string(out)
}

// fixLuhn sets the last digit so that the whole passes the Luhn check,
// as SIREN and SIRET numbers do.
func fixLuhn(d []byte) {
	d[len(d)-1] = '0'
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		x := int(d[i] - '0')
		if (len(d)-1-i)%2 == 1 {
			if x *= 2; x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	d[len(d)-1] = byte('0' + (10-sum%10)%10)
}

func sameDigits(s string) bool {
	var first rune = -1
	for _, r := range s {
		if r < '0' || r > '9' {
			continue
		}
		if first < 0 {
			first = r
		} else if r != first {
			return false
		}
	}
	return true
}

// host makes a domain the copy's own: its first label gets the copy's
// number (« mairie-apt.fr » → « mairie-apt-c3.fr », « www.x.fr » →
// « www.x-c3.fr »).
func (mv move) host(h string) string {
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return h
	}
	i := 0
	if strings.EqualFold(labels[0], "www") && len(labels) > 2 {
		i = 1
	}
	labels[i] = fmt.Sprintf("%s-c%d", labels[i], mv.m.copy)
	return strings.Join(labels, ".")
}

// names replaces the source commune's name, wherever a text carries it
// between word boundaries (compared without case or accents), by the
// destination's, written in the case the text used.
func (mv move) names(s string) string {
	name := mv.m.foldedName(mv.src)
	if name == "" {
		return s
	}
	folded, offsets := foldMap(s)
	protected := append(emailText.FindAllStringIndex(s, -1), urlText.FindAllStringIndex(s, -1)...)
	var b strings.Builder
	last := 0
	for from := 0; ; {
		i := wordAt(folded, name, from)
		if i < 0 {
			break
		}
		start, end := offsets[i], len(s)
		if j := i + len(name); j < len(offsets) {
			end = offsets[j]
		}
		from = i + len(name)
		if overlaps(protected, start, end) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(styled(mv.dst.Name, s[start:end]))
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func overlaps(spans [][]int, start, end int) bool {
	for _, sp := range spans {
		if start < sp[1] && sp[0] < end {
			return true
		}
	}
	return false
}

// styled writes name in the style of the text it replaces: upper case if
// that was, without accents if that had none (where the name has some).
func styled(name, like string) string {
	if strings.ToUpper(like) == like {
		name = strings.ToUpper(name)
	}
	ascii := true
	for _, r := range like {
		if r > unicode.MaxASCII {
			ascii = false
		}
	}
	if ascii {
		name, _, _ = transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), name)
	}
	return name
}
