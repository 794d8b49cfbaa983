package readmodel

import "math"

// cellDegrees is the side of a grid cell: 0.05° is about 5.5 km of
// latitude and 3.7 km of longitude in metropolitan France, so that a
// city's box or a 10 km radius reads a few dozen cells.
const cellDegrees = 0.05

// grid indexes the lieux with a point by the cell they fall in.
type grid struct {
	cells map[cell]span // a cell's positions in lists, ascending
	lists packedLists
}

type cell struct{ x, y int32 }

// newGrid packs the positions of each cell.
func newGrid(cells map[cell][]int32) grid {
	g := grid{}
	g.cells = packMap(cells, &g.lists, nil)
	return g
}

func cellOf(lon, lat float64) cell {
	return cell{int32(math.Floor(lon / cellDegrees)), int32(math.Floor(lat / cellDegrees))}
}

// inBox returns the cells a box overlaps (their lieux a superset of
// those inside it) and the number of lieux they hold, and false when the
// box spans more cells than the grid holds: scanning every lieu is then
// cheaper.
func (g *grid) inBox(minLon, minLat, maxLon, maxLat float64) ([][]int32, int, bool) {
	lo, hi := cellOf(minLon, minLat), cellOf(maxLon, maxLat)
	span := (float64(hi.x-lo.x) + 1) * (float64(hi.y-lo.y) + 1)
	if span > float64(len(g.cells)) {
		return nil, 0, false
	}
	var out [][]int32
	n := 0
	for x := lo.x; x <= hi.x; x++ {
		for y := lo.y; y <= hi.y; y++ {
			if s, ok := g.cells[cell{x, y}]; ok {
				out, n = append(out, g.lists.get(s)), n+int(s.to-s.from)
			}
		}
	}
	return out, n, true
}

// earthRadius is the mean Earth radius in metres (IUGG).
const earthRadius = 6371008.8

// Distance is the great-circle distance in metres between two points
// (haversine).
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	const rad = math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(a)))
}

// aroundBox is a box holding every point within radius metres of a point
// (longitudes may leave [-180, 180] near the antimeridian; the grid's
// cells there are simply empty, and the caller checks distances).
func aroundBox(lon, lat, radius float64) (minLon, minLat, maxLon, maxLat float64) {
	dLat := radius / earthRadius * 180 / math.Pi
	cos := math.Cos(lat * math.Pi / 180)
	dLon := 360.0
	if cos > 1e-6 {
		dLon = math.Min(360, dLat/cos)
	}
	return lon - dLon, math.Max(-90, lat-dLat), lon + dLon, math.Min(90, lat+dLat)
}
