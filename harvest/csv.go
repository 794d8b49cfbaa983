package harvest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// decodeCSV reads a CSV document. The header is the first row that looks
// like one: blank rows and sparse group-header rows above it are skipped
// (and noted). Every data row must have as many fields as the header.
func decodeCSV(body []byte, delimiter string) (*Table, error) {
	sep, err := pickDelimiter(body, delimiter)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(normaliseNewlines(body)))
	r.Comma = sep
	r.FieldsPerRecord = -1
	var rows [][]string
	var lines []int
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("CSV line %d, column %d: %w", pe.StartLine, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("CSV: %w", err)
		}
		line, _ := r.FieldPos(0)
		rows, lines = append(rows, row), append(lines, line)
	}
	return csvTable(rows, lines)
}

func csvTable(rows [][]string, lines []int) (*Table, error) {
	h := headerRow(rows)
	if h < 0 {
		return nil, errors.New("CSV: no header row found")
	}
	header := rows[h]
	t := &Table{Format: FormatCSV, Columns: header}
	if h > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("header found on line %d; %d row(s) above it skipped", lines[h], h))
	}
	for i, row := range rows[h+1:] {
		if len(row) != len(header) {
			return nil, fmt.Errorf("CSV row %d (line %d): %d fields, the header has %d", i+1, lines[h+1+i], len(row), len(header))
		}
		rec := Record{Index: i, Line: lines[h+1+i], Fields: make([]Field, len(row))}
		for j, v := range row {
			rec.Fields[j] = Field{Name: header[j], Value: v}
		}
		t.Records = append(t.Records, rec)
	}
	if len(t.Records) == 0 {
		return nil, fmt.Errorf("CSV: header only (line %d), no data rows", lines[h])
	}
	return t, nil
}

// headerRow finds the header among the first rows: the first row that
// fills at least 80% of the columns, mostly with text (not numbers), is as
// wide as the row after it, and is not a gapped group row above a fuller
// one.
func headerRow(rows [][]string) int {
	limit := min(len(rows), 20)
	widest := 0
	for _, row := range rows[:limit] {
		widest = max(widest, filled(row))
	}
	for i, row := range rows[:limit] {
		n := filled(row)
		if n == 0 || n*10 < widest*8 || textCells(row)*10 < n*6 {
			continue
		}
		if i+1 < limit && n < len(row) && textCells(rows[i+1]) > textCells(row) && filled(rows[i+1]) > n {
			continue // a group row with gaps above a fuller header
		}
		if i+1 < len(rows) && len(rows[i+1]) != len(row) && i+1 < limit {
			continue
		}
		return i
	}
	return -1
}

func filled(row []string) int {
	n := 0
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

func textCells(row []string) int {
	n := 0
	for _, c := range row {
		if strings.IndexFunc(c, unicode.IsLetter) >= 0 {
			n++
		}
	}
	return n
}

// normaliseNewlines turns CR-only line endings (old Mac exports) into LF;
// encoding/csv handles LF and CRLF itself.
func normaliseNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\n') >= 0 || bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	return bytes.ReplaceAll(b, []byte{'\r'}, []byte{'\n'})
}

// pickDelimiter honours a configured delimiter or sniffs the header line,
// counting candidates outside quotes.
func pickDelimiter(body []byte, configured string) (rune, error) {
	if configured != "" {
		if configured == `\t` || configured == "tab" {
			return '\t', nil
		}
		rs := []rune(configured)
		if len(rs) != 1 {
			return 0, fmt.Errorf("delimiter %q: one character expected", configured)
		}
		return rs[0], nil
	}
	return SniffDelimiter(body), nil
}

// SniffDelimiter guesses the separator of a CSV document from its first
// line: the most frequent of , ; tab | outside quotes (comma on a tie).
func SniffDelimiter(body []byte) rune {
	first := string(body)
	if i := strings.IndexAny(first, "\r\n"); i >= 0 {
		first = first[:i]
	}
	best, bestN := ',', 0
	for _, c := range []rune{',', ';', '\t', '|'} {
		if n := countOutsideQuotes(first, c); n > bestN {
			best, bestN = c, n
		}
	}
	return best
}

func countOutsideQuotes(s string, c rune) int {
	n, quoted := 0, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == c && !quoted:
			n++
		}
	}
	return n
}
