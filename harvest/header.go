package harvest

import (
	"fmt"
	"strings"
	"unicode"
)

// headerSpan is where a table's header lies among its first rows: one
// row, or two when the first groups the columns or begins the names the
// second completes (a spreadsheet's merged group cells above the real
// names, a name wrapped over two lines). columns are the names read.
type headerSpan struct {
	first, last int
	columns     []string
}

// notes say what the header's place means for the rows around it.
func (s headerSpan) notes(lines []int) []string {
	var out []string
	if s.first > 0 {
		out = append(out, fmt.Sprintf("header found on line %d; %d row(s) above it skipped", lines[s.first], s.first))
	}
	if s.last > s.first {
		out = append(out, fmt.Sprintf("header on lines %d-%d: the two rows' names joined", lines[s.first], lines[s.last]))
	}
	return out
}

// findHeader finds the header row (headerRow) and whether the row above
// it or below it belongs to it.
func findHeader(rows [][]string) (headerSpan, bool) {
	h := headerRow(rows)
	if h < 0 {
		return headerSpan{}, false
	}
	switch {
	case h > 0 && continuesHeader(rows[h-1], rows[h], rows[h+1:]):
		return headerSpan{h - 1, h, joinHeaderRows(rows[h-1], rows[h])}, true
	case h+1 < len(rows) && continuesHeader(rows[h], rows[h+1], rows[h+2:]):
		return headerSpan{h, h + 1, joinHeaderRows(rows[h], rows[h+1])}, true
	}
	return headerSpan{h, h, rows[h]}, true
}

// continuesHeader tells whether rows a and b make one header: as wide,
// both of names only (text, no cell shaped like data), one of them with
// gaps or a name repeated over several columns (how merged cells
// export), no name of b found in its column in the rows below, and a
// name of b above a column of numbers.
func continuesHeader(a, b []string, below [][]string) bool {
	if len(a) != len(b) || filled(a) < 2 || filled(b) < 2 || !namesOnly(a) || !namesOnly(b) {
		return false
	}
	if !gappedOrRepeated(a) && filled(b) == len(b) {
		return false
	}
	below = below[:min(len(below), headerRows)]
	for _, row := range below {
		for j, cell := range row {
			if j < len(b) && strings.TrimSpace(b[j]) != "" && strings.EqualFold(strings.TrimSpace(cell), strings.TrimSpace(b[j])) {
				return false // a value of the data, not a name
			}
		}
	}
	return namesAboveNumbers(b, below)
}

// namesAboveNumbers tells whether some column has a name in the row and
// mostly numbers below it (postcodes, phones, coordinates): what tells a
// header from a first record of text only.
func namesAboveNumbers(row []string, below [][]string) bool {
	for j, name := range row {
		if strings.TrimSpace(name) == "" || strings.ContainsFunc(name, unicode.IsDigit) {
			continue
		}
		numbers, cells := 0, 0
		for _, r := range below {
			if j < len(r) && strings.TrimSpace(r[j]) != "" {
				cells++
				if strings.ContainsFunc(r[j], unicode.IsDigit) {
					numbers++
				}
			}
		}
		if cells > 0 && 10*numbers >= 6*cells {
			return true
		}
	}
	return false
}

// namesOnly tells whether every filled cell of a row reads as a column
// name: letters, at most two digits, no e-mail or web address, short.
func namesOnly(row []string) bool {
	for _, c := range row {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !strings.ContainsFunc(c, unicode.IsLetter) || len(strings.Map(keepDigits, c)) > 2 || strings.Contains(c, "@") || strings.Contains(c, "://") || len([]rune(c)) > 120 {
			return false
		}
	}
	return true
}

func keepDigits(r rune) rune {
	if unicode.IsDigit(r) {
		return r
	}
	return -1
}

// gappedOrRepeated tells whether a row has empty cells or one name in
// two neighbouring columns.
func gappedOrRepeated(row []string) bool {
	for j, c := range row {
		c = strings.TrimSpace(c)
		if c == "" || j > 0 && strings.EqualFold(c, strings.TrimSpace(row[j-1])) {
			return true
		}
	}
	return false
}

// joinHeaderRows names each column from the two rows: a group name (the
// upper row's, carried over the gaps to its right when the lower row is
// the fuller) then the lower row's name; one of them alone when the
// other is empty or says the same.
func joinHeaderRows(a, b []string) []string {
	carry := filled(b) > filled(a)
	out := make([]string, len(a))
	group := ""
	for j := range a {
		upper, lower := strings.TrimSpace(a[j]), strings.TrimSpace(b[j])
		if upper != "" || !carry {
			group = upper
		}
		switch {
		case lower == "":
			out[j] = group
		case group == "" || strings.Contains(strings.ToLower(lower), strings.ToLower(group)):
			out[j] = lower
		default:
			out[j] = group + " " + lower
		}
	}
	return out
}
