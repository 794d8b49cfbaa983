// Package geo places lieux: the commune referential (codes, names,
// postcodes, territories, centres), coordinate sanity checks (Lambert-93,
// swapped latitude/longitude, points outside France, their territory or
// their commune) and the Géoplateforme geocoder's client.
package geo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/maillage/maillage/schema"
)

//go:embed data/territories.json
var territoriesJSON []byte

// Territory is a French territory and the postcodes it uses.
type Territory struct {
	Name     string    `json:"name"`
	Prefixes []string  `json:"prefixes"`
	BBox     []float64 `json:"bbox"`
}

func (t Territory) bound() orb.Bound {
	return orb.Bound{Min: orb.Point{t.BBox[0], t.BBox[1]}, Max: orb.Point{t.BBox[2], t.BBox[3]}}
}

var territories = func() []Territory {
	var doc struct {
		Territories []Territory `json:"territories"`
	}
	if err := json.Unmarshal(territoriesJSON, &doc); err != nil {
		panic(fmt.Sprintf("geo: data/territories.json: %v", err))
	}
	return doc.Territories
}()

// TerritoryOf returns the territory whose longest postcode prefix matches
// (metropolitan France for every postcode no overseas territory claims).
func TerritoryOf(postcode string) Territory {
	best, bestLen := territories[0], 0
	for _, t := range territories[1:] {
		for _, p := range t.Prefixes {
			if len(p) > bestLen && strings.HasPrefix(postcode, p) {
				best, bestLen = t, len(p)
			}
		}
	}
	return best
}

// inFrance reports whether a point lies in any French territory.
func inFrance(p orb.Point) bool {
	for _, t := range territories {
		if t.bound().Contains(p) {
			return true
		}
	}
	return false
}

// CheckCoordinates verifies a lieu's coordinates against the territory of
// its postcode: swapped pairs are put right, points outside France or in
// another territory are dropped. A lieu without a usable point keeps none.
func CheckCoordinates(l *schema.Lieu) []schema.Issue {
	if (l.Latitude == nil) != (l.Longitude == nil) {
		l.Latitude, l.Longitude = nil, nil
		return []schema.Issue{{Field: "latitude", Rule: "coordinates-incomplete", Level: schema.LevelWarning,
			Message: "only one of latitude and longitude given; both dropped"}}
	}
	lon, lat, ok := l.Point()
	if !ok {
		return nil
	}
	var issues []schema.Issue
	if fixed, is := fromProjected(l, lat, lon); fixed {
		issues = append(issues, is)
		lon, lat, _ = l.Point()
	}
	issues = append(issues, checkPlace(l, lat, lon)...)
	return append(issues, checkCommune(l)...)
}

// fromProjected converts metres in Lambert-93 (exported as latitude and
// longitude, in either order) to degrees.
func fromProjected(l *schema.Lieu, lat, lon float64) (bool, schema.Issue) {
	x, y := lon, lat
	if IsLambert93(lat, lon) {
		x, y = lat, lon
	}
	if !IsLambert93(x, y) {
		return false, schema.Issue{}
	}
	nlat, nlon := FromLambert93(x, y)
	l.Latitude, l.Longitude = &nlat, &nlon
	return true, schema.Issue{Field: "latitude", Rule: "coordinates-lambert93", Value: pair(lat, lon), Fixed: pair(nlat, nlon),
		Level: schema.LevelFix, Message: "Lambert-93 metres (EPSG:2154) converted to WGS84 degrees"}
}

// checkPlace checks a WGS84 point against the territory of the postcode.
func checkPlace(l *schema.Lieu, lat, lon float64) []schema.Issue {
	terr := TerritoryOf(l.CodePostal)
	p := orb.Point{lon, lat}
	switch {
	case lat == 0 && lon == 0:
		return dropPoint(l, "coordinates-zero", "coordinates 0,0 are a placeholder")
	case terr.bound().Contains(p):
		return nil
	case terr.bound().Contains(orb.Point{lat, lon}):
		l.Latitude, l.Longitude = &lon, &lat
		return []schema.Issue{{Field: "latitude", Rule: "coordinates-swapped", Value: pair(lat, lon), Fixed: pair(lon, lat),
			Level: schema.LevelFix, Message: "latitude and longitude were swapped"}}
	case inFrance(p) && l.CodePostal != "":
		return dropPoint(l, "coordinates-wrong-territory", "the point is not in "+terr.Name+", where the postcode is")
	case inFrance(p):
		return nil
	}
	return dropPoint(l, "coordinates-outside-france", "the point is outside France")
}

func dropPoint(l *schema.Lieu, rule, msg string) []schema.Issue {
	v := pair(*l.Latitude, *l.Longitude)
	l.Latitude, l.Longitude = nil, nil
	return []schema.Issue{{Field: "latitude", Rule: rule, Value: v, Level: schema.LevelWarning, Message: msg + "; coordinates dropped"}}
}

func pair(lat, lon float64) string {
	return strconv.FormatFloat(lat, 'f', -1, 64) + "," + strconv.FormatFloat(lon, 'f', -1, 64)
}
