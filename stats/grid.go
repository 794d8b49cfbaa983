package stats

import (
	"math"
)

// gridCell is the side of the nearest-lieu grid's cells, in degrees.
const gridCell = 0.2

// earthKm is the Earth's mean radius.
const earthKm = 6371.0

// grid finds the nearest lieu of a point: the lieux with a point,
// bucketed by cells of gridCell degrees, searched ring by ring.
type grid struct {
	cells map[[2]int][]*Lieu
	n     int
}

func newGrid(lieux []Lieu, keep func(*Lieu) bool) *grid {
	g := &grid{cells: map[[2]int][]*Lieu{}}
	for i := range lieux {
		l := &lieux[i]
		if l.HasPoint && keep(l) {
			k := cellKey(l.Lon, l.Lat)
			g.cells[k] = append(g.cells[k], l)
			g.n++
		}
	}
	return g
}

func cellKey(lon, lat float64) [2]int {
	return [2]int{int(math.Floor(lon / gridCell)), int(math.Floor(lat / gridCell))}
}

// maxRing bounds the search (about 2 000 km of latitude): farther than
// that, a commune has no lieu (an overseas territory without any).
const maxRing = 100

// nearest is the nearest lieu of a point. Rings of cells are searched
// outwards; once a lieu is found at distance d, the search goes on until
// the ring's inner edge is farther than d (ring r is at least r−1 cells
// away, a cell at least gridCell·111 km·cos(latitude) wide).
func (g *grid) nearest(lon, lat float64) nearest {
	best := nearest{km: math.Inf(1)}
	if g.n == 0 {
		return best
	}
	c := cellKey(lon, lat)
	for ring := 0; ring <= maxRing; ring++ {
		// the narrowest cell of the ring: at its latitude farthest from
		// the equator
		far := math.Min(math.Abs(lat)+float64(ring)*gridCell, 89)
		cellKm := gridCell * 111.2 * math.Cos(far*math.Pi/180)
		if float64(ring-1)*cellKm > best.km {
			break
		}
		for dx := -ring; dx <= ring; dx++ {
			for dy := -ring; dy <= ring; dy++ {
				if max(abs(dx), abs(dy)) != ring {
					continue
				}
				for _, l := range g.cells[[2]int{c[0] + dx, c[1] + dy}] {
					if d := haversineKm(lon, lat, l.Lon, l.Lat); d < best.km || d == best.km && l.ID < best.id {
						best = nearest{km: d, id: l.ID}
					}
				}
			}
		}
	}
	return best
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// haversineKm is the great-circle distance between two points.
func haversineKm(lon1, lat1, lon2, lat2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthKm * math.Asin(math.Min(1, math.Sqrt(a)))
}
