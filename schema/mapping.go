package schema

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema/hours"
)

// Mapping tells how a source's columns feed the standard's fields. Every
// part is optional: columns named like a field of the standard (any
// version) are recognised without it.
type Mapping struct {
	// ID is the column holding the producer's stable identifier.
	ID string `yaml:"id" json:"id,omitempty"`
	// Columns maps a source column to a field of the standard (v1.0.2 or
	// 0.x name, upgraded), or to "-" to ignore it.
	Columns map[string]string `yaml:"columns" json:"columns,omitempty"`
	// Constants fill fields that the columns leave empty.
	Constants map[string]string `yaml:"constants" json:"constants,omitempty"`
	// Join builds a field from several columns: field → columns, separator.
	Join map[string]Join `yaml:"join" json:"join,omitempty"`
	// Split cuts one column into several fields ("lat, lon" → latitude,
	// longitude).
	Split []Split `yaml:"split" json:"split,omitempty"`
	// Values are keyword dictionaries for enumerated fields, tried before
	// the built-in ones: field → rules (value, any keyword, except keywords).
	Values map[string][]ValueRule `yaml:"values" json:"values,omitempty"`
	// Choices give enumerated fields values read in given columns (the
	// national pipeline's « termes », « sauf », « cible »): field → rules.
	Choices map[string][]Choice `yaml:"choices" json:"choices,omitempty"`
	// SkipMissing leaves out the columns the source does not have rather
	// than refusing the mapping (the national pipeline's configurations
	// name columns some exports lack); each is said in the mapper's notes.
	SkipMissing bool `yaml:"skip_missing" json:"skip_missing,omitempty"`
}

// Choice gives a field Value for a record when one of Columns holds one
// of Terms and none of Except (case and accents ignored, anywhere in the
// cell); with no Terms, when the column holds anything; with no Columns,
// for every record.
type Choice struct {
	Columns []string `yaml:"columns" json:"columns,omitempty"`
	Terms   []string `yaml:"terms" json:"terms,omitempty"`
	Except  []string `yaml:"except" json:"except,omitempty"`
	Value   string   `yaml:"value" json:"value"`
}

// Join is a field built from several columns.
type Join struct {
	Columns   []string `yaml:"columns" json:"columns"`
	Separator string   `yaml:"separator" json:"separator"`
}

// Split is one column cut into several fields, in order.
type Split struct {
	Column    string   `yaml:"column" json:"column"`
	Separator string   `yaml:"separator" json:"separator"`
	Fields    []string `yaml:"fields" json:"fields"`
}

// ValueRule gives an enumerated field's value when a cell contains one of
// Any and none of Except (folded, at word starts).
type ValueRule struct {
	Value  string   `yaml:"value" json:"value"`
	Any    []string `yaml:"any" json:"any"`
	Except []string `yaml:"except" json:"except,omitempty"`
}

// Ignore is the mapping target that discards a column.
const Ignore = "-"

// geometryColumn is the raw field in which harvest keeps a GeoJSON geometry.
const geometryColumn = "geometry"

// Mapper applies a Mapping to the records of one source.
type Mapper struct {
	targets   map[string]string // column → field or legacy name
	constants map[string]string
	idColumn  string
	joins     map[string]Join
	splits    []Split
	values    map[string][]foldedRule
	choices   map[string][]Choice // terms and exceptions folded
	// contacts are the columns of a person's e-mails or phones
	// (contacts.go); publicFlag the column saying a record's contact is
	// public, if any.
	contacts   map[string]contactColumn
	publicFlag string
	// reasons say why a column recognised by its values feeds its field.
	reasons map[string]string
	// notes say what of a lenient mapping the source lacked.
	notes []string
	// places are the communes the mapper read codes and names with (nil
	// when not known).
	places Places
}

// Places are the communes the mapper was made with, nil when none: the
// normalisation reads a commune in address text with them.
func (mp *Mapper) Places() Places { return mp.places }

// Mapped is the result of mapping one raw record.
type Mapped struct {
	Lieu       Lieu
	ProducerID string
	Issues     []Issue
}

// NewMapper checks a mapping against the columns of a source and
// recognises the other columns: names of the standard (any version) first,
// then the synonym dictionary, confirmed by the shape of the values found
// in records (which may be nil: then only names count), and last the
// columns no name claimed, by their values alone (content.go).
func NewMapper(m Mapping, columns []string, records []harvest.Record) (*Mapper, error) {
	return NewMapperFor(m, columns, records, nil)
}

// NewMapperFor is NewMapper reading codes and commune names with places.
func NewMapperFor(m Mapping, columns []string, records []harvest.Record, places Places) (*Mapper, error) {
	s := &sampler{records: records}
	return newMapper(m, columns, s.fits, s, places)
}

// newMapper is NewMapper with the shape of each column's values judged
// by fits, and the values read from src.
func newMapper(m Mapping, columns []string, fits shapeTest, src contentSource, places Places) (*Mapper, error) {
	mp := &Mapper{targets: map[string]string{}, constants: map[string]string{}, reasons: map[string]string{}, places: places}
	if m.SkipMissing {
		m, mp.notes = m.fitTo(columns)
	}
	for col, field := range m.Columns {
		if !slices.Contains(columns, col) {
			return nil, fmt.Errorf("schema: mapping: column %q not found in the source (columns: %s)", col, strings.Join(columns, ", "))
		}
		if field != Ignore && !isKnownTarget(field) {
			return nil, fmt.Errorf("schema: mapping: column %q → %q: not a field of the standard", col, field)
		}
		mp.targets[col] = field
	}
	taken, err := mp.addTransforms(m, columns)
	if err != nil {
		return nil, err
	}
	for _, t := range mp.targets {
		taken[fieldOf(t)] = true
	}
	var rest []string
	for _, col := range columns {
		if _, mapped := mp.targets[col]; mapped {
			continue
		}
		if t := defaultTarget(col); t != "" && fits(namedPrefix+t, col) {
			mp.targets[col] = t
			taken[fieldOf(t)] = true
			continue
		}
		rest = append(rest, col)
	}
	recognised := recognise(rest, fits, taken)
	recogniseByContent(rest, src, places, taken, recognised, mp.reasons)
	for col, t := range recognised {
		mp.targets[col] = t
	}
	addCompanionColumns(columns, mp.targets, mp.reasons)
	recheckCodes(columns, src, places, mp.targets, mp.reasons)
	mp.findContactColumns(columns)
	for field, value := range m.Constants {
		if _, ok := fieldByName[field]; !ok {
			return nil, fmt.Errorf("schema: mapping: constant %q: not a field of the standard", field)
		}
		mp.constants[field] = value
	}
	return mp, mp.setIDColumn(m.ID, columns)
}

// findContactColumns marks the columns of e-mails or phones whose names
// say they are a person's, and the column that says a contact is public.
func (mp *Mapper) findContactColumns(columns []string) {
	feeding := map[string]int{}
	for _, t := range mp.targets {
		feeding[fieldOf(strings.TrimPrefix(t, fallbackPrefix))]++
	}
	for col, t := range mp.targets {
		f := fieldOf(strings.TrimPrefix(t, fallbackPrefix))
		if (f == "courriels" || f == "telephone") && isPersonColumn(col) {
			if mp.contacts == nil {
				mp.contacts = map[string]contactColumn{}
			}
			mp.contacts[col] = contactColumn{field: f, only: feeding[f] == 1}
		}
	}
	for _, col := range columns {
		if isPublicFlagColumn(col) {
			mp.publicFlag = col
			break
		}
	}
}

// publicContact says whether the record says its contact is public.
func (mp *Mapper) publicContact(rec harvest.Record) bool {
	if mp.publicFlag == "" {
		return false
	}
	for _, f := range rec.Fields {
		if f.Name == mp.publicFlag {
			return isPublicFlagValue(f.Value)
		}
	}
	return false
}

// fieldOf is the v1 field a target feeds (0.x names feed their successor).
func fieldOf(target string) string {
	if f, ok := vocab.renames[target]; ok {
		return f
	}
	return target
}

// sampler gives, per column, up to sampleSize non-empty values of its
// records, sampled on first use.
type sampler struct {
	records []harvest.Record
	samples map[string][]string
}

// count is how many records the sample is taken from.
func (s *sampler) count() int { return len(s.records) }

func (s *sampler) sample(column string) []string {
	if s.samples == nil {
		s.samples = sampleColumns(s.records)
	}
	return s.samples[column]
}

// rows gives the values of columns a and b in the first records where
// both have one (up to sampleSize).
func (s *sampler) rows(a, b string) [][2]string {
	var out [][2]string
	for _, r := range s.records {
		va, vb := strings.TrimSpace(r.Value(a)), strings.TrimSpace(r.Value(b))
		if va != "" && vb != "" {
			out = append(out, [2]string{va, vb})
			if len(out) == sampleSize {
				break
			}
		}
	}
	return out
}

// shapeTest tells whether a column's values have the shape of a field.
type shapeTest func(field, column string) bool

// fits is the shapeTest of the sampled values.
func (s *sampler) fits(field, column string) bool {
	return shapeOK(field, s.sample(column))
}

// sampleColumns takes the first sampleSize values of every column that are
// neither blank nor placeholders, in one pass over the records (a name a
// record repeats gives its first value, as Record.Value does). Records
// mostly list their fields in one order: a field is first looked for at
// its position in the previous record, then by name.
func sampleColumns(records []harvest.Record) map[string][]string {
	cols := map[string]*sampledColumn{}
	var at []*sampledColumn // by position in the previous record
	for i, r := range records {
		for j, f := range r.Fields {
			var c *sampledColumn
			if j < len(at) && at[j].name == f.Name {
				c = at[j]
			} else if c = cols[f.Name]; c == nil {
				c = &sampledColumn{name: f.Name}
				cols[f.Name] = c
			}
			if j < len(at) {
				at[j] = c
			} else {
				at = append(at, c)
			}
			if c.last == i+1 || len(c.values) == sampleSize {
				continue
			}
			c.last = i + 1
			if v := strings.TrimSpace(f.Value); v != "" && !IsPlaceholder(v) {
				c.values = append(c.values, v)
			}
		}
	}
	samples := make(map[string][]string, len(cols))
	for name, c := range cols {
		samples[name] = c.values
	}
	return samples
}

// sampledColumn is a column's sample being taken.
type sampledColumn struct {
	name   string
	values []string
	last   int // the record last read, plus one
}

// addTransforms checks and keeps the joins, splits and value dictionaries
// of a mapping; their columns and fields are taken from recognition.
func (mp *Mapper) addTransforms(m Mapping, columns []string) (map[string]bool, error) {
	taken := map[string]bool{}
	claim := func(col string) error {
		if !slices.Contains(columns, col) {
			return fmt.Errorf("schema: mapping: column %q not found in the source", col)
		}
		mp.targets[col] = Ignore // read by the transform, not by recognition
		return nil
	}
	for field, j := range m.Join {
		if _, ok := fieldByName[field]; !ok || len(j.Columns) == 0 {
			return nil, fmt.Errorf("schema: mapping: join %q: not a field of the standard, or no columns", field)
		}
		for _, c := range j.Columns {
			if err := claim(c); err != nil {
				return nil, err
			}
		}
		taken[field] = true
	}
	for _, sp := range m.Split {
		if err := claim(sp.Column); err != nil {
			return nil, err
		}
		for _, f := range sp.Fields {
			if _, ok := fieldByName[f]; !ok && f != Ignore {
				return nil, fmt.Errorf("schema: mapping: split %q: %q is not a field of the standard", sp.Column, f)
			}
			taken[f] = true
		}
	}
	if err := mp.addChoices(m.Choices, columns); err != nil {
		return nil, err
	}
	mp.joins, mp.splits, mp.values = m.Join, m.Split, map[string][]foldedRule{}
	for field, rules := range m.Values {
		for _, r := range rules {
			if !vocab.isCanonical(field, r.Value) {
				return nil, fmt.Errorf("schema: mapping: values %s: %q is not a value of the standard", field, r.Value)
			}
			mp.values[field] = append(mp.values[field], foldRules([]keywordRule{keywordRule(r)})...)
		}
	}
	return taken, nil
}

func (mp *Mapper) setIDColumn(id string, columns []string) error {
	if id != "" {
		if !slices.Contains(columns, id) {
			return fmt.Errorf("schema: mapping: id column %q not found in the source", id)
		}
		mp.idColumn = id
		return nil
	}
	for _, col := range columns {
		if mp.targets[col] == "id" {
			mp.idColumn = col
			return nil
		}
	}
	return nil
}

// IDColumn returns the column whose values are the source's record keys, or
// "" when records are keyed by position.
func (mp *Mapper) IDColumn() string { return mp.idColumn }

// ProducerID is the record's value of the id column, as Map gives it.
func (mp *Mapper) ProducerID(rec harvest.Record) string {
	id := ""
	for _, f := range rec.Fields {
		if f.Name == mp.idColumn {
			id = strings.TrimSpace(f.Value)
		}
	}
	return id
}

// Fingerprint names what the mapper decided from the source's columns and
// values (the field each column feeds, the id column): two mappers of equal
// fingerprints built from one mapping map a record alike.
func (mp *Mapper) Fingerprint() string {
	cols := make([]string, 0, len(mp.targets))
	for col, target := range mp.targets {
		cols = append(cols, col+"\x00"+target)
	}
	slices.Sort(cols)
	return mp.idColumn + "\x01" + strings.Join(cols, "\x01")
}

// Recognised returns the columns the mapper uses and the field (or 0.x
// name) each one feeds; "~field" marks a fallback column.
func (mp *Mapper) Recognised() map[string]string {
	out := map[string]string{}
	for col, target := range mp.targets {
		if target != Ignore {
			out[col] = target
		}
	}
	return out
}

// Notes says what of the mapping the source lacked (SkipMissing).
func (mp *Mapper) Notes() []string { return mp.notes }

// Reasons says, for each column recognised by its values rather than its
// name, why, in column order.
func (mp *Mapper) Reasons(columns []string) []string {
	var out []string
	for _, c := range columns {
		if r, ok := mp.reasons[c]; ok && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Ignored returns, in source order, the columns no field uses (they stay in
// the raw record).
func (mp *Mapper) Ignored(columns []string) []string {
	var out []string
	for _, col := range columns {
		if t := mp.targets[col]; (t == "" || t == Ignore) && col != geometryColumn {
			out = append(out, col)
		}
	}
	return out
}

// defaultTarget recognises a column named like a field of the standard.
// (Written otherwise, « Code postal », it is a synonym: its values must
// agree.)
func defaultTarget(col string) string {
	name := strings.ToLower(strings.TrimSpace(col))
	if isKnownTarget(name) {
		return name
	}
	return ""
}

func isKnownTarget(name string) bool {
	if _, ok := fieldByName[name]; ok {
		return true
	}
	if isPseudo(name) {
		return true
	}
	if _, ok := vocab.renames[name]; ok {
		return true
	}
	if _, ok := vocab.legacy[name]; ok {
		return true
	}
	_, ok := vocab.dropped[name]
	return ok
}

// Map turns one raw record into a draft Lieu (not yet normalised).
func (mp *Mapper) Map(rec harvest.Record) Mapped {
	d := draftPool.Get().(*draft)
	defer d.release()
	d.values = mp.values
	var out Mapped
	out.ProducerID = mp.ProducerID(rec)
	public := len(mp.contacts) > 0 && mp.publicContact(rec)
	for _, f := range rec.Fields {
		target := mp.targets[f.Name]
		value := strings.TrimSpace(f.Value)
		if cc, ok := mp.contacts[f.Name]; ok && !public && value != "" && !IsPlaceholder(value) {
			var withheld *Issue
			if value, withheld = withholdPersonal(cc, f.Name, value); withheld != nil {
				d.issues = append(d.issues, *withheld)
			}
		}
		switch {
		case value == "" || target == Ignore:
		case IsPlaceholder(value):
			d.issues = append(d.issues, Issue{Column: f.Name, Rule: "placeholder", Value: value, Level: LevelFix,
				Message: "placeholder read as no value"})
		case target == "" && f.Name == geometryColumn && strings.HasPrefix(value, "{"), target == geomField, target == coordsField:
			d.addPoint(f.Name, value)
		case target == addrNumber, target == addrType, target == addrStreet:
			d.addressParts[target] = value
		case dayIndex(target) >= 0:
			d.dayHours[dayIndex(target)], d.hasDays = value, true
		case halfDayIndex(target) >= 0:
			d.halfDays[halfDayIndex(target)], d.hasHalfDays = value, true
		case strings.HasPrefix(target, fallbackPrefix):
			d.addValue(&d.fallback, f.Name, strings.TrimPrefix(target, fallbackPrefix), value)
		case target != "":
			d.add(f.Name, target, value)
		}
	}
	mp.applyTransforms(d, rec)
	d.joinAddress()
	d.convertDays()
	for field, value := range mp.constants {
		d.addConstant(field, value)
	}
	out.Lieu, out.Issues = d.finish()
	return out
}

// draft collects values per field in three layers: values read from a
// column of the current standard win over fallbacks (values upgraded from a
// 0.x column, coordinates of a GeoJSON geometry), which win over constants.
type draft struct {
	values                     map[string][]foldedRule // the mapping's own dictionaries
	direct, fallback, constant Lieu
	issues                     []Issue
	addressParts               map[string]string
	dayHours                   [7]string
	hasDays                    bool
	halfDays                   [5]string // days, am open, am close, pm open, pm close
	hasHalfDays                bool
}

// convertDays turns per-day hours columns, or opening days with morning
// and afternoon times, into an OSM value; what cannot be read is reported
// with the raw cells and left out.
func (d *draft) convertDays() {
	var osm, raw string
	var err error
	switch {
	case d.hasDays:
		osm, err = hours.FromDays(d.dayHours)
		raw = strings.Join(d.dayHours[:], " | ")
	case d.hasHalfDays:
		h := d.halfDays
		osm, err = hours.FromHalfDays(h[0], h[1], h[2], h[3], h[4])
		raw = strings.Join(h[:], " | ")
	default:
		return
	}
	if err != nil {
		d.issues = append(d.issues, Issue{Field: "horaires", Rule: "hours-unreadable", Value: raw, Level: LevelWarning,
			Message: "per-day hours not understood, left out: " + err.Error()})
		return
	}
	if osm != "" {
		d.fallback.Horaires = osm
		d.issues = append(d.issues, Issue{Field: "horaires", Rule: "hours-converted", Value: raw, Fixed: osm, Level: LevelFix,
			Message: "per-day hours columns written in OpenStreetMap syntax"})
	}
}

// draftPool recycles drafts: three Lieu per record otherwise dominate the
// allocations of a conversion.
var draftPool = sync.Pool{New: func() any { return &draft{addressParts: map[string]string{}} }}

// release empties a draft (its values now belong to the returned Lieu) and
// returns it to the pool.
func (d *draft) release() {
	parts := d.addressParts
	clear(parts)
	*d = draft{addressParts: parts}
	draftPool.Put(d)
}

// addChoices checks and keeps a mapping's choices: their columns must be
// the source's, their values the field's.
func (mp *Mapper) addChoices(choices map[string][]Choice, columns []string) error {
	mp.choices = map[string][]Choice{}
	for _, field := range sortedChoiceFields(choices) {
		for _, c := range choices[field] {
			if !validChoice(field, c.Value) {
				return fmt.Errorf("schema: mapping: choices %s: %q is not a value of the standard", field, c.Value)
			}
			for _, col := range c.Columns {
				if !slices.Contains(columns, col) {
					return fmt.Errorf("schema: mapping: choices %s: column %q not found in the source", field, col)
				}
			}
			folded := Choice{Columns: c.Columns, Value: c.Value}
			for _, t := range c.Terms {
				folded.Terms = append(folded.Terms, fold(t))
			}
			for _, t := range c.Except {
				folded.Except = append(folded.Except, fold(t))
			}
			mp.choices[field] = append(mp.choices[field], folded)
		}
	}
	return nil
}

// applyChoices gives the record the values its choices find.
func (mp *Mapper) applyChoices(d *draft, rec harvest.Record) {
	for field, choices := range mp.choices {
		for _, c := range choices {
			if c.chosen(rec) {
				appendUnique(&d.direct, field, c.Value)
			}
		}
	}
}

// chosen reports whether a folded choice applies to a record.
func (c Choice) chosen(rec harvest.Record) bool {
	if len(c.Columns) == 0 {
		return true
	}
	for _, col := range c.Columns {
		v := strings.TrimSpace(rec.Value(col))
		if v == "" || IsPlaceholder(v) {
			continue
		}
		if len(c.Terms) == 0 {
			return true
		}
		f := fold(v)
		if slices.ContainsFunc(c.Except, func(e string) bool { return strings.Contains(f, e) }) {
			continue
		}
		if slices.ContainsFunc(c.Terms, func(t string) bool { return t != "" && strings.Contains(f, t) }) {
			return true
		}
	}
	return false
}

// applyTransforms runs the mapping's joins, splits and choices on a
// record.
func (mp *Mapper) applyTransforms(d *draft, rec harvest.Record) {
	mp.applyChoices(d, rec)
	for field, j := range mp.joins {
		var parts []string
		for _, c := range j.Columns {
			if v := strings.TrimSpace(rec.Value(c)); v != "" && !IsPlaceholder(v) {
				parts = append(parts, v)
			}
		}
		if len(parts) > 0 {
			d.addValue(&d.direct, strings.Join(j.Columns, "+"), field, strings.Join(parts, j.Separator))
		}
	}
	for _, sp := range mp.splits {
		v := strings.TrimSpace(rec.Value(sp.Column))
		if v == "" {
			continue
		}
		parts := strings.Split(v, sp.Separator)
		for i, f := range sp.Fields {
			if i < len(parts) && f != Ignore && strings.TrimSpace(parts[i]) != "" {
				d.addValue(&d.direct, sp.Column, f, strings.TrimSpace(parts[i]))
			}
		}
	}
}

// joinAddress builds an address from its parts (number, street type, street
// name) when no column gives it whole.
func (d *draft) joinAddress() {
	var parts []string
	for _, p := range []string{addrNumber, addrType, addrStreet} {
		if v := d.addressParts[p]; v != "" {
			parts = append(parts, strings.TrimSuffix(v, ".0"))
		}
	}
	if d.addressParts[addrStreet] != "" {
		d.fallback.Adresse = strings.Join(parts, " ")
	}
}

func (d *draft) add(column, target, value string) {
	if _, isField := fieldByName[target]; isField {
		d.addValue(&d.direct, column, target, value)
		return
	}
	if why, ok := vocab.dropped[target]; ok {
		d.issues = append(d.issues, Issue{Column: column, Rule: "dropped-0x-field", Value: value, Level: LevelFix,
			Message: "column of the 0.x standard with no v1.0.2 field (" + why + "); kept in the raw record"})
		return
	}
	d.addLegacy(column, target, value)
}

// addValue adds a value read from a column to a field of the given draft.
func (d *draft) addValue(dst *Lieu, column, field, value string) {
	f := fieldByName[field]
	switch f.Kind {
	case KindText:
		if dst.Get(field) == "" {
			_ = dst.SetText(field, value)
		} else if dst.Get(field) != value {
			d.issues = append(d.issues, Issue{Field: field, Column: column, Rule: "extra-value", Value: value, Level: LevelWarning,
				Message: "several columns feed this field; the first non-empty value is kept"})
		}
	case KindNumber:
		d.addNumber(dst, column, field, value)
	case KindList:
		for _, tok := range splitList(field, value) {
			d.addToken(dst, column, field, tok)
		}
	}
}

func (d *draft) addNumber(dst *Lieu, column, field, value string) {
	n, ok := ParseNumber(strings.Replace(value, ",", ".", 1))
	if !ok {
		d.issues = append(d.issues, Issue{Field: field, Column: column, Rule: "not-a-number", Value: value, Level: LevelWarning,
			Message: "not a decimal number; dropped"})
		return
	}
	if strings.Contains(value, ",") {
		d.issues = append(d.issues, Issue{Field: field, Column: column, Rule: "decimal-comma", Value: value,
			Fixed: strconv.FormatFloat(n, 'f', -1, 64), Level: LevelFix, Message: "decimal comma read as a point"})
	}
	if field == "latitude" {
		dst.Latitude = &n
	} else {
		dst.Longitude = &n
	}
}

// addToken adds one value of a multi-valued field, resolving it against the
// field's vocabulary and the 0.x upgrade table.
func (d *draft) addToken(dst *Lieu, column, field, tok string) {
	if _, enumerated := vocab.enums[field]; !enumerated {
		appendUnique(dst, field, tok)
		return
	}
	if isGeneralAudience(field, tok) {
		d.issues = append(d.issues, Issue{Field: field, Column: column, Rule: "general-audience", Value: tok, Level: LevelFix,
			Message: "everyone welcome: no audience of the standard's list to name"})
		return
	}
	if c, ok := vocab.resolveEnum(field, tok); ok {
		if c != tok {
			d.issues = append(d.issues, Issue{Field: field, Column: column, Rule: "enum-spelling", Value: tok, Fixed: c, Level: LevelFix,
				Message: "value written as the standard spells it"})
		}
		appendUnique(dst, field, c)
		return
	}
	if targets, known := vocab.resolveLegacy(field, tok); known {
		d.applyTargets(dst, column, field, tok, targets)
		return
	}
	if strings.Contains(tok, "_") {
		// a form tool's choice names (KoBo, Survey123): « personnes_agees »,
		// several in a cell separated by spaces
		for _, code := range strings.Fields(tok) {
			d.addToken(dst, column, field, strings.ReplaceAll(code, "_", " "))
		}
		return
	}
	if parts := strings.Split(tok, ","); len(parts) > 1 {
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				d.addToken(dst, column, field, p)
			}
		}
		return
	}
	values := matchRules(d.values[field], tok)
	if len(values) == 0 {
		values = fromKeywords(field, tok)
	}
	if len(values) > 0 {
		for _, v := range values {
			appendUnique(dst, field, v)
		}
		d.issues = append(d.issues, Issue{Field: field, Column: column, Rule: "enum-from-text", Value: truncate(tok, 80),
			Fixed: strings.Join(values, "|"), Level: LevelFix, Message: "values of the standard read in free text"})
		return
	}
	d.issues = append(d.issues, Issue{Field: field, Column: column, Rule: "unknown-value", Value: tok, Level: LevelWarning,
		Message: "not a value of the standard's list for " + field + "; dropped"})
}

// addLegacy upgrades the value of a 0.x column.
func (d *draft) addLegacy(column, old, value string) {
	renamed := vocab.renames[old]
	if !vocab.hasValueTable(old) {
		d.addValue(&d.fallback, column, renamed, value)
		return
	}
	for _, tok := range splitList(renamed, value) {
		targets, known := vocab.resolveLegacy(old, tok)
		if !known {
			if c, ok := vocab.resolveEnum(renamed, tok); ok {
				targets, known = []target{{renamed, c}}, true
			}
		}
		if !known {
			d.issues = append(d.issues, Issue{Field: renamed, Column: column, Rule: "unknown-value", Value: tok, Level: LevelWarning,
				Message: "0.x value with no known v1.0.2 equivalent; dropped"})
			continue
		}
		d.applyTargets(&d.fallback, column, old, tok, targets)
	}
}

func (d *draft) applyTargets(dst *Lieu, column, from, tok string, targets []target) {
	if len(targets) == 0 {
		d.issues = append(d.issues, Issue{Field: from, Column: column, Rule: "upgrade-0x", Value: tok, Level: LevelFix,
			Message: "0.x value with no v1.0.2 equivalent (default audience); dropped"})
		return
	}
	names := make([]string, 0, len(targets))
	for _, t := range targets {
		appendUnique(dst, t.Field, t.Value)
		names = append(names, t.Field+"="+t.Value)
	}
	d.issues = append(d.issues, Issue{Field: targets[0].Field, Column: column, Rule: "upgrade-0x", Value: tok,
		Fixed: strings.Join(names, "; "), Level: LevelFix, Message: "0.x value upgraded to v1.0.2"})
}

func (d *draft) addConstant(field, value string) {
	d.addValue(&d.constant, "", field, value)
}

// addPoint reads coordinates from one cell (GeoJSON geometry, WKT point,
// "lat, lon" pair); explicit latitude/longitude columns win over it.
func (d *draft) addPoint(column, value string) {
	lat, lon, ok := ParseCoordinates(value)
	if !ok {
		d.issues = append(d.issues, Issue{Column: column, Rule: "coordinates-unreadable", Value: truncate(value, 80), Level: LevelWarning,
			Message: "not a point (GeoJSON Point, WKT POINT or 'lat, lon'); coordinates not taken from it"})
		return
	}
	d.fallback.Longitude, d.fallback.Latitude = &lon, &lat
}

// finish merges the three layers field by field.
func (d *draft) finish() (Lieu, []Issue) {
	l := d.direct
	for _, f := range Fields {
		switch {
		case !l.isEmpty(f):
		case !d.fallback.isEmpty(f):
			l.CopyField(f.Name, &d.fallback)
		case !d.constant.isEmpty(f):
			l.CopyField(f.Name, &d.constant)
		}
	}
	sort.SliceStable(d.issues, func(i, j int) bool { return d.issues[i].Field < d.issues[j].Field })
	return l, d.issues
}

func appendUnique(l *Lieu, field, value string) {
	cur := l.List(field)
	if slices.Contains(cur, value) {
		return
	}
	_ = l.SetList(field, append(slices.Clone(cur), value))
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// splitList splits a multi-valued cell on the separators every version of
// the standard used: "|" since v1.0.0, ";" in 0.x; typologies and e-mails
// also come comma-separated, websites glued with commas.
func splitList(field, value string) []string {
	seps := "|;"
	switch field {
	case "courriels":
		return []string{value} // NormaliseEmails splits with e-mail rules
	case "typologie":
		seps += ", \n"
	case "site_web":
		seps += " \n"
	}
	var out []string
	for _, p := range strings.FieldsFunc(value, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if field == "site_web" {
			out = append(out, splitGluedURLs(p)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

// splitGluedURLs splits "https://a.fr,https://b.fr" (0.1.0 separator).
func splitGluedURLs(s string) []string {
	var out []string
	for {
		i := strings.Index(s, ",http")
		if j := strings.Index(s, ",www."); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			return append(out, strings.Trim(s, ", "))
		}
		out = append(out, strings.Trim(s[:i], ", "))
		s = s[i+1:]
	}
}

// TargetField is the field of the standard a mapper's target fills: a
// 0.x name its successor, a fallback ("~field") its field.
func TargetField(target string) string { return fieldOf(strings.TrimPrefix(target, fallbackPrefix)) }
