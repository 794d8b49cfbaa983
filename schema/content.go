package schema

import (
	_ "embed"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Recognition by content: a column that no name claimed (no name of the
// standard, no synonym whose values agree) is profiled, and given the
// field its values leave no doubt about. Pairs of numeric columns are
// read as points first (degrees, or Lambert-93 metres); then each
// remaining column gets the field whose test the largest share of its
// sample passes, the most specific tests first, each field to one column.
// A second column passing the test of a field already taken fills it
// where the first is empty (secondColumnFields). A free-text column
// becomes the name when nothing else names the lieux, a column naming
// bodies the structure_parente. A column with fewer than fewValues
// values is not judged. Every decision says why (Mapper.Reasons).

// contentSource gives a column's sampled values and the values of two
// columns read in the same records.
type contentSource interface {
	sample(column string) []string
	rows(a, b string) [][2]string
	count() int
}

// fewValues is how few values leave a column unjudged by content in a
// table of at least fewValuesTable records: one or two stray values (a
// row shifted by a column) would otherwise pass any test at 100 %.
const fewValues, fewValuesTable = 3, 10

// judgeable tells whether a column holds enough values to be recognised
// by them.
func judgeable(src contentSource, column string) bool {
	n := len(src.sample(column))
	return n > 0 && (n >= fewValues || src.count() < fewValuesTable)
}

// Places knows the communes: their INSEE codes (current or former),
// postcodes and names (geo.Referential is one). Recognition by content
// reads codes and commune names with it; without it (nil), codes are
// told apart by their look and commune names are not recognised.
type Places interface {
	IsINSEE(code string) bool
	IsPostcode(cp string) bool
	IsCommuneName(name string) bool
}

// contentTest is how one field is recognised from values: the share of a
// sample its test must pass, and what the reason calls the values.
type contentTest struct {
	field string
	min   float64
	what  string
	test  func(string) bool
}

var (
	emailShape = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$`)
	// streetWords are the words of a street address: a street type any
	// address may start with, or a number followed by one of the looser
	// types (« 3 mail des Tilleuls », not « Espace labellisé »)
	streetWords = regexp.MustCompile(`(?i)(^|[\s,'’])(rue|avenue|av\.?|bd|boulevard|place|chemin|route|rte|all[ée]e|impasse|quai|cours|square|rond[- ]point|lotissement|hameau|bourg|lieu[- ]dit|r[ée]sidence|chauss[ée]e|faubourg|esplanade|promenade|parvis|carrefour|sentier|mont[ée]e|passage)(\s|$|,)|\d+\s*(bis|ter|[a-d])?,?\s+(r\.|pl\.?|ch\.?|imp\.?|zone|za|zac|zi|parc|voie|cit[ée]|espace|centre|mail|clos|domaine|quartier|cour|villa|b[aâ]timent|bat\.?|grande?|petite?|le|la|les|du|de|des)\s`)
	timeShape   = regexp.MustCompile(`\d{1,2}\s*[hH:]\s*\d{0,2}`)
	dayWords    = regexp.MustCompile(`(?i)\b(lun|mar|mer|jeu|ven|sam|dim|mo|tu|we|th|fr|sa|su)[a-z]*\b`)
	streetStart = regexp.MustCompile(`(?i)^(rue|avenue|av\.?|bd|boulevard|place|pl\.?|chemin|ch\.?|route|rte|all[ée]e|impasse|imp\.?|quai|cours|square|rond[- ]point|lotissement|hameau|lieu[- ]dit|r[ée]sidence|chauss[ée]e|faubourg|esplanade|promenade|parvis|carrefour|sentier|mont[ée]e|passage|voie|cit[ée]|mail|clos|parc|zone|za|zac|zi)\b`)
	// notASite: links to an image, to a map's directions or to an
	// accessibility widget, which say what the place looks like, how to
	// get there or in, not what its web site is
	notASite    = regexp.MustCompile(`(?i)\.(png|jpe?g|gif|svg|webp|bmp|tiff?)([?#]|$)|^(https?://)?([a-z0-9-]+\.)*(google\.[a-z.]+/maps|maps\.google\.[a-z.]+|goo\.gl/maps|maps\.app\.goo\.gl|openstreetmap\.org|osm\.org|waze\.com|maps\.apple\.com|bing\.com/maps|mappy\.com|geoportail\.gouv\.fr|pictoaccess\.fr)`)
	bookingURL  = regexp.MustCompile(`(?i)rdv|rendez|booking|reserv|calendly|doctolib|agenda|prendre|planning`)
	complement  = regexp.MustCompile(`(?i)(^|\s)(b[aâ]t(iment)?\.?|[ée]tage|niveau|appartement|apt|porte|escalier|entr[ée]e|rez[- ]de[- ]chauss[ée]e|rdc|hall|local|salle|bureau|bp|cs|cedex|1er|2e|2[eè]me|aile|bloc)(\s|$|\d)`)
	idShape     = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,64}$`)
	frenchPhone = regexp.MustCompile(`^(0[1-9]\d{8}|33[1-9]\d{8}|(262|269|590|594|596|687|689)\d{6,9}|0{1,2}33[1-9]\d{8})$`)
	// postcodeThenCommune ends a full address line: « Mairie 20224 CORSCIA »
	postcodeThenCommune = regexp.MustCompile(`\D\s(\d{5}|2[ABab]\d{3})\s+\pL[\pL'’ -]+$`)
	postcodeLike        = regexp.MustCompile(`^(\d{5}|2[ABab]\d{3})$`)
)

// contentTests, most specific first.
var contentTests = []contentTest{
	{"courriels", 0.7, "e-mail addresses", func(v string) bool { return emailShape.MatchString(strings.TrimSpace(firstOfList(v))) }},
	{"fiche_acces_libre", 0.6, "acceslibre pages", func(v string) bool {
		return isURLish(firstOfList(v)) && strings.Contains(strings.ToLower(v), "acceslibre")
	}},
	{"prise_rdv", 0.6, "booking pages", func(v string) bool { return isURLish(firstOfList(v)) && bookingURL.MatchString(v) }},
	{"site_web", 0.7, "web addresses", func(v string) bool { u := firstOfList(v); return isURLish(u) && !notASite.MatchString(u) }},
	{"pivot", 0.7, "SIRET or SIREN numbers (Luhn checked)", isSiretOrSiren},
	{"telephone", 0.7, "French phone numbers", isFrenchPhone},
	{"date_maj", 0.8, "dates", func(v string) bool {
		d, is := NormaliseDate(v, time.Time{})
		return d != "" && (is == nil || is.Level == LevelFix) && countDigits(v) >= 4
	}},
	{"typologie", 0.6, "typology codes", func(v string) bool {
		for _, tok := range splitList("typologie", v) {
			if _, ok := vocab.typologies[strings.ToUpper(strings.TrimSpace(tok))]; ok {
				return true
			}
		}
		return false
	}},
	{"horaires", 0.6, "opening hours (days and times)", func(v string) bool {
		_, stamp := parseDate(strings.TrimSpace(v)) // « 2020/06/30 14:16:50 » is when the row was edited
		return !stamp && timeShape.MatchString(v) && (dayWords.MatchString(v) || strings.Count(v, ":")+strings.Count(strings.ToLower(v), "h") >= 2)
	}},
	{"adresse", 0.6, "street addresses", func(v string) bool {
		// a text that also carries an e-mail, a link or markup is a card
		// (a map's pop-up, a description) that contains an address
		return hasLetter(v) && !strings.ContainsAny(v, "@<") && !strings.Contains(v, "://") &&
			(streetWords.MatchString(v) || postcodeThenCommune.MatchString(v))
	}},
	{"complement_adresse", 0.5, "address complements (building, floor, PO box)", func(v string) bool {
		return len(v) <= 80 && complement.MatchString(v)
	}},
}

// secondColumnFields are the fields a second column recognised by its
// values fills where the first is empty (a geocoder's address beside the
// producer's, raw hours beside OSM hours). One field, one such column.
var secondColumnFields = map[string]bool{"adresse": true, "commune": true, "horaires": true,
	"site_web": true, "telephone": true, "courriels": true}

// codeStats describes a column of five-character codes: the share of its
// values that are such codes, that are the communes' INSEE codes, their
// postcodes (when places are known), and of codes ending in 0 (postcodes
// mostly do: a town's main office; INSEE codes end in any digit).
type codeStats struct {
	column                   string
	codes, insee, post, zero float64
}

func codeStatsOf(column string, values []string, places Places) codeStats {
	st := codeStats{column: column}
	codes, zeros, insee, post := 0, 0, 0, 0
	for _, v := range values {
		v = strings.TrimSuffix(strings.ReplaceAll(strings.TrimSpace(v), " ", ""), ".0")
		if len(v) == 4 && countDigits(v) == 4 {
			v = "0" + v // a spreadsheet dropped the leading zero
		}
		if !postcodeLike.MatchString(v) {
			continue
		}
		codes++
		if v[4] == '0' {
			zeros++
		}
		if places != nil && places.IsINSEE(strings.ToUpper(v)) {
			insee++
		}
		if places != nil && places.IsPostcode(v) {
			post++
		}
	}
	n := float64(max(len(values), 1))
	st.codes, st.insee, st.post = float64(codes)/n, float64(insee)/n, float64(post)/n
	st.zero = float64(zeros) / float64(max(codes, 1))
	return st
}

// postalness is how much more a column looks like postcodes than like
// INSEE codes.
func (st codeStats) postalness(places Places) float64 {
	if places == nil {
		return st.zero
	}
	return st.post - st.insee + st.zero
}

// recogniseCodes reads the columns of five-character codes as postcodes
// and INSEE codes: of two such columns the more postcode-like is the
// postcode; a column alone is what the communes' codes (or, without
// them, its look) say; a column beside a postcode (or INSEE) column
// recognised by name is the other. It returns the columns left.
func recogniseCodes(rest []string, src contentSource, places Places, taken map[string]bool, out, reasons map[string]string) []string {
	var cands []codeStats
	for _, c := range rest {
		st := codeStatsOf(c, src.sample(c), places)
		if st.codes >= 0.8 && (places == nil || max(st.insee, st.post) >= st.codes/2) {
			cands = append(cands, st)
		}
	}
	if len(cands) == 0 {
		return rest
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].postalness(places) > cands[j].postalness(places) })
	assign := func(st codeStats, field, why string) {
		out[st.column], taken[field] = field, true
		reasons[st.column] = fmt.Sprintf("%s → %s: %.0f %% of values are %s", st.column, field, 100*st.codes, why)
	}
	describe := func(st codeStats) string {
		if places == nil {
			return fmt.Sprintf("five-character codes, %.0f %% of them ending in 0", 100*st.zero)
		}
		return fmt.Sprintf("five-character codes (%.0f %% the communes' postcodes, %.0f %% their INSEE codes, %.0f %% ending in 0)", 100*st.post, 100*st.insee, 100*st.zero)
	}
	first, others := cands[0], cands[1:]
	postal := !taken["code_postal"]
	if len(others) == 0 && postal && !taken["code_insee"] {
		// alone: what it resembles more
		postal = places == nil && first.zero >= 0.35 || places != nil && first.post > first.insee
	}
	used := map[string]bool{}
	if postal {
		assign(first, "code_postal", describe(first))
		used[first.column] = true
		if len(others) > 0 && !taken["code_insee"] {
			assign(others[len(others)-1], "code_insee", describe(others[len(others)-1]))
			used[others[len(others)-1].column] = true
		}
	} else if !taken["code_insee"] {
		last := cands[len(cands)-1]
		assign(last, "code_insee", describe(last))
		used[last.column] = true
	}
	return slices.DeleteFunc(rest, func(c string) bool { return used[c] })
}

// recogniseByContent assigns fields to the columns left by recognition
// by name, writing each decision's reason into reasons.
func recogniseByContent(columns []string, src contentSource, places Places, taken map[string]bool, out, reasons map[string]string) {
	var rest []string
	for _, c := range columns {
		if _, done := out[c]; !done && c != geometryColumn && judgeable(src, c) {
			rest = append(rest, c)
		}
	}
	rest = recognisePoint(rest, src, taken, out, reasons)
	rest = recogniseCodes(rest, src, places, taken, out, reasons)
	rest = recogniseDays(rest, src, taken, out, reasons)
	rest = recogniseStreetParts(rest, src, taken, out, reasons)
	type verdict struct {
		column, field, why string
		share              float64
		rank               int
	}
	var found []verdict
	for _, c := range rest {
		values := firstValues(src.sample(c))
		if places != nil && !taken["commune"] {
			if share := shareOf(values, func(v string) bool { return places.IsCommuneName(v) }); share >= 0.7 {
				found = append(found, verdict{c, "commune", "names of communes", share, -1})
				continue
			}
		}
		for rank, t := range contentTests {
			if shareOf(values[:min(len(values), 10)], t.test) < t.min-0.3 {
				continue // told by the first values: most tests fail on most columns
			}
			if share := shareOf(values, t.test); share >= t.min {
				found = append(found, verdict{c, t.field, t.what, share, rank})
				break
			}
		}
	}
	for _, c := range rest {
		if slices.ContainsFunc(found, func(v verdict) bool { return v.column == c }) {
			continue
		}
		if shareOf(src.sample(c), func(v string) bool { return booleanWords[fold(v)] }) > 0.5 {
			continue // yes/no answers say nothing of which field they belong to
		}
		if f, share := enumField(firstValues(src.sample(c)), taken); f != "" {
			found = append(found, verdict{c, f, "values of the field's list", share, len(contentTests)})
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		return found[i].rank < found[j].rank || found[i].rank == found[j].rank && found[i].share > found[j].share
	})
	fallbacks := map[string]bool{}
	for _, v := range found {
		why := fmt.Sprintf("%.0f %% of values are %s", 100*v.share, v.why)
		switch {
		case !taken[v.field]:
			taken[v.field], out[v.column] = true, v.field
			reasons[v.column] = fmt.Sprintf("%s → %s: %s", v.column, v.field, why)
		case secondColumnFields[v.field] && !fallbacks[v.field]:
			fallbacks[v.field], out[v.column] = true, fallbackPrefix+v.field
			reasons[v.column] = fmt.Sprintf("%s → %s where the first column is empty: %s", v.column, v.field, why)
		}
	}
	if !taken["id"] {
		recogniseID(rest, src, taken, out, reasons)
	}
	if !taken["nom"] {
		recogniseName(rest, src, places, taken, out, reasons)
	}
	if !taken["structure_parente"] {
		recogniseParent(rest, src, taken, out, reasons)
	}
	if !taken["presentation_detail"] {
		recogniseText(rest, src, taken, out, reasons)
	}
}

// enumField is the enumerated field (of the standard or of its 0.x
// versions) whose list the values of a column resolve best, when at
// least 60 % do and no other field's list comes within 15 points.
func enumField(values []string, taken map[string]bool) (string, float64) {
	if len(values) >= 10 && distinctShare(values) >= 0.95 && shareOf(values, func(v string) bool { return isIDLike(v) || isSlug(v) }) >= 0.5 {
		return "", 0 // codes all different are a key, whatever words they spell: a list's values repeat
	}
	// names (short, capitalised, differing from row to row where a list's
	// items recur) hold the words of many fields: « Bus France Services -
	// Place de la poste »
	nameLike := len(values) >= 10 && distinctShare(listItems(values)) >= 0.5 && meanLength(values) < 60 && capitalisedShare(values) >= 0.5
	// a 0.x name's dictionary, more specific, is tried first and keeps a tie
	best, second, field := 0.0, 0.0, ""
	consider := func(f string, resolves func(string) bool) {
		if taken[fieldOf(f)] {
			return
		}
		if shareOf(values[:min(len(values), 10)], resolves) < 0.3 {
			return // most fields' lists resolve nothing of the column: told by its first values
		}
		share := shareOf(values, resolves)
		same := field != "" && (fieldOf(f) == fieldOf(field) || tableOf(f) == tableOf(field))
		switch {
		case share > best:
			if !same {
				second = best
			}
			best, field = share, f
		case share > second && !same:
			second = share
		}
	}
	legacy := sortedKeys(vocab.legacy)
	for _, alias := range sortedKeys(vocab.valueAliases) {
		legacy = append(legacy, alias) // a column read with another's dictionary
	}
	for _, f := range legacy {
		consider(f, func(v string) bool {
			for _, tok := range splitList(f, v) {
				if _, known := vocab.resolveLegacy(f, tok); known {
					return true
				}
			}
			return false
		})
	}
	// each value's words folded once, for every field's keywords
	folded := make(map[string]string, len(values))
	for _, v := range values {
		folded[v] = foldedText(v)
	}
	for _, f := range sortedKeys(vocab.enums) {
		// the field's keywords in free text; not for a field of two values
		// (Fixe, Itinérant), whose words any text may hold, nor in names
		rules := keywordRules[f]
		if nameLike || enumSize(f) <= 2 {
			rules = nil
		}
		consider(f, func(v string) bool {
			for _, tok := range splitList(f, v) {
				if _, ok := vocab.resolveEnum(f, tok); ok {
					return true
				}
				if f == "publics_specifiquement_adresses" && isGeneralAudience(f, tok) {
					return true // « Tout public »: the audience field's, not the care field's
				}
			}
			return anyRuleMatches(rules, folded[v])
		})
	}
	if best < 0.6 || best-second < 0.15 {
		return "", 0
	}
	return field, best
}

// listItems are the items of values read as lists (split at , ; | /).
func listItems(values []string) []string {
	var out []string
	for _, v := range values {
		for _, it := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(",;|/", r) }) {
			if it = strings.TrimSpace(it); it != "" {
				out = append(out, it)
			}
		}
	}
	return out
}

// enumSize is how many values the standard's list of a field has.
func enumSize(field string) int {
	seen := map[string]bool{}
	for _, c := range vocab.enums[field] {
		seen[c] = true
	}
	return len(seen)
}

// tableOf is the 0.x dictionary a column name is read with.
func tableOf(name string) string {
	if alias, ok := vocab.valueAliases[name]; ok {
		return alias
	}
	return name
}

// recogniseDays reads five to seven neighbouring columns of times or
// « fermé » as the days of the week, Monday first, in column order.
func recogniseDays(rest []string, src contentSource, taken map[string]bool, out, reasons map[string]string) []string {
	if taken["horaires.mo"] {
		return rest
	}
	hours := func(v string) bool { return timeShape.MatchString(v) || strings.Contains(fold(v), "ferm") }
	isDay := func(c string) bool { return c != "" && shareOf(firstValues(src.sample(c)), hours) >= 0.6 }
	run := []string{}
	for _, c := range append(slices.Clone(rest), "") {
		day := isDay(c)
		if day && len(run) < 7 {
			run = append(run, c)
			continue
		}
		if len(run) >= 5 {
			for i, col := range run {
				f := dayColumnPrefix + dayCodes[i]
				out[col], taken[f] = f, true
				reasons[col] = fmt.Sprintf("%s → %s: %d neighbouring columns of opening times, read Monday first", col, f, len(run))
			}
			return slices.DeleteFunc(rest, func(c string) bool { return slices.Contains(run, c) })
		}
		run = run[:0]
		if day {
			run = append(run, c)
		}
	}
	return rest
}

// recogniseStreetParts reads a column of house numbers followed by a
// column of street names as the address's number and street.
func recogniseStreetParts(rest []string, src contentSource, taken map[string]bool, out, reasons map[string]string) []string {
	if taken["adresse"] || taken[addrNumber] || taken[addrStreet] {
		return rest
	}
	number := func(v string) bool { return houseNumber.MatchString(strings.TrimSpace(v)) }
	street := func(v string) bool { return streetStart.MatchString(strings.TrimSpace(v)) }
	for i := 0; i+1 < len(rest); i++ {
		n, st := rest[i], rest[i+1]
		if shareOf(src.sample(n), number) < 0.8 || shareOf(src.sample(st), street) < 0.6 {
			continue
		}
		out[n], out[st] = addrNumber, addrStreet
		taken[addrNumber], taken[addrStreet] = true, true
		why := fmt.Sprintf("%s, %s → the address's number and street: house numbers beside street names", n, st)
		reasons[n], reasons[st] = why, why
		return slices.Delete(rest, i, i+2)
	}
	return rest
}

// recogniseID makes the identifier of the first column whose values are
// distinct codes without spaces (numbers, UUIDs, slugs), 95 % at least.
func recogniseID(rest []string, src contentSource, taken map[string]bool, out, reasons map[string]string) {
	for _, c := range rest {
		if _, done := out[c]; done {
			continue
		}
		values := src.sample(c)
		if len(values) < min(2, src.count()) || distinctShare(values) < 0.95 || shareOf(values, func(v string) bool { return isIDLike(v) || isSlug(v) }) < 0.95 {
			continue
		}
		taken["id"], out[c] = true, "id"
		reasons[c] = fmt.Sprintf("%s → id: every value distinct, codes without spaces", c)
		return
	}
}

// isSlug reports words joined by hyphens or underscores, without spaces
// (« bibliotheque-anne-de-graville »): a code made from a name.
func isSlug(v string) bool {
	return !strings.Contains(v, " ") && strings.ContainsAny(v, "-_") && strings.ToLower(v) == v
}

func isIDLike(v string) bool {
	return idShape.MatchString(v) && countDigits(v) > 0
}

// recogniseText reads the columns of free text (words, 40 characters on
// average): the longest, from 80 characters, is the detailed
// presentation; a clearly shorter one beside it the summary.
func recogniseText(rest []string, src contentSource, taken map[string]bool, out, reasons map[string]string) {
	type text struct {
		column string
		length float64
	}
	var texts []text
	for _, c := range rest {
		if _, done := out[c]; done {
			continue
		}
		values := src.sample(c)
		if l := meanLength(values); l >= 40 && shareOf(values, func(v string) bool { return hasLetter(v) && strings.Contains(v, " ") }) >= 0.8 {
			texts = append(texts, text{c, l})
		}
	}
	sort.SliceStable(texts, func(i, j int) bool { return texts[i].length > texts[j].length })
	if len(texts) == 0 || texts[0].length < 80 {
		return
	}
	long := texts[0]
	taken["presentation_detail"], out[long.column] = true, "presentation_detail"
	reasons[long.column] = fmt.Sprintf("%s → presentation_detail: free text of %.0f characters on average", long.column, long.length)
	if len(texts) > 1 && !taken["presentation_resume"] && texts[1].length <= 0.8*long.length {
		short := texts[1]
		taken["presentation_resume"], out[short.column] = true, "presentation_resume"
		reasons[short.column] = fmt.Sprintf("%s → presentation_resume: free text of %.0f characters on average, shorter than %s", short.column, short.length, long.column)
	}
}

// recognisePoint finds, among the numeric columns, the pair read as a
// point in France: degrees (latitude in the metropolitan or an overseas
// range, longitude beside it) or Lambert-93 metres (given to the
// coordinates' check, which converts them). It returns the columns left.
func recognisePoint(rest []string, src contentSource, taken map[string]bool, out, reasons map[string]string) []string {
	if taken["latitude"] || taken["longitude"] || taken[coordsField] {
		return rest
	}
	var numeric []string
	for _, c := range rest {
		values := src.sample(c)
		nonZero := shareOf(values, func(v string) bool { f, ok := parseDecimal(v); return ok && f != 0 })
		// small whole numbers (counts, département numbers) pair by
		// chance; places repeated once per service repeat their point
		precise := shareOf(values, func(v string) bool { f, _ := parseDecimal(v); return f != math.Trunc(f) || math.Abs(f) >= 50_000 })
		if nonZero >= 0.9 && (len(values) < 10 || distinctShare(values) >= 0.5 || precise >= 0.9) {
			numeric = append(numeric, c)
		}
	}
	best, bestShare, bestWhat := [2]string{}, 0.0, ""
	for _, a := range numeric {
		for _, b := range numeric {
			if a == b {
				continue
			}
			share, what := pointShare(src.rows(a, b))
			if share > bestShare {
				best, bestShare, bestWhat = [2]string{a, b}, share, what
			}
		}
	}
	if bestShare < 0.8 {
		return rest
	}
	lat, lon := best[0], best[1]
	out[lat], out[lon] = "latitude", "longitude"
	taken["latitude"], taken["longitude"] = true, true
	why := fmt.Sprintf("%s, %s → %s latitude/longitude: %.0f %% of rows in range", lat, lon, bestWhat, 100*bestShare)
	reasons[lat], reasons[lon] = why, why
	var left []string
	for _, c := range rest {
		if c != lat && c != lon {
			left = append(left, c)
		}
	}
	return left
}

// pointShare is the share of rows whose (a, b) is a (latitude,
// longitude) in France, and in what system.
func pointShare(rows [][2]string) (float64, string) {
	if len(rows) == 0 {
		return 0, ""
	}
	deg, metres := 0, 0
	for _, r := range rows {
		y, ok1 := parseDecimal(r[0])
		x, ok2 := parseDecimal(r[1])
		if !ok1 || !ok2 {
			continue
		}
		if inFranceDegrees(y, x) {
			deg++
		}
		if x >= 50_000 && x <= 1_300_000 && y >= 6_000_000 && y <= 7_200_000 { // geo.IsLambert93's extent
			metres++
		}
	}
	n := float64(len(rows))
	if metres > deg {
		return float64(metres) / n, "Lambert-93"
	}
	return float64(deg) / n, "WGS84"
}

// franceBoxes are rough latitude/longitude boxes of metropolitan France
// and the overseas territories the standard covers.
var franceBoxes = [][4]float64{ // south, north, west, east
	{41.2, 51.2, -5.3, 9.7},      // metropolitan France and Corsica
	{15.8, 16.6, -61.9, -60.9},   // Guadeloupe
	{14.3, 14.9, -61.3, -60.8},   // Martinique
	{2.1, 5.8, -54.7, -51.5},     // Guyane
	{-21.5, -20.8, 55.2, 55.9},   // La Réunion
	{-13.1, -12.6, 44.9, 45.4},   // Mayotte
	{-22.8, -19.5, 163.5, 168.2}, // Nouvelle-Calédonie
	{-28, -7.8, -155, -134},      // Polynésie française
	{46.7, 47.2, -56.5, -56.1},   // Saint-Pierre-et-Miquelon
	{17.8, 18.2, -63.2, -62.7},   // Saint-Martin, Saint-Barthélemy
	{-14.4, -13.1, -178.3, -176}, // Wallis-et-Futuna
}

func inFranceDegrees(lat, lon float64) bool {
	for _, b := range franceBoxes {
		if lat >= b[0] && lat <= b[1] && lon >= b[2] && lon <= b[3] {
			return true
		}
	}
	return false
}

// parseDecimal reads a number written with a decimal point or a decimal
// comma ("475198,12").
func parseDecimal(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if strings.Count(v, ",") == 1 && !strings.Contains(v, ".") {
		v = strings.Replace(v, ",", ".", 1)
	}
	return ParseNumber(v)
}

// recogniseName makes the name of the most name-like free-text column:
// letters in nearly every value, nearly every value distinct, of a
// name's length, seldom an address or a sentence. The first such column
// wins a tie (producers put the name first).
func recogniseName(rest []string, src contentSource, places Places, taken map[string]bool, out, reasons map[string]string) {
	// a table may repeat each place once per service: its names are then
	// as distinct as its places (their addresses or points when known,
	// else its most distinct column), not all different
	ref, known, fullest := placesDistinct(src, out), true, 0
	for _, c := range rest {
		if ref == 0 {
			known = false
		}
		if !known {
			ref = max(ref, distinctShare(src.sample(c)))
		}
		fullest = max(fullest, len(src.sample(c)))
	}
	best, bestScore := "", 0.0
	for _, c := range rest {
		if _, done := out[c]; done {
			continue
		}
		if score := nameScore(src.sample(c), ref, known, fullest, places); score > bestScore+0.05 {
			best, bestScore = c, score
		}
	}
	if best == "" {
		return
	}
	taken["nom"], out[best] = true, "nom"
	reasons[best] = fmt.Sprintf("%s → nom: free text, %.0f %% of values distinct, no other column names the lieux", best, 100*distinctShare(src.sample(best)))
}

// nameScore is how much a column looks like the lieux's names, 0 when it
// cannot be: names are short free text (no address, hours, codes or
// commune alone), in every row, as distinct as the places (ref, their
// distinct share; known when read from their addresses or points), and
// proper nouns mostly capitalised.
func nameScore(values []string, ref float64, known bool, fullest int, places Places) float64 {
	if len(values) == 0 {
		return 0
	}
	letters := shareOf(values, hasLetter)
	addresses := shareOf(values, func(v string) bool { return streetWords.MatchString(v) && countDigits(v) > 0 })
	codes := shareOf(values, func(v string) bool { return isURLish(v) || strings.Contains(v, "@") || isIDLike(v) || isSlug(v) })
	distinct, length := distinctShare(values), meanLength(values)
	if letters < 0.9 || distinct < min(0.6, 0.8*ref) || addresses > 0.3 || codes > 0.1 || length < 4 || length > 90 {
		return 0
	}
	if notNames(values) > 0.3 || places != nil && shareOf(values, places.IsCommuneName) > 0.7 {
		return 0
	}
	likeness := distinct // the most distinct when the places are not known
	if known {
		likeness = max(0, 1-math.Abs(distinct-ref)/ref)
	}
	fill := float64(len(values)) / float64(fullest)
	return likeness * letters * fill * min(1, 50/length) * (0.5 + 0.5*capitalisedShare(values))
}

// capitalisedShare is the mean share of a value's words of three letters
// or more that start with a capital.
func capitalisedShare(values []string) float64 {
	total := 0.0
	for _, v := range values {
		n, caps := 0, 0
		for _, w := range strings.Fields(v) {
			r := []rune(strings.Trim(w, `"'«»()[]-–,.:;`))
			if len(r) < 3 {
				continue
			}
			n++
			if unicode.IsUpper(r[0]) {
				caps++
			}
		}
		if n > 0 {
			total += float64(caps) / float64(n)
		}
	}
	return total / float64(len(values))
}

// placesDistinct is the distinct share of the columns that place the
// lieux (address, street, point), 0 when none is known.
func placesDistinct(src contentSource, out map[string]string) float64 {
	most := 0.0
	for c, f := range out {
		switch f {
		case "adresse", addrStreet, "latitude", coordsField, geomField:
			most = max(most, distinctShare(src.sample(c)))
		}
	}
	return most
}

//go:embed data/bodies.json
var bodiesJSON []byte

// bodyWords are the folded words of data/bodies.json, each " word".
var bodyWords = func() []string {
	var doc struct {
		Words []string `json:"words"`
	}
	mustTable("bodies.json", bodiesJSON, &doc)
	return foldKeywords(doc.Words)
}()

// namesBody tells whether a text names a body (data/bodies.json).
func namesBody(v string) bool {
	return containsAnyWord(" "+strings.Join(words(v), " ")+" ", bodyWords)
}

// recogniseParent reads, once the name is known, the column of the
// bodies that run the lieux: short text of two words or more, most
// values naming a body, repeated at least as often as the names are.
func recogniseParent(rest []string, src contentSource, taken map[string]bool, out, reasons map[string]string) {
	names := 1.0
	for c, f := range out {
		if f == "nom" {
			names = distinctShare(src.sample(c))
		}
	}
	best, bestShare := "", 0.5
	for _, c := range rest {
		if _, done := out[c]; done {
			continue
		}
		values := firstValues(src.sample(c))
		if shareOf(values, hasLetter) < 0.9 || distinctShare(values) > names+0.05 || meanLength(values) > 90 || notNames(values) > 0.3 ||
			shareOf(values, func(v string) bool { return isURLish(v) || strings.Contains(v, "@") || isIDLike(v) }) > 0.1 {
			continue
		}
		if shareOf(values, func(v string) bool { return len(strings.Fields(v)) >= 2 }) < 0.5 {
			continue // « Association », « Collectivité »: a kind of body, not its name
		}
		if share := shareOf(values, namesBody); share > bestShare {
			best, bestShare = c, share
		}
	}
	if best != "" {
		taken["structure_parente"], out[best] = true, "structure_parente"
		reasons[best] = fmt.Sprintf("%s → structure_parente: %.0f %% of values name a body (commune, association, company…)", best, 100*bestShare)
	}
}

// notNames is the share of values that are what a lieu's name is not:
// opening hours, a street without its number. (A commune's name alone
// is many a France services' name: only a column of nothing else is
// left out.)
func notNames(values []string) float64 {
	return shareOf(values, func(v string) bool { return timeShape.MatchString(v) || streetStart.MatchString(v) })
}

// contentSample is how many of a column's sampled values the tests by
// share read: enough to tell 60 % from 80 %, and a quarter of the cost
// of the whole sample.
const contentSample = 60

// firstValues is the part of a sample the tests by share read.
func firstValues(values []string) []string { return values[:min(len(values), contentSample)] }

func shareOf(values []string, test func(string) bool) float64 {
	if len(values) == 0 {
		return 0
	}
	n := 0
	for _, v := range values {
		if test(v) {
			n++
		}
	}
	return float64(n) / float64(len(values))
}

func distinctShare(values []string) float64 {
	seen := map[string]bool{}
	for _, v := range values {
		seen[fold(v)] = true
	}
	return float64(len(seen)) / float64(max(len(values), 1))
}

func meanLength(values []string) float64 {
	n := 0
	for _, v := range values {
		n += len([]rune(v))
	}
	return float64(n) / float64(max(len(values), 1))
}

// firstOfList is the first item of a list written in one cell.
func firstOfList(v string) string {
	if i := strings.IndexAny(v, ";|\n"); i >= 0 {
		return v[:i]
	}
	return v
}

func isFrenchPhone(v string) bool {
	var digits strings.Builder
	for _, r := range firstOfList(v) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ', r == '.', r == '-', r == '+', r == '(', r == ')', r == '/':
		default:
			return false
		}
	}
	return frenchPhone.MatchString(digits.String())
}

// isSiretOrSiren reports a 14-digit SIRET or 9-digit SIREN whose key
// is right (siretKeyOK), or the standard's placeholder.
func isSiretOrSiren(v string) bool {
	d := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSpace(v), ".0"), " ", "")
	if (len(d) != 14 && len(d) != 9) || countDigits(d) != len(d) {
		return false
	}
	return d == PivotPlaceholder || siretKeyOK(d) // the standard's placeholder for « none »
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// recheckCodes corrects, when the communes are known, a postcode column
// recognised by name whose values are INSEE codes (and the other way
// round): a column named « code postal » holding 84007, 13055 is read as
// INSEE codes. Two such columns named crosswise swap; a column whose
// right field is another column's becomes that field's fallback.
func recheckCodes(columns []string, src contentSource, places Places, targets, reasons map[string]string) {
	if places == nil {
		return
	}
	other := map[string]string{"code_postal": "code_insee", "code_insee": "code_postal"}
	wrong := map[string]codeStats{} // column → stats, for the columns whose values are the other code
	holder := map[string]string{}   // field → the column holding it
	for _, c := range columns {
		t := targets[c]
		f := fieldOf(strings.TrimPrefix(t, fallbackPrefix))
		if other[f] == "" || t != f && t != fallbackPrefix+f {
			continue
		}
		if t == f {
			holder[f] = c
		}
		st := codeStatsOf(c, src.sample(c), places)
		if f == "code_postal" && st.post < 0.5 && st.insee >= 0.8 || f == "code_insee" && st.insee < 0.5 && st.post >= 0.8 {
			wrong[c] = st
		}
	}
	for _, c := range columns {
		st, ok := wrong[c]
		if !ok {
			continue
		}
		from := fieldOf(strings.TrimPrefix(targets[c], fallbackPrefix))
		to := other[from]
		h, held := holder[to]
		switch _, heldWrong := wrong[h]; {
		case !held || heldWrong:
			targets[c] = to
		default:
			targets[c] = fallbackPrefix + to
		}
		reasons[c] = fmt.Sprintf("%s → %s, not %s as named: %.0f %% of values are the communes' %s, %.0f %% their %s", c, to, from,
			100*map[string]float64{"code_postal": st.post, "code_insee": st.insee}[to], map[string]string{"code_postal": "postcodes", "code_insee": "INSEE codes"}[to],
			100*map[string]float64{"code_postal": st.post, "code_insee": st.insee}[from], map[string]string{"code_postal": "postcodes", "code_insee": "INSEE codes"}[from])
	}
}
