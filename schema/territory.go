package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// TerritoryKind is one kind of territory a filter may name: the prefix
// of its form ("dep:05"), the facet (query parameter of the search API)
// holding its code, its French name, the segment naming it in export
// paths (/exports/departement/05/…) and the code's shape.
type TerritoryKind struct {
	Prefix string
	Facet  string
	Label  string
	Path   string
	code   *regexp.Regexp
	of     func(*Lieu) string
}

// territoryKinds are the territories a filter can name.
var territoryKinds = []TerritoryKind{
	{"dep", "departement", "département", "departement", regexp.MustCompile(`^(\d{2}|2[AB]|9[78]\d)$`), func(l *Lieu) string { return l.territory().Departement }},
	{"reg", "region", "région", "region", regexp.MustCompile(`^(\d{2}|9[78]\d)$`), func(l *Lieu) string { return l.territory().Region }},
	{"epci", "epci", "EPCI", "epci", regexp.MustCompile(`^\d{9}$`), func(l *Lieu) string { return l.territory().EPCI }},
	{"com", "code_insee", "commune", "commune", regexp.MustCompile(`^(\d{5}|2[AB]\d{3})$`), func(l *Lieu) string { return l.CodeINSEE }},
}

func (l *Lieu) territory() Territoire {
	if l.Territoire == nil {
		return Territoire{}
	}
	return *l.Territoire
}

// Territory is a territory a filter names, such as "dep:05".
type Territory struct {
	Kind TerritoryKind
	Code string
}

// TerritoryForms lists the accepted forms, for error messages.
const TerritoryForms = "dep:05, reg:93, epci:200067452 or com:05061"

// ParseTerritory reads "kind:code" (dep, reg, epci or com).
func ParseTerritory(s string) (Territory, error) {
	prefix, code, _ := strings.Cut(strings.TrimSpace(s), ":")
	code = strings.ToUpper(code)
	for _, k := range territoryKinds {
		if k.Prefix == prefix {
			if !k.code.MatchString(code) {
				return Territory{}, fmt.Errorf("%q is not a %s code", code, k.Label)
			}
			return Territory{Kind: k, Code: code}, nil
		}
	}
	return Territory{}, fmt.Errorf("%q is not a territory (%s)", s, TerritoryForms)
}

// TerritoryKinds lists the kinds of territory, in the order of
// TerritoryForms.
func TerritoryKinds() []TerritoryKind { return slices.Clone(territoryKinds) }

// TerritoryAtPath reads a territory from an export path's kind segment
// (region, departement, epci, commune) and code.
func TerritoryAtPath(kind, code string) (Territory, error) {
	for _, k := range territoryKinds {
		if k.Path == kind {
			return ParseTerritory(k.Prefix + ":" + code)
		}
	}
	return Territory{}, fmt.Errorf("%q is not a kind of territory (region, departement, epci or commune)", kind)
}

// String is the territory's "kind:code" form.
func (t Territory) String() string { return t.Kind.Prefix + ":" + t.Code }

// Contains says whether the lieu lies in the territory.
func (t Territory) Contains(l *Lieu) bool { return t.Kind.of(l) == t.Code }
