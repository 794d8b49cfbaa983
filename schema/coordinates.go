package schema

import (
	"encoding/json"
	"regexp"
	"strings"
)

var (
	wktPointRE = regexp.MustCompile(`(?i)^\s*POINT\s*Z?\s*\(\s*(-?[\d.]+)[ ,]+(-?[\d.]+)`)
	pairRE     = regexp.MustCompile(`^\s*\[?\s*(-?\d+(?:[.,]\d+)?)\s*[,; ]\s*(-?\d+(?:[.,]\d+)?)\s*\]?\s*$`)
	pairDotRE  = regexp.MustCompile(`^\s*\[?\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]?\s*$`)
)

// ParseCoordinates reads a point from one cell: a GeoJSON Point (longitude
// first), a WKT POINT (longitude first), or a "lat, lon" pair as portals
// such as OpenDataSoft export "Geo Point" (latitude first). Swapped pairs
// are put right later by the territory check.
func ParseCoordinates(s string) (lat, lon float64, ok bool) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "{"):
		return pointObject(s)
	case wktPointRE.MatchString(s):
		m := wktPointRE.FindStringSubmatch(s)
		return numbers(m[2], m[1])
	}
	m := pairDotRE.FindStringSubmatch(s) // "43.5, 5.4": the comma separates
	if m == nil {
		m = pairRE.FindStringSubmatch(s) // "43,5;5,4" or "43.5 5.4"
	}
	if m == nil {
		return 0, 0, false
	}
	return numbers(m[1], m[2])
}

// pointObject reads a GeoJSON Point or a {"lat":…, "lon"/"lng":…} object.
func pointObject(s string) (lat, lon float64, ok bool) {
	var g struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
		Lat         *float64  `json:"lat"`
		Lon         *float64  `json:"lon"`
		Lng         *float64  `json:"lng"`
	}
	if json.Unmarshal([]byte(s), &g) != nil {
		return 0, 0, false
	}
	switch {
	case g.Type == "Point" && len(g.Coordinates) >= 2:
		return g.Coordinates[1], g.Coordinates[0], true
	case g.Lat != nil && g.Lon != nil:
		return numbersF(*g.Lat, *g.Lon)
	case g.Lat != nil && g.Lng != nil:
		return numbersF(*g.Lat, *g.Lng)
	}
	return 0, 0, false
}

func numbersF(lat, lon float64) (float64, float64, bool) {
	return lat, lon, lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

func numbers(a, b string) (float64, float64, bool) {
	x, ok1 := ParseNumber(strings.Replace(a, ",", ".", 1))
	y, ok2 := ParseNumber(strings.Replace(b, ",", ".", 1))
	if !ok1 || !ok2 || x < -90 || x > 90 || y < -180 || y > 180 {
		return 0, 0, false
	}
	return x, y, true
}
