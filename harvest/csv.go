package harvest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// decodeCSV reads a CSV document whose first row is the header.
func decodeCSV(body []byte, delimiter string) (*Table, error) {
	sep, err := pickDelimiter(body, delimiter)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(normaliseNewlines(body)))
	r.Comma = sep
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	t := &Table{Format: FormatCSV, Columns: header}
	for i := 0; ; i++ {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CSV row %d: %w", i+1, err)
		}
		line, _ := r.FieldPos(0)
		if len(row) != len(header) {
			return nil, fmt.Errorf("CSV row %d (line %d): %d fields, the header has %d", i+1, line, len(row), len(header))
		}
		rec := Record{Index: i, Line: line, Fields: make([]Field, len(row))}
		for j, v := range row {
			rec.Fields[j] = Field{Name: header[j], Value: v}
		}
		t.Records = append(t.Records, rec)
	}
	return t, nil
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
