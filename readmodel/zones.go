package readmodel

import (
	_ "embed"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the zones must resolve on a machine without a zoneinfo database

	"github.com/maillage/maillage/schema"
)

// zonesTSV maps the overseas départements and collectivités (INSEE code
// prefix) to their IANA time zone; every other lieu is in Europe/Paris.
//
//go:embed data/zones.tsv
var zonesTSV string

// zones is zonesTSV parsed: département code → location.
var zones, paris = loadZones()

func loadZones() (map[string]*time.Location, *time.Location) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(fmt.Sprintf("readmodel: Europe/Paris: %v", err))
	}
	out := map[string]*time.Location{}
	for n, line := range strings.Split(strings.TrimSpace(zonesTSV), "\n") {
		code, name, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		loc, err := time.LoadLocation(strings.TrimSpace(name))
		if err != nil {
			panic(fmt.Sprintf("readmodel: data/zones.tsv line %d: %v", n+1, err))
		}
		out[code] = loc
	}
	return out, paris
}

// zoneOf returns the time zone of a territory's hours.
func zoneOf(territory string) *time.Location {
	if loc, ok := zones[territory]; ok {
		return loc
	}
	return paris
}

// territoryOf is the code of a lieu's département or overseas
// collectivité: its territoire's, else the start of its INSEE code or
// postcode (three digits overseas, 97x and 98x; two elsewhere); "" when
// none is known.
func territoryOf(l *schema.Lieu) string {
	if l.Territoire != nil && l.Territoire.Departement != "" {
		return l.Territoire.Departement
	}
	for _, code := range []string{l.CodeINSEE, l.CodePostal} {
		switch {
		case len(code) >= 3 && (strings.HasPrefix(code, "97") || strings.HasPrefix(code, "98")):
			return code[:3]
		case len(code) >= 2:
			return code[:2]
		}
	}
	return ""
}
