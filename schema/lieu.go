package schema

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// MultiSeparator joins the values of a multi-valued field (v1.0.0 and later).
const MultiSeparator = "|"

// Lieu is one record of the national standard v1.0.2: its 32 fields in
// schema order, then maillage's Placement of its point and Territoire. Multi-valued fields are slices; they are joined with "|" in
// CSV and kept as arrays in JSON and GeoJSON.
type Lieu struct {
	ID                            string   `json:"id" field:"id"`
	Pivot                         string   `json:"pivot" field:"pivot"`
	Nom                           string   `json:"nom" field:"nom"`
	Commune                       string   `json:"commune" field:"commune"`
	CodePostal                    string   `json:"code_postal" field:"code_postal"`
	CodeINSEE                     string   `json:"code_insee,omitempty" field:"code_insee"`
	Adresse                       string   `json:"adresse" field:"adresse"`
	ComplementAdresse             string   `json:"complement_adresse,omitempty" field:"complement_adresse"`
	Latitude                      *float64 `json:"latitude,omitempty" field:"latitude"`
	Longitude                     *float64 `json:"longitude,omitempty" field:"longitude"`
	Typologie                     []string `json:"typologie,omitempty" field:"typologie"`
	Telephone                     string   `json:"telephone,omitempty" field:"telephone"`
	Courriels                     []string `json:"courriels,omitempty" field:"courriels"`
	SiteWeb                       []string `json:"site_web,omitempty" field:"site_web"`
	Horaires                      string   `json:"horaires,omitempty" field:"horaires"`
	PresentationResume            string   `json:"presentation_resume,omitempty" field:"presentation_resume"`
	PresentationDetail            string   `json:"presentation_detail,omitempty" field:"presentation_detail"`
	Source                        string   `json:"source,omitempty" field:"source"`
	Itinerance                    []string `json:"itinerance,omitempty" field:"itinerance"`
	StructureParente              string   `json:"structure_parente,omitempty" field:"structure_parente"`
	DateMaj                       string   `json:"date_maj" field:"date_maj"`
	Services                      []string `json:"services,omitempty" field:"services"`
	PublicsSpecifiquementAdresses []string `json:"publics_specifiquement_adresses,omitempty" field:"publics_specifiquement_adresses"`
	PriseEnChargeSpecifique       []string `json:"prise_en_charge_specifique,omitempty" field:"prise_en_charge_specifique"`
	FraisACharge                  []string `json:"frais_a_charge,omitempty" field:"frais_a_charge"`
	DispositifProgrammesNationaux []string `json:"dispositif_programmes_nationaux,omitempty" field:"dispositif_programmes_nationaux"`
	FormationsLabels              []string `json:"formations_labels,omitempty" field:"formations_labels"`
	AutresFormationsLabels        []string `json:"autres_formations_labels,omitempty" field:"autres_formations_labels"`
	ModalitesAcces                []string `json:"modalites_acces,omitempty" field:"modalites_acces"`
	ModalitesAccompagnement       []string `json:"modalites_accompagnement,omitempty" field:"modalites_accompagnement"`
	FicheAccesLibre               string   `json:"fiche_acces_libre,omitempty" field:"fiche_acces_libre"`
	PriseRdv                      string   `json:"prise_rdv,omitempty" field:"prise_rdv"`

	// Placement, Territoire and Federation are maillage's own: not fields of the
	// standard, never in its CSV.
	Placement  *Placement  `json:"placement,omitempty"`
	Territoire *Territoire `json:"territoire,omitempty"`
	// Federation is set on a lieu that came from another instance.
	Federation *Federation `json:"federation,omitempty"`
}

// FieldKind says how a field's value is held in a Lieu.
type FieldKind int

// The kinds of Lieu fields.
const (
	KindText FieldKind = iota
	KindList
	KindNumber
)

// Field describes one field of Lieu, in schema order.
type Field struct {
	Name  string
	Kind  FieldKind
	index int
}

// Fields lists the 32 fields of Lieu in the order of the v1.0.2 schema.
var Fields = buildFields()

var fieldByName = func() map[string]Field {
	m := make(map[string]Field, len(Fields))
	for _, f := range Fields {
		m[f.Name] = f
	}
	return m
}()

func buildFields() []Field {
	t := reflect.TypeFor[Lieu]()
	out := make([]Field, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		name := sf.Tag.Get("field")
		if name == "" {
			continue
		}
		f := Field{Name: name, index: i}
		switch sf.Type.Kind() {
		case reflect.Slice:
			f.Kind = KindList
		case reflect.Pointer:
			f.Kind = KindNumber
		}
		out = append(out, f)
	}
	return out
}

// Get returns the value of the field as the standard writes it in CSV:
// lists joined with "|", numbers in shortest decimal form, "" when empty.
func (l *Lieu) Get(name string) string {
	f, ok := fieldByName[name]
	if !ok {
		return ""
	}
	v := reflect.ValueOf(l).Elem().Field(f.index)
	switch f.Kind {
	case KindList:
		return strings.Join(stringsOf(v), MultiSeparator)
	case KindNumber:
		p := v.Interface().(*float64)
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	default:
		return v.String()
	}
}

// List returns the values of a field; a text field gives zero or one value.
func (l *Lieu) List(name string) []string {
	f, ok := fieldByName[name]
	if !ok {
		return nil
	}
	if f.Kind == KindList {
		return stringsOf(reflect.ValueOf(l).Elem().Field(f.index))
	}
	if s := l.Get(name); s != "" {
		return []string{s}
	}
	return nil
}

// stringsOf reads a list field of an addressable Lieu through its
// address: Interface() on the slice itself would copy its header to the
// heap on every call (2.5 million calls, 60 MB, merging the ×10 corpus).
func stringsOf(v reflect.Value) []string {
	return *v.Addr().Interface().(*[]string)
}

// SetText sets a text field.
func (l *Lieu) SetText(name, value string) error {
	f, ok := fieldByName[name]
	if !ok || f.Kind != KindText {
		return fmt.Errorf("schema: %q is not a text field", name)
	}
	reflect.ValueOf(l).Elem().Field(f.index).SetString(value)
	return nil
}

// SetList sets a multi-valued field.
func (l *Lieu) SetList(name string, values []string) error {
	f, ok := fieldByName[name]
	if !ok || f.Kind != KindList {
		return fmt.Errorf("schema: %q is not a list field", name)
	}
	reflect.ValueOf(l).Elem().Field(f.index).Set(reflect.ValueOf(values))
	return nil
}

// CopyField copies one field's value from src into l.
func (l *Lieu) CopyField(name string, src *Lieu) {
	f, ok := fieldByName[name]
	if !ok {
		return
	}
	reflect.ValueOf(l).Elem().Field(f.index).Set(reflect.ValueOf(src).Elem().Field(f.index))
}

// Has reports whether a field holds a value, without formatting it.
func (l *Lieu) Has(name string) bool {
	f, ok := fieldByName[name]
	return ok && !l.isEmpty(f)
}

// Filled counts the fields that hold a value.
func (l *Lieu) Filled() int {
	n := 0
	for _, f := range Fields {
		if !l.isEmpty(f) {
			n++
		}
	}
	return n
}

// isEmpty reports whether a field holds no value.
func (l *Lieu) isEmpty(f Field) bool {
	v := reflect.ValueOf(l).Elem().Field(f.index)
	return v.IsZero() || f.Kind == KindList && v.Len() == 0
}

// Row returns the record as CSV cells in schema order.
func (l *Lieu) Row() []string {
	row := make([]string, len(Fields))
	for i, f := range Fields {
		row[i] = l.Get(f.Name)
	}
	return row
}

// Point returns the coordinates when both are present.
func (l *Lieu) Point() (lon, lat float64, ok bool) {
	if l.Latitude == nil || l.Longitude == nil {
		return 0, 0, false
	}
	return *l.Longitude, *l.Latitude, true
}
