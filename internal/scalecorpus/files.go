package scalecorpus

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// counts is what rewriting one file did.
type counts struct {
	records int // written
	dropped int // left out: no commune found to move them from
}

// rewriteJSON writes a moved copy of a JSON file: an array of records, or
// an object whose array members hold the records (a GeoJSON
// FeatureCollection's features, an API's results). Members' order and
// every other value are kept; the output is compact, one record a line.
func rewriteJSON(data []byte, w io.Writer, m *mover) (counts, error) {
	var all [][]byte
	collect := func(raw []byte) ([]byte, error) {
		all = append(all, raw)
		return raw, nil
	}
	if err := eachRecord(data, bufio.NewWriter(io.Discard), collect); err != nil {
		return counts{}, err
	}
	ids := identifiers(all)
	var n counts
	move := func(raw []byte) ([]byte, error) {
		var values []string
		walkJSON(raw, func(_, v string, _ bool) { values = append(values, v) })
		mv, ok := m.plan(values)
		if !ok {
			n.dropped++
			return nil, nil
		}
		n.records++
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		err := emitValue(dec, w, "", func(path, v string, number bool) string { return mv.value(v, number, ids[path]) })
		w.Flush()
		return out.Bytes(), err
	}
	bw := bufio.NewWriter(w)
	if err := eachRecord(data, bw, move); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// recordFunc returns what to write for one record (an object of a record
// list): nothing leaves it out.
type recordFunc func(raw []byte) ([]byte, error)

// eachRecord copies a JSON document to w, each record passed to f.
func eachRecord(data []byte, w *bufio.Writer, f recordFunc) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("reading the first token: %w", err)
	}
	switch tok {
	case json.Delim('['):
		return eachInArray(dec, w, f)
	case json.Delim('{'):
		return eachInObject(dec, w, f)
	}
	return fmt.Errorf("a JSON array or object was expected, not %v", tok)
}

// eachInArray copies the elements of an array whose '[' was read.
func eachInArray(dec *json.Decoder, w *bufio.Writer, f recordFunc) error {
	w.WriteByte('[')
	first := true
	for i := 1; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '{' {
			writeSep(w, &first)
			w.Write(raw)
			continue
		}
		out, err := f(raw)
		if err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
		if out != nil {
			writeSep(w, &first)
			w.Write(out)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("closing the array: %w", err)
	}
	w.WriteString("]\n")
	return nil
}

// eachInObject copies an object whose '{' was read: array members are
// record lists, other members are copied.
func eachInObject(dec *json.Decoder, w *bufio.Writer, f recordFunc) error {
	w.WriteByte('{')
	first := true
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fmt.Errorf("reading a member name: %w", err)
		}
		writeSep(w, &first)
		writeJSON(w, key)
		w.WriteByte(':')
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("member %v: %w", key, err)
		}
		if raw = bytes.TrimSpace(raw); len(raw) > 0 && raw[0] == '[' {
			inner := json.NewDecoder(bytes.NewReader(raw))
			inner.UseNumber()
			inner.Token()
			if err := eachInArray(inner, w, f); err != nil {
				return fmt.Errorf("member %v: %w", key, err)
			}
			continue
		}
		w.Write(raw)
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("closing the object: %w", err)
	}
	w.WriteString("}\n")
	return nil
}

func writeSep(w *bufio.Writer, first *bool) {
	if !*first {
		w.WriteString(",\n")
	}
	*first = false
}

// walkJSON calls fn for every string and number of a JSON value with its
// path: member names joined by dots, "[]" for an array's elements.
func walkJSON(raw []byte, fn func(path, value string, number bool)) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	emitValue(dec, bufio.NewWriter(io.Discard), "", func(path, v string, number bool) string {
		fn(path, v, number)
		return v
	})
}

// emitValue copies one JSON value from dec to w, each scalar (not member
// names) replaced by rewrite of it.
func emitValue(dec *json.Decoder, w *bufio.Writer, path string, rewrite func(path, v string, number bool) string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		return emitContainer(dec, w, path, t, rewrite)
	case string:
		writeJSON(w, rewrite(path, t, false))
	case json.Number:
		out := rewrite(path, t.String(), true)
		if json.Valid([]byte(out)) {
			w.WriteString(out)
		} else {
			writeJSON(w, out) // a code that is no number (Corsica's 2A…): a string
		}
	default:
		writeJSON(w, t)
	}
	return nil
}

func emitContainer(dec *json.Decoder, w *bufio.Writer, path string, open json.Delim, rewrite func(path, v string, number bool) string) error {
	isObject := open == '{'
	w.WriteByte(byte(open))
	for first := true; dec.More(); first = false {
		if !first {
			w.WriteByte(',')
		}
		inner := path + "[]"
		if isObject {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			writeJSON(w, key)
			w.WriteByte(':')
			inner = path + "." + fmt.Sprint(key)
		}
		if err := emitValue(dec, w, inner, rewrite); err != nil {
			return err
		}
	}
	end, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := end.(json.Delim); !ok || (isObject && d != '}') || (!isObject && d != ']') {
		return errors.New("unbalanced JSON")
	}
	w.WriteByte(byte(end.(json.Delim)))
	return nil
}

// identifiers finds the paths (or CSV columns) holding identifiers, from
// their content: a value in at least 90 % of at least 10 records, each
// different from the others (98 %), short and without spaces.
func identifiers(records [][]byte) map[string]bool {
	stats := newColumnStats()
	for _, raw := range records {
		walkJSON(raw, func(path, v string, _ bool) { stats.add(path, v) })
	}
	return stats.identifiers(len(records))
}

type columnStats struct {
	filled   map[string]int
	distinct map[string]map[string]bool
	unfit    map[string]bool // a value with a space or too long
}

func newColumnStats() *columnStats {
	return &columnStats{filled: map[string]int{}, distinct: map[string]map[string]bool{}, unfit: map[string]bool{}}
}

func (s *columnStats) add(column, v string) {
	if v = strings.TrimSpace(v); v == "" {
		return
	}
	s.filled[column]++
	if s.distinct[column] == nil {
		s.distinct[column] = map[string]bool{}
	}
	s.distinct[column][v] = true
	if len(v) > 64 || strings.ContainsAny(v, " \t\n") {
		s.unfit[column] = true
	}
}

func (s *columnStats) identifiers(records int) map[string]bool {
	ids := map[string]bool{}
	for column, n := range s.filled {
		if records >= 10 && !s.unfit[column] && n*10 >= records*9 && len(s.distinct[column])*100 >= n*98 {
			ids[column] = true
		}
	}
	return ids
}

// rewriteCSV writes a moved copy of a CSV file with its delimiter, byte
// order mark and line ends; the header row is copied.
func rewriteCSV(data []byte, w io.Writer, m *mover) (counts, error) {
	var n counts
	rows, comma, crlf, err := readCSV(data)
	if err != nil {
		return n, err
	}
	stats := newColumnStats()
	for _, row := range rows[1:] {
		for i, v := range row {
			stats.add(strconv.Itoa(i), v)
		}
	}
	ids := stats.identifiers(len(rows) - 1)
	out := [][]string{rows[0]}
	for _, row := range rows[1:] {
		mv, ok := m.plan(row)
		if !ok {
			n.dropped++
			continue
		}
		for i, v := range row {
			row[i] = mv.value(v, false, ids[strconv.Itoa(i)])
		}
		out = append(out, row)
		n.records++
	}
	return n, writeCSV(w, out, comma, crlf, bytes.HasPrefix(data, []byte("\uFEFF")))
}

// readCSV reads a CSV file's rows (the header first), its delimiter and
// whether its lines end with CR LF.
func readCSV(data []byte) ([][]string, rune, bool, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = delimiter(firstLine), true, -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, 0, false, fmt.Errorf("reading the rows: %w", err)
	}
	if len(rows) == 0 {
		return nil, 0, false, errors.New("no header row")
	}
	return rows, r.Comma, bytes.HasSuffix(firstLine, []byte("\r")), nil
}

func writeCSV(w io.Writer, rows [][]string, comma rune, crlf, bom bool) error {
	if bom {
		io.WriteString(w, "\uFEFF")
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = comma, crlf
	cw.WriteAll(rows)
	return cw.Error()
}

// delimiter picks, of comma, semicolon and tab, the one the header row
// uses most outside quotes.
func delimiter(header []byte) rune {
	best, bestCount := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		count, quoted := 0, false
		for _, c := range string(header) {
			switch {
			case c == '"':
				quoted = !quoted
			case c == d && !quoted:
				count++
			}
		}
		if count > bestCount {
			best, bestCount = d, count
		}
	}
	return best
}

// countRecords counts a file's records.
func countRecords(name string, data []byte) (int, error) {
	if strings.HasSuffix(name, ".csv") {
		rows, _, _, err := readCSV(data)
		return len(rows) - 1, err
	}
	n := 0
	err := eachRecord(data, bufio.NewWriter(io.Discard), func(raw []byte) ([]byte, error) {
		n++
		return nil, nil
	})
	return n, err
}

func writeJSON(w *bufio.Writer, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	w.Write(bytes.TrimRight(b.Bytes(), "\n"))
}
