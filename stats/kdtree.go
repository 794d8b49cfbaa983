package stats

import (
	"math"
	"slices"
)

// earthKm is the Earth's mean radius.
const earthKm = 6371.0

// kdTree finds the nearest lieu of a point: the lieux' points as unit
// vectors in a 3-d tree, where the chord between two vectors grows with
// the great-circle distance, so the nearest by chord is the nearest on
// the sphere. Built once per kind of lieu, queried once per commune.
type kdTree struct {
	nodes []kdNode // the tree in an array, each subtree a contiguous run
}

type kdNode struct {
	p    [3]float64
	id   string
	axis int
}

func unit(lon, lat float64) [3]float64 {
	la, lo := lat*math.Pi/180, lon*math.Pi/180
	return [3]float64{math.Cos(la) * math.Cos(lo), math.Cos(la) * math.Sin(lo), math.Sin(la)}
}

func newTree(lieux []Lieu, keep func(*Lieu) bool) *kdTree {
	t := &kdTree{}
	for i := range lieux {
		if l := &lieux[i]; l.HasPoint && keep(l) {
			t.nodes = append(t.nodes, kdNode{p: unit(l.Lon, l.Lat), id: l.ID})
		}
	}
	t.build(t.nodes, 0)
	return t
}

// build orders nodes so that each run's middle node splits it on the
// depth's axis.
func (t *kdTree) build(nodes []kdNode, depth int) {
	if len(nodes) == 0 {
		return
	}
	axis := depth % 3
	slices.SortFunc(nodes, func(a, b kdNode) int {
		switch {
		case a.p[axis] < b.p[axis]:
			return -1
		case a.p[axis] > b.p[axis]:
			return 1
		}
		return 0
	})
	mid := len(nodes) / 2
	nodes[mid].axis = axis
	t.build(nodes[:mid], depth+1)
	t.build(nodes[mid+1:], depth+1)
}

// nearest is the nearest lieu of a point (km +Inf when there is none);
// of lieux at the same distance, the smallest id.
func (t *kdTree) nearest(lon, lat float64) nearest {
	q := unit(lon, lat)
	best, bestID := math.Inf(1), ""
	var search func(nodes []kdNode)
	search = func(nodes []kdNode) {
		if len(nodes) == 0 {
			return
		}
		mid := len(nodes) / 2
		n := &nodes[mid]
		d := chord2(q, n.p)
		if d < best || d == best && n.id < bestID {
			best, bestID = d, n.id
		}
		diff := q[n.axis] - n.p[n.axis]
		near, far := nodes[:mid], nodes[mid+1:]
		if diff > 0 {
			near, far = far, near
		}
		search(near)
		if diff*diff <= best {
			search(far)
		}
	}
	search(t.nodes)
	if bestID == "" {
		return nearest{km: math.Inf(1)}
	}
	return nearest{km: 2 * earthKm * math.Asin(math.Min(1, math.Sqrt(best)/2)), id: bestID}
}

func chord2(a, b [3]float64) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return dx*dx + dy*dy + dz*dz
}

// haversineKm is the great-circle distance between two points.
func haversineKm(lon1, lat1, lon2, lat2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthKm * math.Asin(math.Min(1, math.Sqrt(a)))
}
