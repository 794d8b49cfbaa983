package schema

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

//go:embed tableschemas/*.json
var tableSchemaFS embed.FS

// CurrentVersion is the version of the standard maillage publishes.
const CurrentVersion = "v1.0.2"

// TableSchema is a Frictionless Table Schema as published by the standard.
type TableSchema struct {
	Name       string     `json:"name"`
	Version    string     `json:"version"`
	PrimaryKey string     `json:"primaryKey"`
	Fields     []FieldDef `json:"fields"`
	// Tag is the release this file was taken from (e.g. "v0.1.1"); the
	// "version" inside some files is wrong (SCHEMA-NOTES §1.7-8).
	Tag string `json:"-"`
}

// FieldDef is one field of a Table Schema.
type FieldDef struct {
	Name        string      `json:"name"`
	Title       string      `json:"title"`
	Type        string      `json:"type"`
	Format      string      `json:"format"`
	Constraints Constraints `json:"constraints"`
}

// Constraints are the Table Schema constraints the standard uses.
type Constraints struct {
	Required  bool     `json:"required"`
	Unique    bool     `json:"unique"`
	Pattern   string   `json:"pattern"`
	MaxLength *int     `json:"maxLength"`
	Enum      []string `json:"enum"`
}

var schemaFiles = map[string]string{
	"v0.1.0":      "tableschemas/schema-v0.1.0.json",
	"v0.1.1":      "tableschemas/schema-v0.1.1.json",
	"v0.1.1-main": "tableschemas/schema-v0.1.1-main.json",
	"v1.0.0":      "tableschemas/schema-v1.0.0.json",
	"v1.0.1":      "tableschemas/schema-v1.0.1.json",
	"v1.0.2":      "tableschemas/schema-v1.0.2.json",
}

var loadedSchemas = mustLoadSchemas()

func mustLoadSchemas() map[string]*TableSchema {
	out := make(map[string]*TableSchema, len(schemaFiles))
	for tag, path := range schemaFiles {
		raw, err := tableSchemaFS.ReadFile(path)
		if err != nil {
			panic(fmt.Sprintf("schema: embedded %s: %v", path, err))
		}
		var ts TableSchema
		if err := json.Unmarshal(raw, &ts); err != nil {
			panic(fmt.Sprintf("schema: embedded %s: %v", path, err))
		}
		ts.Tag = tag
		out[tag] = &ts
	}
	return out
}

// Versions lists the embedded releases of the standard, oldest first.
func Versions() []string {
	tags := make([]string, 0, len(loadedSchemas))
	for tag := range loadedSchemas {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	return tags
}

// LoadTableSchema returns the embedded Table Schema of a release
// ("v1.0.2", "1.0.2", "v0.1.1", …).
func LoadTableSchema(version string) (*TableSchema, error) {
	tag := version
	if !strings.HasPrefix(tag, "v") {
		tag = "v" + tag
	}
	ts, ok := loadedSchemas[tag]
	if !ok {
		return nil, fmt.Errorf("schema: unknown version %q (known: %s)", version, strings.Join(Versions(), ", "))
	}
	return ts, nil
}

// ReadableVersion says whether lieux published under version v of the
// standard read as this one's: the same major version (v1.x), whose
// minor releases only add.
func ReadableVersion(v string) bool {
	major := func(v string) string {
		m, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
		return m
	}
	return v != "" && major(v) == major(CurrentVersion)
}

// Current returns the Table Schema of CurrentVersion.
func Current() *TableSchema { return loadedSchemas[CurrentVersion] }

// FieldNames returns the field names in schema order.
func (ts *TableSchema) FieldNames() []string {
	names := make([]string, len(ts.Fields))
	for i, f := range ts.Fields {
		names[i] = f.Name
	}
	return names
}

// Field returns the definition of a field by name.
func (ts *TableSchema) Field(name string) (FieldDef, bool) {
	for _, f := range ts.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return FieldDef{}, false
}

// enumPatternRE recognises the standard's enumeration patterns, written
// (?:(?:^|\|)(A|B|…))+$ in 1.x and (?:(?:^|;)(A|B|…))+$ in 0.x
// (SCHEMA-NOTES §1.7-9).
var enumPatternRE = regexp.MustCompile(`^\(\?:\(\?:\^\|(\\\||;)\)\((.*)\)\)\+\$$`)

// EnumSeparator returns the separator of a multi-valued enumerated field
// ("|" in 1.x, ";" in 0.x), or "" when the field is not enumerated.
func (f FieldDef) EnumSeparator() string {
	m := enumPatternRE.FindStringSubmatch(f.Constraints.Pattern)
	if m == nil {
		return ""
	}
	return strings.TrimPrefix(m[1], `\`)
}

// EnumValues returns the allowed values of a multi-valued enumerated field,
// read from its pattern, or nil when the field is not enumerated.
func (f FieldDef) EnumValues() []string {
	m := enumPatternRE.FindStringSubmatch(f.Constraints.Pattern)
	if m == nil {
		return nil
	}
	var values []string
	for _, alt := range splitTopLevel(m[2]) {
		values = append(values, unescapeRegexLiteral(alt))
	}
	return values
}

// splitTopLevel splits a regexp alternation on the | that are not escaped
// and not inside parentheses.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// unescapeRegexLiteral turns a regexp literal such as `Jeunes \(16-26 ans\)`
// into the text it matches. Unescaped groups are kept as their content,
// which is what they match (v0.1.0 defect, SCHEMA-NOTES §1.7-4).
func unescapeRegexLiteral(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '(' || c == ')':
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
