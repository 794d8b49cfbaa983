package harvest

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
)

// decodeCSV reads a CSV document. The header is the first row that looks
// like one: blank rows and sparse group-header rows above it are skipped
// (and noted). Every data row must have as many fields as the header.
// With a cache (nil: none), a row whose bytes were read last time under
// the same header is not parsed again.
func decodeCSV(body []byte, delimiter string, cache *ElementCache) (*Table, error) {
	sep, err := pickDelimiter(body, delimiter)
	if err != nil {
		return nil, err
	}
	body = normaliseNewlines(body)
	if cache.serves(csvUnder(sep, nil)) {
		if t, ok := decodeCSVOnCache(body, sep, cache); ok {
			return t, nil
		}
	}
	t, spans, err := readCSVTable(body, sep, cache != nil)
	if err != nil || cache == nil {
		return t, err
	}
	dec := newElementDecoder(cache, csvUnder(sep, t.Columns), 0)
	for i, span := range spans[len(spans)-len(t.Records):] {
		t.Records[i].Sum = sha256.Sum256(span)
		dec.keep(t.Records[i].Sum, t.Records[i].Fields)
	}
	dec.done(t, true)
	return t, nil
}

// csvUnder is what a CSV's rows are decoded under: the delimiter and the
// header.
func csvUnder(sep rune, header []string) string {
	return FormatCSV + string(sep) + strings.Join(header, "\x00")
}

// readCSVTable parses a whole document into a table, row by row: the
// header is looked for in the first headerRows rows, and every later row
// becomes a record at once (no list of all rows is held beside the
// records). With keepSpans it also returns the bytes of each row (from
// its first byte to its newline), for the element cache.
func readCSVTable(body []byte, sep rune, keepSpans bool) (*Table, [][]byte, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = sep
	r.FieldsPerRecord = -1
	var head [][]string
	var lines []int
	var spans [][]byte
	var t *Table
	headerLine := 0
	for at := int64(0); ; {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("CSV line %d, column %d: %w", pe.StartLine, pe.Column, pe.Err)
			}
			return nil, nil, fmt.Errorf("CSV: %w", err)
		}
		line, _ := r.FieldPos(0)
		end := r.InputOffset()
		if keepSpans {
			spans = append(spans, trimBlankLines(body[at:end])) // blank lines above are skipped
		}
		at = end
		if t == nil {
			if head, lines = append(head, row), append(lines, line); len(head) == headerRows {
				if t, headerLine, err = csvTable(head, lines); err != nil && !errors.Is(err, errHeaderOnly) {
					return nil, nil, err
				}
				// room for a record a line: no array grown by doubling
				t.Records = slices.Grow(t.Records, bytes.Count(body[at:], []byte{'\n'})+1)
			}
			continue
		}
		if err := t.addRow(row, line); err != nil {
			return nil, nil, err
		}
	}
	if t == nil {
		var err error
		if t, headerLine, err = csvTable(head, lines); err != nil && !errors.Is(err, errHeaderOnly) {
			return nil, nil, err
		}
	}
	if len(t.Records) == 0 {
		return nil, nil, fmt.Errorf("CSV: header only (line %d), no data rows", headerLine)
	}
	return t, spans, nil
}

// errHeaderOnly is csvTable's word for rows that hold a header and no
// record yet.
var errHeaderOnly = errors.New("CSV: header only")

// csvTable makes a table of the first rows of a document: the header,
// found among them (its line is returned), and the records below it.
func csvTable(rows [][]string, lines []int) (*Table, int, error) {
	span, ok := findHeader(rows)
	if !ok {
		return nil, 0, errors.New("CSV: no header row found")
	}
	h := span.last
	t := &Table{Format: FormatCSV, Columns: span.columns, Notes: span.notes(lines)}
	for i, row := range rows[h+1:] {
		if err := t.addRow(row, lines[h+1+i]); err != nil {
			return nil, 0, err
		}
	}
	if len(t.Records) == 0 {
		return t, lines[h], errHeaderOnly
	}
	return t, lines[h], nil
}

// addRow makes the row, which starts on line, the table's next record.
func (t *Table) addRow(row []string, line int) error {
	if len(row) != len(t.Columns) {
		return fmt.Errorf("CSV row %d (line %d): %d fields, the header has %d", len(t.Records)+1, line, len(row), len(t.Columns))
	}
	t.Records = append(t.Records, Record{Index: len(t.Records), Line: line, Fields: csvFields(t.Columns, row)})
	return nil
}

func csvFields(header, row []string) []Field {
	fields := make([]Field, len(row))
	for j, v := range row {
		fields[j] = Field{Name: header[j], Value: v}
	}
	return fields
}

// decodeCSVOnCache decodes a document whose rows mostly come from the
// cache: the document is cut into rows at the newlines outside quotes;
// the first rows (where the header is looked for) and the rows the cache
// does not hold are parsed, each of them having to be one whole row. It
// reports false when anything fails or differs from what readCSV would
// see: the document is then read whole, which says what is wrong.
func decodeCSVOnCache(body []byte, sep rune, cache *ElementCache) (*Table, bool) {
	chunks, lines := csvChunks(body)
	head, ok := parseChunks(chunks[:min(len(chunks), headerRows)], sep)
	span, found := findHeader(head)
	h := span.last
	if !ok || !found || h+1 >= len(chunks) {
		return nil, false
	}
	header := span.columns
	t := &Table{Format: FormatCSV, Columns: header, Records: make([]Record, len(chunks)-h-1), Notes: span.notes(lines)}
	dec := newElementDecoder(cache, csvUnder(sep, header), len(chunks))
	ok = fillCSVRecords(t, sep, chunks[h+1:], lines[h+1:], head[h+1:], dec)
	dec.done(t, ok)
	return t, ok
}

// headerRows is how many rows the header is looked for in.
const headerRows = 20

// fillCSVRecords makes a record of each chunk: the parsed rows first, then
// the cache's, then the others, parsed at once.
func fillCSVRecords(t *Table, sep rune, chunks [][]byte, lines []int, parsed [][]string, dec *elementDecoder) bool {
	var missed [][]byte
	var missedAt []int
	var sums [][sha256.Size]byte
	for i, c := range chunks {
		f, sum, ok := dec.lookup(c)
		t.Records[i] = Record{Index: i, Line: lines[i], Sum: sum}
		switch {
		case i < len(parsed):
			if len(parsed[i]) != len(t.Columns) {
				return false
			}
			f = csvFields(t.Columns, parsed[i])
		case !ok:
			missed, missedAt, sums = append(missed, c), append(missedAt, i), append(sums, sum)
			continue
		}
		t.Records[i].Fields = f
		dec.keep(sum, f)
	}
	rows, ok := parseChunks(missed, sep)
	for k, row := range rows {
		if len(row) != len(t.Columns) {
			return false
		}
		t.Records[missedAt[k]].Fields = csvFields(t.Columns, row)
		dec.keep(sums[k], t.Records[missedAt[k]].Fields)
	}
	return ok
}

// csvChunks cuts a document into rows at the newlines outside quotes
// (each row keeps its newline), leaving out blank lines as the CSV
// reader does, with the line each row starts on.
func csvChunks(body []byte) ([][]byte, []int) {
	var chunks [][]byte
	var lines []int
	line, start, quoted := 1, 0, false
	for at := 0; at < len(body); {
		nl := bytes.IndexByte(body[at:], '\n')
		end := len(body)
		if nl >= 0 {
			end = at + nl + 1
		}
		if bytes.Count(body[at:end], []byte{'"'})%2 == 1 {
			quoted = !quoted
		}
		if !quoted || end == len(body) {
			if c := body[start:end]; !blankLine(c) {
				chunks, lines = append(chunks, c), append(lines, line)
			}
			line += bytes.Count(body[start:end], []byte{'\n'})
			start = end
		}
		at = end
	}
	return chunks, lines
}

// trimBlankLines cuts the blank lines off the start of b.
func trimBlankLines(b []byte) []byte {
	for {
		switch {
		case bytes.HasPrefix(b, []byte("\n")):
			b = b[1:]
		case bytes.HasPrefix(b, []byte("\r\n")):
			b = b[2:]
		default:
			return b
		}
	}
}

// blankLine reports whether a line is empty, as the CSV reader skips it.
func blankLine(c []byte) bool {
	return len(c) == 0 || string(c) == "\n" || string(c) == "\r\n"
}

// parseChunks parses each chunk as one whole row, in one pass over them
// all; it reports false when a chunk is not exactly one row.
func parseChunks(chunks [][]byte, sep rune) ([][]string, bool) {
	if len(chunks) == 0 {
		return nil, true
	}
	var all []byte
	for _, c := range chunks {
		all = append(all, c...)
	}
	r := csv.NewReader(bytes.NewReader(all))
	r.Comma = sep
	r.FieldsPerRecord = -1
	rows := make([][]string, len(chunks))
	end := int64(0)
	for i, c := range chunks {
		row, err := r.Read()
		if end += int64(len(c)); err != nil || r.InputOffset() != end {
			return nil, false
		}
		rows[i] = row
	}
	_, err := r.Read()
	return rows, errors.Is(err, io.EOF)
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

// normaliseNewlines turns CR-only line endings (classic Mac exports)
// into LF; encoding/csv handles LF and CRLF itself. A document's lines
// end in CR when its bare CRs (not followed by LF) outnumber its LFs: a
// Mac file may have gained a final LF, or an LF in a cell, from a later
// tool; its CRLFs, if any, stay.
func normaliseNewlines(b []byte) []byte {
	bare := bytes.Count(b, []byte{'\r'}) - bytes.Count(b, []byte("\r\n"))
	if bare == 0 || bare <= bytes.Count(b, []byte{'\n'}) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			c = '\n'
		}
		out = append(out, c)
	}
	return out
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
	if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
		body = body[:i]
	}
	first := string(body)
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
