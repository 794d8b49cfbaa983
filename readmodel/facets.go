package readmodel

import (
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
)

// Facet is a field the API filters on by value: a lieu matches when one
// of its values is one of those asked for.
type Facet struct {
	// Name is the query parameter.
	Name string
	// Field names the standard's field (or maillage's territoire member)
	// it reads, for the documentation.
	Field  string
	Values func(l *schema.Lieu) []string
}

// Facets are the filterable fields, in the order the API documents them.
var Facets = []Facet{
	{"services", "services", func(l *schema.Lieu) []string { return l.Services }},
	{"publics", "publics_specifiquement_adresses", func(l *schema.Lieu) []string { return l.PublicsSpecifiquementAdresses }},
	{"prise_en_charge", "prise_en_charge_specifique", func(l *schema.Lieu) []string { return l.PriseEnChargeSpecifique }},
	{"frais", "frais_a_charge", func(l *schema.Lieu) []string { return l.FraisACharge }},
	{"modalites_acces", "modalites_acces", func(l *schema.Lieu) []string { return l.ModalitesAcces }},
	{"modalites_accompagnement", "modalites_accompagnement", func(l *schema.Lieu) []string { return l.ModalitesAccompagnement }},
	{"modalites", "modalites_acces, modalites_accompagnement", func(l *schema.Lieu) []string {
		return append(append([]string(nil), l.ModalitesAcces...), l.ModalitesAccompagnement...)
	}},
	{"dispositif", "dispositif_programmes_nationaux", func(l *schema.Lieu) []string { return l.DispositifProgrammesNationaux }},
	{"typologie", "typologie", func(l *schema.Lieu) []string { return l.Typologie }},
	{"formations_labels", "formations_labels", func(l *schema.Lieu) []string { return l.FormationsLabels }},
	{"departement", "territoire.departement", func(l *schema.Lieu) []string {
		return territory(l, func(t *schema.Territoire) string { return t.Departement })
	}},
	{"region", "territoire.region", func(l *schema.Lieu) []string {
		return territory(l, func(t *schema.Territoire) string { return t.Region })
	}},
	{"epci", "territoire.epci", func(l *schema.Lieu) []string {
		return territory(l, func(t *schema.Territoire) string { return t.EPCI })
	}},
	{"code_insee", "code_insee", func(l *schema.Lieu) []string { return nonEmpty(l.CodeINSEE) }},
	{"code_postal", "code_postal", func(l *schema.Lieu) []string { return nonEmpty(l.CodePostal) }},
}

// FacetNamed returns the facet of a query parameter.
func FacetNamed(name string) (Facet, bool) {
	for _, f := range Facets {
		if f.Name == name {
			return f, true
		}
	}
	return Facet{}, false
}

func territory(l *schema.Lieu, get func(*schema.Territoire) string) []string {
	if l.Territoire == nil {
		return nil
	}
	return nonEmpty(get(l.Territoire))
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// FoldValue is how facet values are compared: without case, accents or
// punctuation, so that « Aide aux démarches administratives » and
// aide-aux-demarches-administratives are one value.
func FoldValue(v string) string {
	for i := 0; i < len(v); i++ { // codes and folded values are already folded
		if c := v[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return geo.Fold(v)
		}
	}
	return v
}

// CountIn is the number of lieux holding a value of a facet.
func (m *Model) CountIn(facet, value string) int {
	return len(m.facetList(facet, FoldValue(value)))
}

// CentreOf is the mean point of the lieux holding a value of a facet
// (the centre of a commune the referential has no centre for, from its
// lieux), and false when none has a point.
func (m *Model) CentreOf(facet, value string) (Point, bool) {
	var sum Point
	n := 0
	for _, i := range m.facetList(facet, FoldValue(value)) {
		if e := &m.entries[i]; e.HasPoint {
			sum.Lon, sum.Lat, n = sum.Lon+e.Lon, sum.Lat+e.Lat, n+1
		}
	}
	if n == 0 {
		return Point{}, false
	}
	return Point{Lon: sum.Lon / float64(n), Lat: sum.Lat / float64(n)}, true
}

// InTerritory lists the positions (by id) of the lieux of a territory.
func (m *Model) InTerritory(t schema.Territory) []int32 {
	return m.facetList(t.Kind.Facet, FoldValue(t.Code))
}
