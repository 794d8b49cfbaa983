package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// The national cartography's pipeline (mednum-cli) describes each
// source it harvests in a JSON configuration (assets/input/<source>/
// <source>.config.json): per field of the standard (some under their 0.x
// names), a column (« colonne »), a constant (« valeur »), columns joined
// (« joindre », with an alternative column « ou »), a column cut
// (« dissocier »: separator and part), or choices that read columns for
// terms (« colonnes », « termes », « sauf », « cible »); hours by day
// columns (« jours » with their OSM day), by a week column (« semaine »)
// or an OSM column (« osm »). ReadMednumCLI turns one into a Mapping, so
// that a territory the national map harvests migrates as it is.

// mednumField is one field's entry of a mednum-cli configuration.
type mednumField struct {
	Colonne columnNames `json:"colonne"`
	Valeur  *string     `json:"valeur"`
	Joindre *struct {
		Colonnes   []string `json:"colonnes"`
		Separateur string   `json:"séparateur"`
		Ou         *struct {
			Colonne string `json:"colonne"`
		} `json:"ou"`
	} `json:"joindre"`
	Dissocier *struct {
		Colonne    columnNames `json:"colonne"`
		Separateur string      `json:"séparateur"`
		Partie     int         `json:"partie"`
	} `json:"dissocier"`
	Jours []struct {
		Colonne columnNames `json:"colonne"`
		OSM     string      `json:"osm"`
	} `json:"jours"`
	Semaine string `json:"semaine"`
	OSM     string `json:"osm"`
}

// columnNames is a column given by its name or in a list of names.
type columnNames []string

func (c *columnNames) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*c = columnNames{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("a column's name or a list of names: %w", err)
	}
	*c = many
	return nil
}

// mednumChoice is one rule of a field read from terms.
type mednumChoice struct {
	Colonnes []string `json:"colonnes"`
	Termes   []string `json:"termes"`
	Sauf     []string `json:"sauf"`
	Cible    string   `json:"cible"`
}

// IsMednumCLI reports whether a mapping file is a mednum-cli
// configuration (a JSON object of fields), not maillage's YAML.
func IsMednumCLI(raw []byte) bool {
	raw = bytes.TrimSpace(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(raw, &doc) != nil {
		return false
	}
	_, nom := doc["nom"]
	return nom
}

// ReadMednumCLI reads a mednum-cli configuration as a Mapping. What it
// cannot carry over (an unknown key, a choice's value that is not the
// standard's, a day given by several columns) is said in notes; a file
// that is not such a configuration is an error naming what is wrong.
func ReadMednumCLI(raw []byte) (Mapping, []string, error) {
	m := Mapping{Columns: map[string]string{}, Constants: map[string]string{}, Join: map[string]Join{}, Choices: map[string][]Choice{},
		SkipMissing: true}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), &doc); err != nil {
		return m, nil, fmt.Errorf("schema: mednum-cli configuration: %w", err)
	}
	var notes []string
	splits := map[string]*Split{}
	for _, key := range sortedKeys(doc) {
		entry := bytes.TrimSpace(doc[key])
		if len(entry) > 0 && entry[0] == '[' {
			n, err := m.addChoices(key, entry)
			if err != nil {
				return m, notes, err
			}
			notes = append(notes, n...)
			continue
		}
		var f mednumField
		if err := json.Unmarshal(entry, &f); err != nil {
			return m, notes, fmt.Errorf("schema: mednum-cli configuration: %q: %w", key, err)
		}
		notes = append(notes, m.addField(key, f, splits)...)
	}
	for _, col := range sortedKeys(splits) {
		m.Split = append(m.Split, *splits[col])
	}
	return m, notes, nil
}

// addField carries over one field's column, constant, join, split or
// hours.
func (m *Mapping) addField(key string, f mednumField, splits map[string]*Split) []string {
	var notes []string
	if key == "horaires" {
		return m.addHours(f)
	}
	if !isKnownTarget(key) {
		return []string{fmt.Sprintf("%q: not a field of the standard, left out", key)}
	}
	cols := slices.DeleteFunc(slices.Clone(f.Colonne), func(c string) bool { return c == "" })
	switch {
	case len(cols) > 0:
		if key == "id" {
			m.ID = cols[0]
		}
		notes = append(notes, m.mapColumn(cols[0], key)...)
		for _, other := range cols[1:] { // the next ones fill what the first leaves empty
			notes = append(notes, m.mapColumn(other, fallbackPrefix+fieldOf(key))...)
		}
	case f.Valeur != nil:
		m.Constants[fieldOf(key)] = *f.Valeur
	}
	if j := f.Joindre; j != nil && len(j.Colonnes) > 0 {
		m.Join[fieldOf(key)] = Join{Columns: j.Colonnes, Separator: j.Separateur}
		if j.Ou != nil && j.Ou.Colonne != "" {
			notes = append(notes, m.mapColumn(j.Ou.Colonne, fallbackPrefix+fieldOf(key))...)
		}
	}
	if d := f.Dissocier; d != nil && len(d.Colonne) > 0 && d.Colonne[0] != "" && d.Partie >= 0 {
		col := d.Colonne[0]
		sp := splits[col]
		if sp == nil {
			sp = &Split{Column: col, Separator: d.Separateur}
			splits[col] = sp
		}
		for len(sp.Fields) <= d.Partie {
			sp.Fields = append(sp.Fields, Ignore)
		}
		sp.Fields[d.Partie] = fieldOf(key)
	}
	return notes
}

// mapColumn maps a column to a target; a column already feeding another
// field keeps its first one.
func (m *Mapping) mapColumn(col, target string) []string {
	if had, ok := m.Columns[col]; ok && had != target {
		return []string{fmt.Sprintf("column %q feeds %s; not also %s", col, had, target)}
	}
	m.Columns[col] = target
	return nil
}

// addHours carries over the hours: one column per day, a week's text or
// an OSM value.
func (m *Mapping) addHours(f mednumField) []string {
	var notes []string
	for _, day := range f.Jours {
		code := strings.ToLower(day.OSM)
		if len(code) > 2 {
			code = code[:2] // « Sun » for « Su »
		}
		if !slices.Contains(dayCodes, code) {
			notes = append(notes, fmt.Sprintf("horaires: day %q unknown, left out", day.OSM))
			continue
		}
		cols := slices.DeleteFunc(slices.Clone(day.Colonne), func(c string) bool { return c == "" })
		if len(cols) > 1 {
			notes = append(notes, fmt.Sprintf("horaires: %s given by %d columns; %q read", day.OSM, len(cols), cols[0]))
		}
		if len(cols) > 0 {
			notes = append(notes, m.mapColumn(cols[0], dayColumnPrefix+code)...)
		}
	}
	for _, col := range []string{f.Semaine, f.OSM} {
		if col != "" {
			notes = append(notes, m.mapColumn(col, "horaires")...)
		}
	}
	return notes
}

// addChoices carries over a field read from terms: each choice becomes a
// Choice of the field's v1.0.2 name, its value upgraded from 0.x when the
// field is a 0.x one.
func (m *Mapping) addChoices(key string, entry []byte) ([]string, error) {
	var choices []mednumChoice
	if err := json.Unmarshal(entry, &choices); err != nil {
		return nil, fmt.Errorf("schema: mednum-cli configuration: %q: %w", key, err)
	}
	var notes []string
	for _, c := range choices {
		targets := choiceTargets(key, c.Cible)
		if len(targets) == 0 {
			notes = append(notes, fmt.Sprintf("%s: %q is not a value of the standard, left out", key, c.Cible))
			continue
		}
		for _, t := range targets {
			m.Choices[t.Field] = append(m.Choices[t.Field], Choice{Columns: c.Colonnes, Terms: c.Termes, Except: c.Sauf, Value: t.Value})
		}
	}
	return notes, nil
}

// choiceTargets are the fields and values a choice's value stands for:
// itself in a v1.0.2 field, its upgrade in a 0.x one.
func choiceTargets(key, value string) []target {
	field := fieldOf(key)
	if key == "typologies" {
		field = "typologie"
	}
	if validChoice(field, value) {
		return []target{{Field: field, Value: value}}
	}
	if targets, known := vocab.resolveLegacy(key, value); known {
		return targets
	}
	if c, ok := vocab.resolveEnum(field, value); ok {
		return []target{{Field: field, Value: c}}
	}
	return nil
}

// validChoice reports whether value is one of the field's values (a
// typology code for typologie).
func validChoice(field, value string) bool {
	if field == "typologie" {
		_, ok := vocab.typologies[strings.ToUpper(value)]
		return ok
	}
	if _, enum := vocab.enums[field]; !enum {
		f, ok := fieldByName[field]
		return ok && f.Kind == KindList && value != "" // a free list (autres_formations_labels)
	}
	return vocab.isCanonical(field, value)
}

// sortedChoiceFields lists a mapping's chosen fields in order.
func sortedChoiceFields(choices map[string][]Choice) []string {
	fields := make([]string, 0, len(choices))
	for f := range choices {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	return fields
}

// fitTo resolves a lenient mapping's columns against the source's: a
// column found as it is, or under the name the source gave it once a
// wrapper was flattened away (« fields.adresse », « properties.nom »
// for « adresse », « nom »); the columns the source lacks are left out,
// each said in notes.
func (m Mapping) fitTo(columns []string) (Mapping, []string) {
	var notes []string
	find := func(col string) (string, bool) {
		if slices.Contains(columns, col) {
			return col, true
		}
		for _, wrapper := range []string{"fields.", "properties.", "data."} {
			if rest, ok := strings.CutPrefix(col, wrapper); ok && slices.Contains(columns, rest) {
				return rest, true
			}
		}
		notes = append(notes, fmt.Sprintf("column %q is not in the source: left out", col))
		return "", false
	}
	out := m
	out.Columns = map[string]string{}
	for _, col := range sortedKeys(m.Columns) {
		if c, ok := find(col); ok {
			out.Columns[c] = m.Columns[col]
		}
	}
	if m.ID != "" {
		out.ID, _ = find(m.ID)
	}
	out.Join = map[string]Join{}
	for _, field := range sortedKeys(m.Join) {
		j := Join{Separator: m.Join[field].Separator}
		for _, col := range m.Join[field].Columns {
			if c, ok := find(col); ok {
				j.Columns = append(j.Columns, c)
			}
		}
		if len(j.Columns) > 0 {
			out.Join[field] = j
		}
	}
	out.Split = nil
	for _, sp := range m.Split {
		if c, ok := find(sp.Column); ok {
			sp.Column = c
			out.Split = append(out.Split, sp)
		}
	}
	out.Choices = map[string][]Choice{}
	for _, field := range sortedChoiceFields(m.Choices) {
		for _, ch := range m.Choices[field] {
			var cols []string
			for _, col := range ch.Columns {
				if c, ok := find(col); ok {
					cols = append(cols, c)
				}
			}
			if len(ch.Columns) > 0 && len(cols) == 0 {
				continue // its columns are all missing: it cannot apply
			}
			ch.Columns = cols
			out.Choices[field] = append(out.Choices[field], ch)
		}
	}
	return out, slices.Compact(notes)
}
