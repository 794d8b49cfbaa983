package schema

import "strings"

// formulaStarts are the first characters a spreadsheet reads as the start
// of a formula (OWASP's list for CSV injection).
const formulaStarts = "=+-@\t\r"

// StartsLikeFormula says whether a spreadsheet would read a text cell as a
// formula.
func StartsLikeFormula(s string) bool {
	return s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0
}

// NeutraliseFormula makes a free-text cell safe to open in a spreadsheet,
// as OWASP recommends: a value that starts like a formula is prefixed with
// a single quote, which the spreadsheet shows as text. Other values are
// unchanged.
func NeutraliseFormula(s string) string {
	if StartsLikeFormula(s) {
		return "'" + s
	}
	return s
}

// freeTextFields are the fields the current standard leaves free: typed
// string with neither pattern nor enumeration nor format. Their values
// can be anything a source wrote, so they are the ones a spreadsheet
// could run as a formula; every other field is a number, a code, a date
// or a value its pattern bounds (a phone +33… stays as it is).
var freeTextFields = func() []string {
	var out []string
	for _, f := range Current().Fields {
		c := f.Constraints
		if f.Type == "string" && c.Pattern == "" && len(c.Enum) == 0 && (f.Format == "" || f.Format == "default") {
			out = append(out, f.Name)
		}
	}
	return out
}()

// neutraliseFormulasField prefixes with a quote every free-text value that
// a spreadsheet opening the published CSV would run as a formula
// (=HYPERLINK(…), +cmd|…, @SUM(…), -2+3). The value stays readable and the
// record valid; the fix is reported. It runs last, on values the other
// steps have already cleaned (leading tabs and line breaks are gone by
// then, so what starts a value is what a reader sees).
func neutraliseFormulasField(l *Lieu, _ NormaliseContext) []Issue {
	var issues []Issue
	for _, name := range freeTextFields {
		values := l.List(name)
		changed := false
		for i, v := range values {
			if !StartsLikeFormula(v) {
				continue
			}
			if !changed {
				values, changed = append([]string(nil), values...), true
			}
			values[i] = NeutraliseFormula(v)
			issues = append(issues, Issue{Field: name, Rule: "formula-neutralised", Value: truncate(v, 80), Fixed: truncate(values[i], 80),
				Level: LevelFix, Message: "starts like a spreadsheet formula: prefixed with ' so that a spreadsheet shows it as text"})
		}
		if !changed {
			continue
		}
		if fieldByName[name].Kind == KindList {
			_ = l.SetList(name, values)
		} else {
			_ = l.SetText(name, values[0])
		}
	}
	return issues
}
