package hours

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/maillage/maillage/internal/memo"
)

// ErrNotUnderstood is wrapped when a text cannot be converted safely.
var ErrNotUnderstood = errors.New("hours: not understood")

type tokKind int

const (
	tokDay     tokKind = iota
	tokTime            // minutes in val
	tokRange           // "-", "à", "au", "jusqu'à"
	tokList            // "et", ",", "/", ";", "&"
	tokClosed          // "fermé", "off"
	tokExcept          // "sauf"
	tokAppoint         // "sur rendez-vous"
	tokPH              // "jours fériés"
)

type token struct {
	kind tokKind
	val  int // weekday (0 = Monday) or minutes
	end  int // last weekday of a multi-day word ("semaine" → Mo-Fr)
}

var textDays = map[string][2]int{
	"lundi": {0, 0}, "lun": {0, 0}, "mo": {0, 0}, "monday": {0, 0},
	"mardi": {1, 1}, "mar": {1, 1}, "tu": {1, 1}, "tuesday": {1, 1},
	"mercredi": {2, 2}, "mer": {2, 2}, "we": {2, 2}, "wednesday": {2, 2},
	"jeudi": {3, 3}, "jeu": {3, 3}, "th": {3, 3}, "thursday": {3, 3},
	"vendredi": {4, 4}, "ven": {4, 4}, "fr": {4, 4}, "friday": {4, 4},
	"samedi": {5, 5}, "sam": {5, 5}, "sa": {5, 5}, "saturday": {5, 5},
	"dimanche": {6, 6}, "dim": {6, 6}, "su": {6, 6}, "sunday": {6, 6},
	"semaine": {0, 4}, "weekend": {5, 6}, "quotidien": {0, 6}, "7j7": {0, 6}, "jours": {0, 6},
}

// noise are words that carry no schedule information.
var noise = map[string]bool{"le": true, "les": true, "la": true, "de": true, "du": true, "des": true, "d": true, "l": true,
	"en": true, "ouvert": true, "ouverte": true, "ouverture": true, "horaires": true, "horaire": true, "h": true,
	"heures": true, "inclus": true, "tous": true, "toutes": true, "chaque": true, "from": true, "to": true, "and": true,
	"journee": true, "continue": true, "non": true, "stop": true, "y": true, "compris": true, "accueil": true,
	"public": true, "matin": true, "apres": true, "uniquement": true, "seulement": true, "egalement": true,
	"sans": true, "fin": true, "debut": true, "journee2": true}

var (
	spaceColonRE = regexp.MustCompile(`(\d) ?: ?(\d{2})`)
	gluedHoursRE = regexp.MustCompile(`\b(\d{1,2})h(\d{1,2})h`)
	clockRE      = regexp.MustCompile(`^(\d{1,2})(?:[h:](\d{2})?)?$`)
	splitRE      = regexp.MustCompile(`(\d{1,2}[h:]\d{0,2}|\d+|[\pL]+|[-–/,;&:+])`)
)

var (
	hyphenPhrases = strings.NewReplacer("apres-midi", "apres midi", "rendez-vous", "rendez vous", "week-end", "week end", "jours-feries", "jours feries")
	phrases       = strings.NewReplacer("sans rendez vous", " ", "sans rdv", " ", "sur rendez vous", " rdv ", "sur rdv", " rdv ", "rendez vous", " rdv ", "jours feries", " ferie ",
		"jour ferie", " ferie ", "week end", " weekend ", "7j 7", " 7j7 ", "7 jours sur 7", " 7j7 ", "apres midi", " apres ",
		"jusqu a", " - ", "jusqu'a", " - ")
)

// tokenize reads a French (or English, or almost-OSM) hours text.
func tokenize(text string) ([]token, []string) {
	s := foldText(text)
	s = spaceColonRE.ReplaceAllString(s, "$1:$2")
	s = gluedHoursRE.ReplaceAllString(s, "${1}h-${2}h")
	s = hyphenPhrases.Replace(s)
	s = phrases.Replace(s)
	var toks []token
	var unknown []string
	for _, w := range splitRE.FindAllString(s, -1) {
		t, ok := classify(w)
		switch {
		case ok:
			toks = append(toks, t)
		case !noise[w]:
			unknown = append(unknown, w)
		}
	}
	return toks, unknown
}

func classify(w string) (token, bool) {
	if d, ok := textDays[w]; ok {
		return token{kind: tokDay, val: d[0], end: d[1]}, true
	}
	if m := clockRE.FindStringSubmatch(w); m != nil && (strings.ContainsAny(w, "h:") || len(w) <= 2) {
		h, _ := strconv.Atoi(m[1])
		mm, _ := strconv.Atoi(m[2])
		if h <= 24 && mm < 60 {
			return token{kind: tokTime, val: h*60 + mm}, true
		}
	}
	switch w {
	case "midi":
		return token{kind: tokTime, val: 12 * 60}, true
	case "minuit":
		return token{kind: tokTime, val: 24 * 60}, true
	case "-", "–", "a", "au", "jusqu", "until":
		return token{kind: tokRange}, true
	case "et", ",", "/", ";", "&", "+", "puis", ":":
		return token{kind: tokList}, true
	case "ferme", "fermee", "fermes", "fermeture", "closed", "off":
		return token{kind: tokClosed}, true
	case "sauf", "except", "hors":
		return token{kind: tokExcept}, true
	case "rdv":
		return token{kind: tokAppoint}, true
	case "ferie", "feries", "ph":
		return token{kind: tokPH}, true
	}
	return token{}, false
}

func foldText(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return apostrophes.Replace(b.String())
}

var apostrophes = strings.NewReplacer("’", "'", "'", " ")

// group is days sharing time spans (or closed).
type group struct {
	days     []int
	ph       bool
	spans    []TimeSpan
	closed   bool
	appoint  bool
	excluded []int
}

// FromText converts a French, English or almost-OSM hours text into a
// valid OSM opening_hours value, or fails naming what it did not
// understand: it never guesses.
func FromText(text string) (string, error) {
	r := textMemo.Do(text, func() result {
		out, err := fromText(text)
		return result{out, err}
	})
	return r.out, r.err
}

// Sources repeat the same hours over thousands of rows; conversions are
// pure, so their results are memoised.
var textMemo, daysMemo = memo.Map[string, result]{Size: 8192}, memo.Map[string, result]{Size: 8192}

type result struct {
	out string
	err error
}

func fromText(text string) (string, error) {
	if Valid(text) {
		s, _ := Parse(text)
		return s.String(), nil
	}
	toks, unknown := tokenize(text)
	if len(unknown) > 0 {
		return "", fmt.Errorf("%w: %q (unknown words: %s)", ErrNotUnderstood, text, strings.Join(unknown, ", "))
	}
	groups, err := parseGroups(toks)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrNotUnderstood, text, err)
	}
	return buildSchedule(groups)
}

// parseGroups walks the tokens: days (single, ranges "du X au Y", lists),
// spans ("9h-12h", "de 9h à 12h"), closures and exceptions, in either
// order ("lundi 9h-12h" or "9h-12h du lundi au vendredi").
func parseGroups(toks []token) ([]group, error) {
	var groups []group
	cur := group{}
	flush := func() {
		if len(cur.days) > 0 || cur.ph || len(cur.spans) > 0 || cur.closed || cur.appoint {
			groups = append(groups, cur)
		}
		cur = group{}
	}
	excepting := false // after "sauf", days (and lists of them) are excluded
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind != tokDay && t.kind != tokList {
			excepting = false
		}
		switch t.kind {
		case tokDay:
			if !excepting && (len(cur.spans) > 0 || cur.closed) && len(cur.days) > 0 {
				flush()
			}
			days, next := dayRange(toks, i)
			i = next
			if excepting {
				cur.excluded = append(cur.excluded, days...)
			} else {
				cur.days = append(cur.days, days...)
			}
		case tokExcept:
			excepting = true
		case tokTime:
			span, next, err := timeRange(toks, i)
			if err != nil {
				return nil, err
			}
			cur.spans, i = append(cur.spans, span), next
		case tokClosed:
			if len(cur.days) > 0 && len(cur.spans) > 0 {
				flush() // "lundi-vendredi 9h-17h, fermé le mercredi"
			}
			cur.closed = true
		case tokAppoint:
			cur.appoint = true
		case tokPH:
			if len(cur.days) > 0 && len(cur.spans) > 0 {
				flush() // "lundi-vendredi 9h-17h, jours fériés fermé"
			}
			cur.ph = true
		case tokRange:
			// A dash that does not join two days or two times is a
			// separator or a bullet: "… 19h - les mercredi …", "- lundi …".
		}
	}
	flush()
	return applyExceptions(groups), nil
}

func prevIs(toks []token, i int, k tokKind) bool { return i > 0 && toks[i-1].kind == k }

// dayRange reads "lundi", "lundi au vendredi", "du lundi - vendredi" and
// returns the days and the index of its last token. A chain of three or
// more dashed days ("Mo-Tu-Th-Fr") is a list.
func dayRange(toks []token, i int) ([]int, int) {
	if chain := dashedDays(toks, i); len(chain) >= 3 {
		return chain, i + 2*(len(chain)-1)
	}
	from, to := toks[i].val, toks[i].end
	if i+2 < len(toks) && toks[i+1].kind == tokRange && toks[i+2].kind == tokDay {
		to = toks[i+2].end
		i += 2
	}
	var days []int
	for d := from; ; d = (d + 1) % 7 {
		days = append(days, d)
		if d == to {
			break
		}
	}
	return days, i
}

func dashedDays(toks []token, i int) []int {
	days := []int{toks[i].val}
	for j := i; j+2 < len(toks) && toks[j+1].kind == tokRange && toks[j+2].kind == tokDay; j += 2 {
		days = append(days, toks[j+2].val)
	}
	return days
}

// timeRange reads "9h-12h", "9h à 12h", or two times with no separator
// ("9h 12h"); a single time is not a span.
func timeRange(toks []token, i int) (TimeSpan, int, error) {
	next := i + 2
	switch {
	case i+2 < len(toks) && toks[i+1].kind == tokRange && toks[i+2].kind == tokTime:
	case i+1 < len(toks) && toks[i+1].kind == tokTime && toks[i+1].val > toks[i].val:
		next = i + 1
	default:
		return TimeSpan{}, i, errors.New("a time that is not part of a range")
	}
	from, to := toks[i].val, toks[next].val
	if to <= from {
		return TimeSpan{}, i, fmt.Errorf("range %s-%s ends before it starts", clockString(from), clockString(to))
	}
	if from >= 24*60 {
		return TimeSpan{}, i, errors.New("a range starting at midnight")
	}
	return TimeSpan{From: from, To: to}, next, nil
}

// applyExceptions removes "sauf …" days from their group.
func applyExceptions(groups []group) []group {
	for gi := range groups {
		g := &groups[gi]
		if len(g.excluded) == 0 {
			continue
		}
		if len(g.days) == 0 {
			g.days = []int{0, 1, 2, 3, 4, 5, 6}
		}
		g.days = slices.DeleteFunc(g.days, func(d int) bool { return slices.Contains(g.excluded, d) })
	}
	return groups
}

// buildSchedule turns groups into rules. A group with spans but no days
// takes the days of the group that follows without spans ("9h-12h du lundi
// au vendredi"). Spans are gathered per weekday, so a day named twice
// ("lundi matin … lundi après-midi …") keeps both; a closed group clears
// its days; public holidays become their own rule.
func buildSchedule(groups []group) (string, error) {
	groups = attachOrphanSpans(groups)
	var spans [7][]TimeSpan
	var appoint [7]bool
	var extra []Rule
	for _, g := range groups {
		r, perDay, err := groupRule(g)
		if err != nil {
			return "", err
		}
		if !perDay {
			extra = append(extra, r)
			continue
		}
		for _, d := range g.days {
			if g.closed && len(g.spans) == 0 {
				spans[d], appoint[d] = nil, false
				continue
			}
			spans[d], appoint[d] = mergeSpans(append(spans[d], g.spans...)), appoint[d] || g.appoint
		}
	}
	days, _ := daysSchedule(spans, appoint)
	sched := &Schedule{}
	if days != "" {
		parsed, _ := Parse(days)
		sched.Rules = parsed.Rules
	}
	sched.Rules = append(sched.Rules, extra...)
	if len(sched.Rules) == 0 {
		return "", fmt.Errorf("%w: no hours", ErrNotUnderstood)
	}
	out := sched.String()
	if !Valid(out) {
		return "", fmt.Errorf("%w: produced %q", ErrNotUnderstood, out)
	}
	return out, nil
}

// groupRule reports whether a group is gathered per weekday, or else the
// rule it stands for (public holidays, spans with no day, appointment only).
func groupRule(g group) (Rule, bool, error) {
	r := Rule{Times: mergeSpans(g.spans)}
	switch {
	case len(g.days) > 0 && !g.ph:
		if len(g.spans) == 0 && !g.closed && !g.appoint {
			return r, false, fmt.Errorf("%w: days without hours", ErrNotUnderstood)
		}
		return r, true, nil
	case g.ph:
		r.Holidays, r.Weekdays = []string{"PH"}, weekdayRanges(g.days)
	}
	switch {
	case g.closed && len(g.spans) == 0:
		r.State = "off"
	case g.appoint:
		r.Comment = "sur rendez-vous"
	case len(g.spans) == 0:
		return r, false, fmt.Errorf("%w: a day without hours", ErrNotUnderstood)
	}
	return r, false, nil
}

func attachOrphanSpans(groups []group) []group {
	var out []group
	for i := 0; i < len(groups); i++ {
		g := groups[i]
		if len(g.days) == 0 && !g.ph && len(g.spans) > 0 && i+1 < len(groups) && len(groups[i+1].spans) == 0 && !groups[i+1].closed {
			next := groups[i+1]
			next.spans, next.appoint = g.spans, next.appoint || g.appoint
			out = append(out, next)
			i++
			continue
		}
		out = append(out, g)
	}
	return out
}

func mergeSpans(spans []TimeSpan) []TimeSpan {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b TimeSpan) int { return a.From - b.From })
	return slices.CompactFunc(s, func(a, b TimeSpan) bool { return a == b })
}

// weekdayRanges writes a day set as OSM ranges (Mo-Fr,Su).
func weekdayRanges(days []int) []WeekdayRange {
	set := map[int]bool{}
	for _, d := range days {
		set[d] = true
	}
	var out []WeekdayRange
	for d := 0; d < 7; d++ {
		if !set[d] {
			continue
		}
		end := d
		for end+1 < 7 && set[end+1] {
			end++
		}
		if end == d+1 { // two days read better as a list: Mo,Tu
			out = append(out, WeekdayRange{From: d, To: d}, WeekdayRange{From: end, To: end})
		} else {
			out = append(out, WeekdayRange{From: d, To: end})
		}
		d = end
	}
	return out
}

// FromDays converts one column per weekday (Monday first; "" for a day
// the source has no column for) into an OSM value: each cell holds time
// spans ("09:00 - 12:00 / 13:30 - 17:00", "9h-12h"), or says closed ("-",
// "Fermé"). Days with the same hours are grouped (Mo-Fr …). A cell it does
// not understand fails the whole conversion.
func FromDays(cells [7]string) (string, error) {
	r := daysMemo.Do(strings.Join(cells[:], "\x00"), func() result {
		out, err := fromDays(cells)
		return result{out, err}
	})
	return r.out, r.err
}

func fromDays(cells [7]string) (string, error) {
	var spans [7][]TimeSpan
	var appoint [7]bool
	for d, cell := range cells {
		toks, unknown := tokenize(cell)
		if len(unknown) > 0 {
			return "", fmt.Errorf("%w: %s %q (unknown words: %s)", ErrNotUnderstood, weekdayNames[d], cell, strings.Join(unknown, ", "))
		}
		if len(toks) == 0 && strings.IndexFunc(cell, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			return "", fmt.Errorf("%w: %s %q: no hours", ErrNotUnderstood, weekdayNames[d], cell)
		}
		for i := 0; i < len(toks); i++ {
			switch toks[i].kind {
			case tokTime:
				span, next, err := timeRange(toks, i)
				if err != nil {
					return "", fmt.Errorf("%w: %s %q: %v", ErrNotUnderstood, weekdayNames[d], cell, err)
				}
				spans[d], i = append(spans[d], span), next
			case tokAppoint:
				appoint[d] = true
			case tokDay, tokExcept, tokPH:
				return "", fmt.Errorf("%w: %s %q: days inside a day's cell", ErrNotUnderstood, weekdayNames[d], cell)
			}
		}
	}
	return daysSchedule(spans, appoint)
}

// daysSchedule writes per-day spans as rules, grouping days with the same
// hours, consecutive or not (Mo,We,Fr 09:00-12:00).
func daysSchedule(spans [7][]TimeSpan, appoint [7]bool) (string, error) {
	sched := &Schedule{}
	done := [7]bool{}
	for d := 0; d < 7; d++ {
		if done[d] || len(spans[d]) == 0 && !appoint[d] {
			continue
		}
		var same []int
		for e := d; e < 7; e++ {
			if !done[e] && slices.Equal(spans[e], spans[d]) && appoint[e] == appoint[d] {
				same, done[e] = append(same, e), true
			}
		}
		r := Rule{Weekdays: weekdayRanges(same), Times: mergeSpans(spans[d])}
		if appoint[d] {
			r.Comment = "sur rendez-vous"
		}
		sched.Rules = append(sched.Rules, r)
	}
	if len(sched.Rules) == 0 {
		return "", nil
	}
	return sched.String(), nil
}

// FromHalfDays converts opening days ("{Lundi,Mardi,Jeudi}", "lundi au
// vendredi") and morning and afternoon opening and closing times ("9h",
// "09:00") into an OSM value. Without days, nothing is guessed.
func FromHalfDays(days, amOpen, amClose, pmOpen, pmClose string) (string, error) {
	var text strings.Builder
	for _, p := range [][2]string{{amOpen, amClose}, {pmOpen, pmClose}} {
		switch {
		case p[0] != "" && p[1] != "":
			fmt.Fprintf(&text, " %s - %s /", p[0], p[1])
		case p[0] != "" || p[1] != "":
			return "", fmt.Errorf("%w: an opening time without its closing time (%q-%q)", ErrNotUnderstood, p[0], p[1])
		}
	}
	if text.Len() == 0 {
		return "", nil
	}
	if strings.Trim(days, "{} ") == "" {
		return "", fmt.Errorf("%w: times %q without opening days", ErrNotUnderstood, text.String())
	}
	return FromText(strings.NewReplacer("{", " ", "}", " ").Replace(days) + " " + text.String())
}
