package schema

import (
	_ "embed"
	"fmt"
	"html"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/maillage/maillage/schema/hours"
)

// PivotPlaceholder is the national convention for an unknown SIRET/RNA.
const PivotPlaceholder = "00000000000000"

// ResumeMaxLength is the maxLength of presentation_resume in v1.0.2.
const ResumeMaxLength = 280

//go:embed data/phone_prefixes.json
var phonePrefixesJSON []byte

var phonePrefixes = func() map[string]string {
	var doc struct {
		Prefixes map[string]string `json:"prefixes"`
	}
	mustTable("phone_prefixes.json", phonePrefixesJSON, &doc)
	return doc.Prefixes
}()

// NormaliseContext carries what normalisers need beyond the record.
type NormaliseContext struct {
	// HarvestedAt replaces a missing or unusable date_maj.
	HarvestedAt time.Time
	// Places, when known, confirm a commune read in address text that
	// goes on past it (« 47000 Agen, Boé, Lafox… »).
	Places Places
}

// requiredFields are the fields without which a record cannot be published
// (id, pivot and date_maj are always filled by maillage).
var requiredFields = []string{"nom", "commune", "code_postal", "adresse"}

// Normalise cleans every field of a mapped Lieu in place and returns what it
// fixed or dropped. Required fields are checked by CheckRequired, once the
// geo step has had its chance to fill them.
func Normalise(l *Lieu, nc NormaliseContext) []Issue {
	var issues []Issue
	for _, f := range Fields {
		if f.Kind != KindText {
			continue
		}
		v := l.Get(f.Name)
		if text, ok := StripHTML(v); ok {
			issues = append(issues, Issue{Field: f.Name, Rule: "html-stripped", Value: truncate(v, 80), Level: LevelFix,
				Message: "HTML markup removed"})
			v = text
		}
		if v = cleanText(f.Name, v); IsPlaceholder(v) {
			v = ""
		}
		_ = l.SetText(f.Name, v)
	}
	for _, step := range normaliseSteps {
		issues = append(issues, step(l, nc)...)
	}
	return issues
}

// normaliseSteps run in order after text cleaning.
var normaliseSteps = []func(*Lieu, NormaliseContext) []Issue{
	func(l *Lieu, nc NormaliseContext) []Issue { return deriveLocation(l, nc.Places) },
	normalisePivotField, normalisePostcodeField, normaliseINSEEField, normalisePhoneField,
	normaliseEmailsField, normaliseWebsitesField, normaliseDateField, normaliseResumeField,
	normaliseTypologieField, normaliseHoursField, neutraliseFormulasField,
}

// CheckRequired reports, as errors that quarantine the record, the
// required fields still empty.
func CheckRequired(l *Lieu) []Issue {
	var issues []Issue
	for _, name := range requiredFields {
		if l.Get(name) == "" {
			issues = append(issues, Issue{Field: name, Rule: "required", Level: LevelError,
				Message: "required by the standard and missing or unusable"})
		}
	}
	return issues
}

// isCleanLine reports whether a text has no leading, trailing, doubled or
// non-space whitespace (the common case, left untouched).
func isCleanLine(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prev := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0xC2 || c == 0xE2 || c == ' ' && prev == ' ' {
			return false // 0xC2/0xE2 may start NBSP, NNBSP and other Unicode spaces
		}
		prev = c
	}
	return true
}

var spacesRE = regexp.MustCompile(`[ \t\x{00A0}\x{202F}]+`)

var (
	htmlTagRE   = regexp.MustCompile(`(?i)</?[a-z][a-z0-9]*(\s[^<>]*)?/?>`)
	htmlBlockRE = regexp.MustCompile(`(?i)<(br|/?p|/?li|/?ul|/?ol|/?div|/?h[1-6]|/?tr)(\s[^<>]*)?/?>`)
)

// StripHTML removes markup from a text that contains some: block tags
// become line breaks, other tags disappear, entities are decoded. It
// reports whether there was markup.
func StripHTML(s string) (string, bool) {
	if !strings.Contains(s, "<") || !htmlTagRE.MatchString(s) {
		return s, false
	}
	s = htmlBlockRE.ReplaceAllString(s, "\n")
	s = htmlTagRE.ReplaceAllString(s, "")
	return html.UnescapeString(s), true
}

// cleanText applies Unicode NFC and collapses spaces; line breaks survive
// only in presentation_detail.
func cleanText(field, s string) string {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	if field != "presentation_detail" {
		if isCleanLine(s) {
			return s
		}
		return strings.Join(strings.Fields(s), " ")
	}
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, ln := range lines {
		lines[i] = strings.TrimSpace(spacesRE.ReplaceAllString(ln, " "))
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

var pivotRE = regexp.MustCompile(`^[a-zA-Z0-9]{9,14}$`)

var pivotSeparators = strings.NewReplacer(" ", "", "\u00a0", "", ".", "", "-", "")

// NormalisePivot cleans a SIRET/SIREN/RNA/RIDET: spaces and spreadsheet
// float suffixes removed, SIRET and SIREN checked by their Luhn key (La
// Poste's establishments by theirs); unusable values become the national
// placeholder.
func NormalisePivot(s string) (string, *Issue) {
	v := pivotSeparators.Replace(strings.TrimSuffix(strings.TrimSpace(s), ".0"))
	v = strings.ToUpper(v)
	switch {
	case s == "":
		return PivotPlaceholder, &Issue{Field: "pivot", Rule: "pivot-missing", Fixed: PivotPlaceholder, Level: LevelFix,
			Message: "no SIRET/RNA given; national placeholder used"}
	case pivotRE.MatchString(v) && strings.Trim(v, "0") == "":
		return PivotPlaceholder, nil
	case !pivotRE.MatchString(v):
		return PivotPlaceholder, &Issue{Field: "pivot", Rule: "pivot-invalid", Value: s, Fixed: PivotPlaceholder, Level: LevelWarning,
			Message: "not a SIRET, SIREN, RNA or RIDET; national placeholder used"}
	case (len(v) == 14 || len(v) == 9) && digitsRE.MatchString(v) && !siretKeyOK(v):
		return PivotPlaceholder, &Issue{Field: "pivot", Rule: "pivot-checksum", Value: s, Fixed: PivotPlaceholder, Level: LevelWarning,
			Message: "SIRET/SIREN check digit is wrong (typo?); national placeholder used"}
	case v != s:
		return v, &Issue{Field: "pivot", Rule: "pivot-format", Value: s, Fixed: v, Level: LevelFix, Message: "separators removed"}
	}
	return v, nil
}

// siretKeyOK checks the Luhn key of a SIREN or SIRET; establishments of La
// Poste (SIREN 356000000) use a digit sum divisible by 5 instead.
func siretKeyOK(v string) bool {
	if len(v) == 14 && strings.HasPrefix(v, "356000000") {
		sum := 0
		for _, c := range v {
			sum += int(c - '0')
		}
		return sum%5 == 0
	}
	sum := 0
	for i := range v {
		d := int(v[len(v)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func normalisePivotField(l *Lieu, _ NormaliseContext) []Issue {
	v, is := NormalisePivot(l.Pivot)
	l.Pivot = v
	return issueList(is)
}

var digitsRE = regexp.MustCompile(`^\d+$`)

// NormalisePostcode fixes postcodes that lost their leading zero
// ("1200" → "01200"); anything else that is not five digits is unusable.
func NormalisePostcode(s string) (string, *Issue) {
	v := strings.ReplaceAll(strings.TrimSuffix(s, ".0"), " ", "")
	switch {
	case s == "":
		return "", nil
	case len(v) == 5 && digitsRE.MatchString(v):
		return v, nil
	case len(v) == 4 && digitsRE.MatchString(v):
		return "0" + v, &Issue{Field: "code_postal", Rule: "leading-zero", Value: s, Fixed: "0" + v, Level: LevelFix,
			Message: "leading zero restored"}
	}
	return "", &Issue{Field: "code_postal", Rule: "postcode-invalid", Value: s, Level: LevelError, Message: "not a five-digit postcode"}
}

func normalisePostcodeField(l *Lieu, _ NormaliseContext) []Issue {
	v, is := NormalisePostcode(l.CodePostal)
	l.CodePostal = v
	return issueList(is)
}

var inseeRE = regexp.MustCompile(`^([013-9]\d|2[AB1-9])\d{3}$`)

// NormaliseINSEE fixes commune codes that lost their leading zero; invalid
// codes are dropped (the field is optional).
func NormaliseINSEE(s string) (string, *Issue) {
	v := strings.ToUpper(strings.ReplaceAll(strings.TrimSuffix(s, ".0"), " ", ""))
	if len(v) == 4 && digitsRE.MatchString(v) {
		v = "0" + v
	}
	switch {
	case s == "" || v == s && inseeRE.MatchString(v):
		return v, nil
	case inseeRE.MatchString(v):
		return v, &Issue{Field: "code_insee", Rule: "insee-format", Value: s, Fixed: v, Level: LevelFix, Message: "code reformatted"}
	}
	return "", &Issue{Field: "code_insee", Rule: "insee-invalid", Value: s, Level: LevelWarning, Message: "not a commune code (COG); dropped"}
}

func normaliseINSEEField(l *Lieu, _ NormaliseContext) []Issue {
	v, is := NormaliseINSEE(l.CodeINSEE)
	l.CodeINSEE = v
	return issueList(is)
}

var phoneRE = regexp.MustCompile(`^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$`)
var phoneSplitRE = regexp.MustCompile(`\s*(?:/|;|\||,| ou | et |\n)\s*`)

// NormalisePhone writes a number as the standard wants it (+33 followed by
// the number without its leading 0, no spaces), choosing the overseas prefix
// from the postcode. Only the first of several numbers can be kept.
func NormalisePhone(s, postcode string) (string, []Issue) {
	if s == "" {
		return "", nil
	}
	parts := phoneSplitRE.Split(s, -1)
	v := formatPhone(parts[0], postcode)
	var issues []Issue
	switch {
	case v == "":
		return "", []Issue{{Field: "telephone", Rule: "phone-invalid", Value: s, Level: LevelWarning,
			Message: "not a French phone number; dropped"}}
	case v != s && len(parts) == 1:
		issues = append(issues, Issue{Field: "telephone", Rule: "phone-format", Value: s, Fixed: v, Level: LevelFix,
			Message: "written in international format"})
	case len(parts) > 1:
		issues = append(issues, Issue{Field: "telephone", Rule: "phone-several", Value: s, Fixed: v, Level: LevelWarning,
			Message: "the standard allows one number; the first is kept"})
	}
	return v, issues
}

func formatPhone(s, postcode string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= '0' && r <= '9' || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	d := b.String()
	prefix := "+33"
	if p, ok := phonePrefixes[safePrefix(postcode, 3)]; ok {
		prefix = p
	}
	switch {
	case strings.HasPrefix(d, "00"):
		d = "+" + d[2:]
	case strings.HasPrefix(d, "0") && len(d) == 10:
		d = prefix + d[1:]
	case !strings.HasPrefix(d, "+") && len(d) >= 6 && len(d) <= 9 && prefix != "+33":
		d = prefix + d
	}
	d = strings.Replace(d, "+330", "+33", 1)
	if !phoneRE.MatchString(d) {
		return ""
	}
	return d
}

func safePrefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

func normalisePhoneField(l *Lieu, _ NormaliseContext) []Issue {
	v, is := NormalisePhone(l.Telephone, l.CodePostal)
	l.Telephone = v
	return is
}

// emailTLDTypoRE finds "@host,fr": a comma or semicolon typed for the dot
// before a common top-level domain, at the end of an address.
var emailTLDTypoRE = regexp.MustCompile(`(@[A-Za-z0-9.-]+)[,;](fr|com|org|net|eu|re|gp|mq|gf|yt|nc|pf)($|[\s|/])`)

// NormaliseEmails extracts the valid addresses of e-mail cells, lower-cased:
// several per cell (separated by | ; , / spaces or " - "), "mailto:" and
// angle brackets removed, "@host,fr" repaired. A cell with unusable parts
// is reported once, with its whole value.
func NormaliseEmails(cells []string) ([]string, []Issue) {
	var out []string
	var issues []Issue
	for _, cell := range cells {
		fixed := emailTLDTypoRE.ReplaceAllString(cell, "$1.$2$3")
		var bad []string
		for _, tok := range strings.FieldsFunc(fixed, isEmailSeparator) {
			tok = strings.Trim(strings.TrimPrefix(strings.ToLower(tok), "mailto:"), "<>()[]:.-")
			switch {
			case tok == "":
			case isEmail(tok):
				out = appendIfNew(out, tok)
			default:
				bad = append(bad, tok)
			}
		}
		switch {
		case len(bad) > 0:
			issues = append(issues, Issue{Field: "courriels", Rule: "email-invalid", Value: cell, Level: LevelWarning,
				Message: "not an e-mail address, dropped: " + strings.Join(bad, ", ")})
		case fixed != cell:
			issues = append(issues, Issue{Field: "courriels", Rule: "email-typo", Value: cell, Fixed: fixed, Level: LevelFix,
				Message: "comma typed for the dot of the domain"})
		}
	}
	return out, issues
}

func isEmailSeparator(r rune) bool {
	return r == '|' || r == ';' || r == ',' || r == '/' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	at := strings.LastIndex(s, "@")
	return err == nil && a.Address == s && at > 0 && strings.Contains(s[at:], ".") && !strings.HasSuffix(s, ".")
}

func normaliseEmailsField(l *Lieu, _ NormaliseContext) []Issue {
	v, is := NormaliseEmails(l.Courriels)
	l.Courriels = v
	return is
}

// NormaliseWebsite adds a missing scheme and rejects what is not a web URL.
func NormaliseWebsite(s string) (string, *Issue) {
	v := strings.TrimSpace(s)
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.Contains(u.Host, ".") || strings.ContainsAny(u.Host, " @") {
		return "", &Issue{Field: "site_web", Rule: "url-invalid", Value: s, Level: LevelWarning, Message: "not a web address; dropped"}
	}
	if v != s {
		return v, &Issue{Field: "site_web", Rule: "url-scheme", Value: s, Fixed: v, Level: LevelFix, Message: "scheme added"}
	}
	return v, nil
}

func normaliseWebsitesField(l *Lieu, _ NormaliseContext) []Issue {
	var out []string
	var issues []Issue
	for _, s := range l.SiteWeb {
		v, is := NormaliseWebsite(s)
		issues = append(issues, issueList(is)...)
		if v != "" {
			out = appendIfNew(out, v)
		}
	}
	l.SiteWeb = out
	return issues
}

var dateLayouts = []string{"2006-01-02", "2006-1-2", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04:05.000Z",
	"02/01/2006", "2/1/2006", "02/01/2006 15:04", "02/01/2006 15:04:05", "02-01-2006", "02.01.2006", "2006/01/02", "2006/01/02 15:04:05", "2006/01/02 15:04"}

// placeholderDates are dates that only say "unknown" (Unix epoch, its eve
// in UTC-1, spreadsheet and database zero values).
var placeholderDates = map[string]bool{"1970-01-01": true, "1969-12-31": true, "1900-01-01": true, "1899-12-30": true, "0001-01-01": true}

// spreadsheetEpoch is day 0 of spreadsheet serial dates (1900 system).
var spreadsheetEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// NormaliseDate returns an ISO date. dd/mm/yyyy, date-times and
// spreadsheet serial numbers are converted; missing, placeholder, future
// and unreadable dates are replaced by the harvest date, which is recorded.
func NormaliseDate(s string, harvested time.Time) (string, *Issue) {
	fallback := harvested.Format("2006-01-02")
	if s == "" {
		return fallback, &Issue{Field: "date_maj", Rule: "date-missing", Fixed: fallback, Level: LevelFix,
			Message: "no update date given; harvest date used"}
	}
	t, ok := parseDate(s)
	switch {
	case !ok:
		return fallback, &Issue{Field: "date_maj", Rule: "date-invalid", Value: s, Fixed: fallback, Level: LevelWarning,
			Message: "not a date; harvest date used"}
	case placeholderDates[t.Format("2006-01-02")]:
		return fallback, &Issue{Field: "date_maj", Rule: "date-placeholder", Value: s, Fixed: fallback, Level: LevelFix,
			Message: "placeholder date (epoch or zero value); harvest date used"}
	case !harvested.IsZero() && t.After(harvested.AddDate(0, 0, 1)):
		return fallback, &Issue{Field: "date_maj", Rule: "date-future", Value: s, Fixed: fallback, Level: LevelWarning,
			Message: "date in the future; harvest date used"}
	}
	v := t.Format("2006-01-02")
	if v == s {
		return v, nil
	}
	return v, &Issue{Field: "date_maj", Rule: "date-format", Value: s, Fixed: v, Level: LevelFix, Message: "written as YYYY-MM-DD"}
}

func parseDate(s string) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && n >= 20000 && n < 80000 {
		return spreadsheetEpoch.AddDate(0, 0, int(n)), true // 1954..2118
	}
	return time.Time{}, false
}

func normaliseDateField(l *Lieu, nc NormaliseContext) []Issue {
	v, is := NormaliseDate(l.DateMaj, nc.HarvestedAt)
	l.DateMaj = v
	return issueList(is)
}

// ShortenResume cuts a summary longer than 280 characters at a word
// boundary, ending with "…".
func ShortenResume(s string) string {
	if utf8.RuneCountInString(s) <= ResumeMaxLength {
		return s
	}
	r := []rune(s)[:ResumeMaxLength-1]
	cut := strings.LastIndex(string(r), " ")
	if cut < ResumeMaxLength/2 {
		cut = len(string(r))
	}
	return strings.TrimRight(string(r)[:cut], " ,;:.-") + "…"
}

func normaliseResumeField(l *Lieu, _ NormaliseContext) []Issue {
	full := l.PresentationResume
	short := ShortenResume(full)
	if short == full {
		return nil
	}
	l.PresentationResume = short
	switch {
	case l.PresentationDetail == "":
		l.PresentationDetail = full
	case !strings.Contains(l.PresentationDetail, full):
		l.PresentationDetail = full + "\n\n" + l.PresentationDetail
	}
	return []Issue{{Field: "presentation_resume", Rule: "maxLength", Value: truncate(full, 60), Level: LevelFix,
		Message: fmt.Sprintf("%d characters, shortened to %d; the full text is kept in presentation_detail",
			utf8.RuneCountInString(full), utf8.RuneCountInString(short))}}
}

func normaliseTypologieField(l *Lieu, _ NormaliseContext) []Issue {
	var issues []Issue
	for i, t := range l.Typologie {
		if c, ok := vocab.typologies[strings.ToUpper(t)]; ok {
			l.Typologie[i] = c
			continue
		}
		issues = append(issues, Issue{Field: "typologie", Rule: "unknown-typologie", Value: t, Level: LevelWarning,
			Message: "not a typologie code of the standard; kept as given"})
	}
	return issues
}

func issueList(is *Issue) []Issue {
	if is == nil {
		return nil
	}
	return []Issue{*is}
}

func appendIfNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// normaliseHoursField keeps horaires only as valid OpenStreetMap
// opening_hours: valid values are written in canonical form, French text
// is converted, anything else is left out and reported with the raw text.
func normaliseHoursField(l *Lieu, _ NormaliseContext) []Issue {
	raw := l.Horaires
	if raw == "" {
		return nil
	}
	osm, err := hours.FromText(raw)
	if err != nil {
		l.Horaires = ""
		return []Issue{{Field: "horaires", Rule: "hours-unreadable", Value: raw, Level: LevelWarning,
			Message: "not understood as opening hours, left out: " + err.Error()}}
	}
	l.Horaires = osm
	if osm == raw {
		return nil
	}
	return []Issue{{Field: "horaires", Rule: "hours-converted", Value: raw, Fixed: osm, Level: LevelFix,
		Message: "written in OpenStreetMap opening_hours syntax"}}
}
