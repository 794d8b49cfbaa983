package schema

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Severity of a validation finding.
type Severity string

// Severities: errors make a file invalid; warnings do not.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Finding is one problem found by the validator, located like the national
// validator does: row number in the file (the header is row 1), column.
type Finding struct {
	Row        int      `json:"row,omitempty"`
	Column     string   `json:"column,omitempty"`
	ColumnNum  int      `json:"column_number,omitempty"`
	Rule       string   `json:"rule"`
	Constraint string   `json:"constraint,omitempty"`
	Value      string   `json:"value,omitempty"`
	Message    string   `json:"message"`
	Severity   Severity `json:"severity"`
}

// Table is a file's content as text cells, ready for validation.
type Table struct {
	Header []string
	Rows   []TableRow
	// Positional is true for CSV, where rows are numbered like the national
	// validator does (header = row 1) and columns must follow schema order;
	// JSON elements are numbered from 1 and have no column order.
	Positional bool
}

// TableRow is one data row and its number in the file.
type TableRow struct {
	Number int
	Cells  []string
}

// ValidationReport is the result of validating a table.
type ValidationReport struct {
	Schema string `json:"schema"`
	Rows   int    `json:"rows"`
	// RowUnit names what Finding.Row counts: "ligne" (CSV) or "élément" (JSON).
	RowUnit  string    `json:"row_unit"`
	Findings []Finding `json:"findings"`
}

// Count returns the number of findings of a severity.
func (r *ValidationReport) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Valid reports whether the table has no error.
func (r *ValidationReport) Valid() bool { return r.Count(SeverityError) == 0 }

type tolerance struct {
	Versions   []string `json:"versions"`
	Field      string   `json:"field"`
	Documented string   `json:"documented"`
	Accepted   string   `json:"accepted"`
	Defect     string   `json:"defect"`
}

//go:embed data/tolerances.json
var tolerancesJSON []byte

var tolerances = func() []tolerance {
	var doc struct {
		Tolerances []tolerance `json:"tolerances"`
	}
	mustTable("tolerances.json", tolerancesJSON, &doc)
	return doc.Tolerances
}()

// Validator checks tables against one Table Schema with the semantics of
// Frictionless (the engine behind the national validator): empty cells are
// missing values, patterns are fully anchored, lengths count characters.
type Validator struct {
	schema     *TableSchema
	patterns   map[string]*regexp.Regexp
	tolerances map[string][]tolerance
}

// NewValidator compiles the patterns of a Table Schema.
func NewValidator(ts *TableSchema) (*Validator, error) {
	v := &Validator{schema: ts, patterns: map[string]*regexp.Regexp{}, tolerances: map[string][]tolerance{}}
	for _, f := range ts.Fields {
		if f.Constraints.Pattern == "" {
			continue
		}
		re, err := regexp.Compile(`^(?:` + f.Constraints.Pattern + `)$`)
		if err != nil {
			return nil, fmt.Errorf("schema: field %s: pattern: %w", f.Name, err)
		}
		v.patterns[f.Name] = re
	}
	for _, t := range tolerances {
		if slices.Contains(t.Versions, ts.Tag) {
			v.tolerances[t.Field] = append(v.tolerances[t.Field], t)
		}
	}
	return v, nil
}

// Validate checks a table and returns every finding.
func (v *Validator) Validate(t Table) *ValidationReport {
	rep := &ValidationReport{Schema: v.schema.Tag, Rows: len(t.Rows), RowUnit: "ligne"}
	if !t.Positional {
		rep.RowUnit = "élément"
	}
	rep.Findings = append(rep.Findings, v.checkLabels(t)...)
	colField := make([]*FieldDef, len(t.Header))
	for i, h := range t.Header {
		if fd, ok := v.schema.Field(h); ok {
			colField[i] = &fd
		}
	}
	seen := map[string]map[string]int{}
	for _, row := range t.Rows {
		rep.Findings = append(rep.Findings, v.checkRow(t, row, colField, seen)...)
	}
	return rep
}

func (v *Validator) checkLabels(t Table) []Finding {
	var out []Finding
	counts := map[string]int{}
	row := 0 // JSON has no header row
	if t.Positional {
		row = 1
	}
	for i, h := range t.Header {
		counts[h]++
		col := i + 1
		switch {
		case strings.TrimSpace(h) == "":
			out = append(out, Finding{Row: row, ColumnNum: col, Rule: "blank-label", Severity: SeverityError,
				Message: "en-tête de colonne vide"})
		case counts[h] == 2:
			out = append(out, Finding{Row: row, Column: h, ColumnNum: col, Rule: "duplicate-label", Severity: SeverityError,
				Message: fmt.Sprintf("la colonne « %s » apparaît plusieurs fois", h)})
		}
	}
	for _, h := range t.Header {
		if _, ok := v.schema.Field(h); !ok && strings.TrimSpace(h) != "" {
			out = append(out, Finding{Row: row, Column: h, ColumnNum: slices.Index(t.Header, h) + 1, Rule: "extra-label",
				Severity: SeverityError, Message: fmt.Sprintf("la colonne « %s » n'existe pas dans le schéma %s", h, v.schema.Tag)})
		}
	}
	var expected []string // schema fields present in the header, in schema order
	for i, f := range v.schema.Fields {
		if counts[f.Name] == 0 {
			out = append(out, Finding{Row: row, Column: f.Name, ColumnNum: i + 1, Rule: "missing-label", Severity: SeverityError,
				Message: fmt.Sprintf("la colonne « %s » du schéma est absente", f.Name)})
			continue
		}
		expected = append(expected, f.Name)
	}
	if t.Positional {
		out = append(out, v.checkOrder(t.Header, expected, row)...)
	}
	return out
}

// checkOrder reports the schema columns that are not in schema order,
// ignoring missing and extra columns (already reported) so that one absent
// column does not shift every following one into an error.
func (v *Validator) checkOrder(header, expected []string, row int) []Finding {
	var out []Finding
	k := 0
	for i, h := range header {
		if _, known := v.schema.Field(h); !known || k >= len(expected) {
			continue
		}
		if h != expected[k] {
			out = append(out, Finding{Row: row, Column: h, ColumnNum: i + 1, Rule: "incorrect-label", Severity: SeverityError,
				Value: h, Message: fmt.Sprintf("colonne %d : « %s » attendue ici (ordre du schéma)", i+1, expected[k])})
		}
		k++
	}
	return out
}

func (v *Validator) checkRow(t Table, row TableRow, colField []*FieldDef, seen map[string]map[string]int) []Finding {
	if isBlankRow(row.Cells) {
		return []Finding{{Row: row.Number, Rule: "blank-row", Severity: SeverityError, Message: "ligne vide"}}
	}
	var out []Finding
	for i := len(row.Cells); i < len(t.Header); i++ {
		out = append(out, Finding{Row: row.Number, Column: t.Header[i], ColumnNum: i + 1, Rule: "missing-cell",
			Severity: SeverityError, Message: fmt.Sprintf("%d cellules au lieu de %d", len(row.Cells), len(t.Header))})
	}
	for i := len(t.Header); i < len(row.Cells); i++ {
		out = append(out, Finding{Row: row.Number, ColumnNum: i + 1, Rule: "extra-cell", Value: row.Cells[i],
			Severity: SeverityError, Message: fmt.Sprintf("%d cellules au lieu de %d", len(row.Cells), len(t.Header))})
	}
	for i, fd := range colField {
		if fd == nil || i >= len(row.Cells) {
			continue
		}
		for _, f := range v.checkCell(*fd, row.Cells[i], row.Number, seen) {
			f.Row, f.Column, f.ColumnNum = row.Number, fd.Name, i+1
			out = append(out, f)
		}
	}
	return out
}

func isBlankRow(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

// checkCell applies the field's type and constraints to one cell.
func (v *Validator) checkCell(fd FieldDef, cell string, rowNum int, seen map[string]map[string]int) []Finding {
	if cell == "" {
		if fd.Constraints.Required {
			return []Finding{{Rule: "constraint-error", Constraint: "required", Severity: SeverityError,
				Message: "valeur obligatoire manquante"}}
		}
		return nil
	}
	if f, bad := checkType(fd, cell); bad {
		return []Finding{f}
	}
	var out []Finding
	if re := v.patterns[fd.Name]; re != nil && !re.MatchString(cell) {
		out = append(out, v.patternFinding(fd, re, cell))
	}
	if ml := fd.Constraints.MaxLength; ml != nil && utf8.RuneCountInString(cell) > *ml {
		out = append(out, Finding{Rule: "constraint-error", Constraint: "maxLength", Value: cell, Severity: SeverityError,
			Message: fmt.Sprintf("%d caractères, maximum %d", utf8.RuneCountInString(cell), *ml)})
	}
	if fd.Constraints.Unique || v.schema.PrimaryKey == fd.Name {
		if out2, dup := checkUnique(fd.Name, cell, rowNum, seen); dup {
			out = append(out, out2)
		}
	}
	return out
}

// patternFinding reports a pattern failure, downgraded to a warning when
// the only offending values are documented spellings of a known defect.
func (v *Validator) patternFinding(fd FieldDef, re *regexp.Regexp, cell string) Finding {
	sep := fd.EnumSeparator()
	if sep == "" {
		sep = MultiSeparator
	}
	fixed := cell
	var defects []string
	for _, t := range v.tolerances[fd.Name] {
		parts := strings.Split(fixed, sep)
		for i, p := range parts {
			if p == t.Documented {
				parts[i] = t.Accepted
				defects = append(defects, t.Defect)
			}
		}
		fixed = strings.Join(parts, sep)
	}
	if len(defects) > 0 && re.MatchString(fixed) {
		return Finding{Rule: "constraint-error", Constraint: "pattern", Value: cell, Severity: SeverityWarning,
			Message: "valeur documentée mais rejetée par le motif officiel (défaut connu du schéma " +
				strings.Join(defects, "; ") + ") : le validateur national la signalerait"}
	}
	msg := "ne respecte pas le motif " + fd.Constraints.Pattern
	if enum := fd.EnumValues(); enum != nil {
		msg = "valeur(s) hors de la liste autorisée : " + strings.Join(unknownEnumValues(cell, sep, enum), ", ")
	}
	return Finding{Rule: "constraint-error", Constraint: "pattern", Value: cell, Severity: SeverityError, Message: msg}
}

func unknownEnumValues(cell, sep string, enum []string) []string {
	var bad []string
	for _, p := range strings.Split(cell, sep) {
		if !slices.Contains(enum, p) {
			bad = append(bad, "« "+p+" »")
		}
	}
	if len(bad) == 0 {
		bad = append(bad, "séparateur ou valeur vide")
	}
	return bad
}

func checkUnique(field, cell string, rowNum int, seen map[string]map[string]int) (Finding, bool) {
	if seen[field] == nil {
		seen[field] = map[string]int{}
	}
	if first, dup := seen[field][cell]; dup {
		return Finding{Rule: "unique-error", Constraint: "unique", Value: cell, Severity: SeverityError,
			Message: fmt.Sprintf("valeur déjà présente (première occurrence : ligne %d)", first)}, true
	}
	seen[field][cell] = rowNum
	return Finding{}, false
}

var strptimeDateRE = regexp.MustCompile(`^(\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\d|0[1-9]|[1-9])$`)

// checkType reproduces Frictionless' number and date (format default) casts.
func checkType(fd FieldDef, cell string) (Finding, bool) {
	switch fd.Type {
	case "number":
		if _, ok := ParseNumber(cell); !ok {
			return Finding{Rule: "type-error", Constraint: "type", Value: cell, Severity: SeverityError,
				Message: "n'est pas un nombre (séparateur décimal « . »)"}, true
		}
	case "date":
		if !isStrptimeDate(cell) {
			return Finding{Rule: "type-error", Constraint: "type", Value: cell, Severity: SeverityError,
				Message: "n'est pas une date au format AAAA-MM-JJ"}, true
		}
	}
	return Finding{}, false
}

// ParseNumber parses a Table Schema number (decimal point, no grouping).
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "xX_pP") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func isStrptimeDate(s string) bool {
	m := strptimeDateRE.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == mo
}
