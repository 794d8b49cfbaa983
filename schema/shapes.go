package schema

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// sampleSize bounds the values read to confirm a column's field.
const sampleSize = 200

var (
	postcodeShape = regexp.MustCompile(`^\d{4,5}(\.0)?$`)
	inseeShape    = regexp.MustCompile(`^(\d{4,5}|2[ABab]\d{3})(\.0)?$`)
	pivotShape    = regexp.MustCompile(`^[A-Za-z0-9]{9,14}$`)
	urlShape      = regexp.MustCompile(`(?i)^(https?://|www\.)|^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z][a-z0-9-]*[a-z](/\S*)?$`)
	houseNumber   = regexp.MustCompile(`(?i)^\d{1,4}\s*(bis|ter|quater|[a-d])?$`)
)

// shapeCheck says what share of a column's values must look right.
type shapeCheck struct {
	min  float64
	test func(string) bool
}

var shapeChecks = map[string]shapeCheck{
	"code_postal": {0.6, func(v string) bool { return postcodeShape.MatchString(strings.ReplaceAll(v, " ", "")) }},
	"code_insee":  {0.6, func(v string) bool { return inseeShape.MatchString(strings.ReplaceAll(v, " ", "")) }},
	"latitude":    {0.8, func(v string) bool { return inRange(v, 90) }},
	"longitude":   {0.8, func(v string) bool { return inRange(v, 180) }},
	coordsField:   {0.6, func(v string) bool { _, _, ok := ParseCoordinates(v); return ok }},
	geomField:     {0.6, func(v string) bool { _, _, ok := ParseCoordinates(v); return ok }},
	"courriels":   {0.5, func(v string) bool { return strings.Contains(v, "@") }},
	"site_web":    {0.5, func(v string) bool { return !strings.Contains(v, "@") && urlShape.MatchString(strings.TrimSpace(v)) }},
	"telephone":   {0.5, func(v string) bool { return countDigits(v) >= 6 }},
	"pivot": {0.3, func(v string) bool {
		return pivotShape.MatchString(strings.ReplaceAll(strings.TrimSuffix(v, ".0"), " ", ""))
	}},
	"date_maj":            {0.5, func(v string) bool { _, is := NormaliseDate(v, time.Time{}); return is == nil || is.Level == LevelFix }},
	addrNumber:            {0.6, func(v string) bool { return houseNumber.MatchString(strings.TrimSpace(v)) }},
	"nom":                 {0.8, func(v string) bool { return hasLetter(v) && !isIDLike(v) }},
	"commune":             {0.8, func(v string) bool { return hasLetter(v) && countDigits(v) <= 5 }},
	"adresse":             {0.8, hasLetter},
	addrStreet:            {0.8, hasLetter},
	"typologie":           {0.3, func(v string) bool { _, ok := vocab.typologies[strings.ToUpper(strings.TrimSpace(v))]; return ok }},
	"id":                  {0, nil},
	"fiche_acces_libre":   {0.5, isURLish},
	"prise_rdv":           {0.3, func(v string) bool { return isURLish(firstOfList(v)) }},
	"horaires":            {0.8, func(v string) bool { return len(v) >= 2 }},
	"presentation_detail": {0.5, hasLetter},
}

// namedPrefix marks, in a shape question, a column named exactly as the
// field (shapeOK).
const namedPrefix = "="

// textFields hold free text that differs from one lieu to the next: a
// column of yes/no answers or of one repeated value is not one of them.
var textFields = map[string]bool{"nom": true, "adresse": true, addrStreet: true, "courriels": true, "telephone": true, "site_web": true}

// shapeOK confirms a recognised column by the look of its values.
// Enumerated fields need some values the vocabulary resolves.
// A column named exactly as a field (namedPrefix) is refused only when
// its values contradict the field: an empty column or one value
// repeated is kept.
func shapeOK(field string, values []string) bool {
	named := strings.HasPrefix(field, namedPrefix)
	field = strings.TrimPrefix(field, namedPrefix)
	if field == "-" || named && len(values) == 0 {
		return true
	}
	if len(values) == 0 || !named && textFields[field] && !varied(values) {
		return false
	}
	check, ok := shapeChecks[field]
	switch i := halfDayIndex(field); {
	case dayIndex(field) >= 0:
		check, ok = shapeCheck{0.5, func(v string) bool { return countDigits(v) >= 1 || strings.Contains(fold(v), "ferm") }}, true
	case i == 0:
		check, ok = shapeCheck{0.5, func(v string) bool { return strings.Contains(fold(v), "di") || strings.Contains(fold(v), "day") }}, true
	case i > 0:
		check, ok = shapeCheck{0.8, func(v string) bool { return countDigits(v) >= 1 && countDigits(v) <= 4 }}, true
	}
	if !ok && named {
		return true // a field without a shape of its own: its name is enough
	}
	if !ok {
		if _, enum := vocab.enums[field]; enum {
			check = shapeCheck{0.3, func(v string) bool { return resolvesSomething(field, v) }}
		} else {
			check = shapeCheck{0.5, hasLetter}
		}
	}
	if check.test == nil {
		return true
	}
	n := 0
	for _, v := range values {
		if check.test(v) {
			n++
		}
	}
	return float64(n) >= check.min*float64(len(values))
}

// booleanWords are the answers of yes/no columns.
var booleanWords = map[string]bool{"oui": true, "non": true, "yes": true, "no": true, "true": true, "false": true,
	"vrai": true, "faux": true, "x": true, "0": true, "1": true, "o": true, "n": true}

// varied reports whether a sample looks like free text: not yes/no
// answers, and (from ten values on) at least three distinct values making
// a tenth of the sample (a source may repeat a place once per service).
func varied(values []string) bool {
	distinct := map[string]bool{}
	booleans := 0
	for _, v := range values {
		f := fold(v)
		distinct[f] = true
		if booleanWords[f] {
			booleans++
		}
	}
	if 2*booleans > len(values) {
		return false
	}
	return len(values) < 10 || len(distinct) >= 3 && 10*len(distinct) >= len(values)
}

func resolvesSomething(field, v string) bool {
	for _, tok := range splitList(field, v) {
		if isGeneralAudience(field, tok) {
			return true
		}
		if _, ok := vocab.resolveEnum(field, tok); ok {
			return true
		}
		if _, known := vocab.resolveLegacy(field, tok); known {
			return true
		}
	}
	return len(fromKeywords(field, v)) > 0
}

// generalAudience are the answers that say a lieu welcomes everyone:
// known values of an audience field that name none of its list's.
var generalAudience = map[string]bool{"tout public": true, "tous publics": true, "tous public": true, "tout publics": true,
	"grand public": true, "tout le monde": true, "adultes": true, "all": true, "everyone": true, "general public": true}

// isGeneralAudience tells whether a value of an audience field says
// « everyone ».
func isGeneralAudience(field, tok string) bool {
	return (field == "publics_specifiquement_adresses" || field == "prise_en_charge_specifique") &&
		generalAudience[strings.Join(words(tok), " ")]
}

func inRange(v string, limit float64) bool {
	f, ok := ParseNumber(strings.Replace(v, ",", ".", 1))
	return ok && f >= -limit && f <= limit && f != 0
}

func countDigits(v string) int {
	n := 0
	for _, r := range v {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func hasLetter(v string) bool { return strings.IndexFunc(v, unicode.IsLetter) >= 0 }

func isURLish(v string) bool {
	return !strings.Contains(v, "@") && urlShape.MatchString(strings.TrimSpace(v))
}

// recognise assigns fields to the columns that no exact name or explicit
// mapping claimed. Candidates are taken best score first; each field goes
// to one column (pseudo-field "-" to any number) and only when the column's
// values have the field's shape. A column whose best field is already taken
// becomes that field's fallback ("~field"): it fills the field when the
// chosen column is empty for a record.
func recognise(columns []string, fits shapeTest, taken map[string]bool) map[string]string {
	var all []candidate
	order := map[string]int{}
	for i, col := range columns {
		order[col] = i
		all = append(all, synonyms.candidates(col)...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		return all[i].score > all[j].score || all[i].score == all[j].score && order[all[i].column] < order[all[j].column]
	})
	out := map[string]string{}
	fallback := map[string]bool{}
	tried := map[string]bool{}
	for _, c := range all {
		if _, done := out[c.column]; done || !fits(c.field, c.column) {
			continue
		}
		first := !tried[c.column]
		tried[c.column] = true
		switch {
		case !taken[c.field] || c.field == "-":
			out[c.column] = c.field
			taken[c.field] = true
		case first && !fallback[c.field] && !isPseudo(c.field):
			out[c.column] = fallbackPrefix + c.field
			fallback[c.field] = true
		}
	}
	return out
}

// fallbackPrefix marks a target that only fills an empty field.
const fallbackPrefix = "~"

func isPseudo(field string) bool {
	switch field {
	case addrNumber, addrType, addrStreet, coordsField, geomField:
		return true
	}
	return dayIndex(field) >= 0 || halfDayIndex(field) >= 0
}

// halfDayFields are the pseudo-fields of opening days and morning and
// afternoon opening and closing times.
var halfDayFields = []string{"horaires.days", "horaires.am_open", "horaires.am_close", "horaires.pm_open", "horaires.pm_close"}

func halfDayIndex(field string) int { return slices.Index(halfDayFields, field) }

// dayColumnPrefix names the per-day hours pseudo-fields: horaires.mo …
const dayColumnPrefix = "horaires."

var dayCodes = []string{"mo", "tu", "we", "th", "fr", "sa", "su"}

// dayIndex returns 0 (Monday) … 6 for a per-day hours pseudo-field, or -1.
func dayIndex(field string) int {
	code, ok := strings.CutPrefix(field, dayColumnPrefix)
	if !ok {
		return -1
	}
	for i, c := range dayCodes {
		if c == code {
			return i
		}
	}
	return -1
}
