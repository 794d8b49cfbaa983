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

// ZoneOf returns the time zone a lieu's hours are read in: its
// département's (from its territoire, else its INSEE code or postcode).
func ZoneOf(l *schema.Lieu) *time.Location {
	for _, code := range []string{departementOf(l), l.CodeINSEE, l.CodePostal} {
		if len(code) >= 3 {
			if loc, ok := zones[code[:3]]; ok {
				return loc
			}
		}
	}
	return paris
}

func departementOf(l *schema.Lieu) string {
	if l.Territoire == nil {
		return ""
	}
	return l.Territoire.Departement
}
