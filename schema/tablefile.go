package schema

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/maillage/maillage/harvest"
)

// ReadCSVTable reads a CSV file as the national validator does: the first
// row is the header, every other row is data, ragged rows are kept for the
// validator to report. It also returns the delimiter found.
func ReadCSVTable(r io.Reader) (Table, rune, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return Table{}, 0, fmt.Errorf("schema: read: %w", err)
	}
	body = bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF})
	sep := harvest.SniffDelimiter(body)
	cr := csv.NewReader(bytes.NewReader(body))
	cr.Comma, cr.FieldsPerRecord = sep, -1
	t := Table{Positional: true}
	for n := 1; ; n++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return t, sep, fmt.Errorf("schema: CSV row %d: %w", n, err)
		}
		if n == 1 {
			t.Header = row
			continue
		}
		t.Rows = append(t.Rows, TableRow{Number: n, Cells: row})
	}
	if t.Header == nil {
		return t, sep, errors.New("schema: empty file")
	}
	return t, sep, nil
}

// ReadJSONTable reads a JSON array of objects in the standard's shape.
// Arrays are joined with "|", numbers kept as written. Rows are numbered by
// their 1-based position in the array.
func ReadJSONTable(r io.Reader) (Table, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var elems []map[string]any
	if err := dec.Decode(&elems); err != nil {
		return Table{}, fmt.Errorf("schema: JSON: %w", err)
	}
	header := Current().FieldNames()
	known := map[string]bool{}
	for _, h := range header {
		known[h] = true
	}
	t := Table{}
	for _, e := range elems {
		for k := range e {
			if !known[k] {
				known[k] = true
				header = append(header, k)
			}
		}
	}
	t.Header = header
	for i, e := range elems {
		cells := make([]string, len(header))
		for j, h := range header {
			cells[j] = jsonCell(e[h])
		}
		t.Rows = append(t.Rows, TableRow{Number: i + 1, Cells: cells})
	}
	return t, nil
}

func jsonCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = jsonCell(p)
		}
		return strings.Join(parts, MultiSeparator)
	case json.Number:
		return x.String()
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// WriteText prints the report the way the national validator presents it:
// one line per finding (row, column, rule, value), then a summary line.
func (r *ValidationReport) WriteText(w io.Writer, name string) error {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s: %s", name, severityWord(f.Severity))
		if f.Row > 0 {
			fmt.Fprintf(&b, " %s %d", r.RowUnit, f.Row)
		}
		if f.Column != "" || f.ColumnNum > 0 {
			fmt.Fprintf(&b, ", colonne %d (%s)", f.ColumnNum, f.Column)
		}
		rule := f.Rule
		if f.Constraint != "" && f.Constraint != "type" {
			rule += " [" + f.Constraint + "]"
		}
		fmt.Fprintf(&b, " : %s — %s", rule, f.Message)
		if f.Value != "" {
			fmt.Fprintf(&b, " — valeur « %s »", truncate(f.Value, 120))
		}
		b.WriteByte('\n')
	}
	verdict := "VALIDE"
	if !r.Valid() {
		verdict = "INVALIDE"
	}
	fmt.Fprintf(&b, "%s: %s — schéma %s, %d %s(s) de données, %d erreur(s), %d avertissement(s)\n",
		name, verdict, r.Schema, r.Rows, r.RowUnit, r.Count(SeverityError), r.Count(SeverityWarning))
	_, err := io.WriteString(w, b.String())
	return err
}

func severityWord(s Severity) string {
	if s == SeverityWarning {
		return "avertissement"
	}
	return "erreur"
}
