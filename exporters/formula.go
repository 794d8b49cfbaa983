package exporters

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
// unchanged. It is for cells whose every value is free text (a report's
// messages and raw values), not for the standard's fields, where a phone
// number may start with +.
func NeutraliseFormula(s string) string {
	if StartsLikeFormula(s) {
		return "'" + s
	}
	return s
}
