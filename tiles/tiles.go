// Package tiles renders the lieux of a read model as Mapbox Vector Tiles
// (MVT 2.1, layer version 2): one layer, "lieux", of points. Up to
// ClusterMaxZoom the points of a tile are grouped in a grid of
// ClusterCells × ClusterCells cells, and a cell holding two lieux or more
// is one point (at their mean position) with their count; from the next
// zoom on every lieu is its own point. A lieu lies in exactly one tile of
// a zoom (its Web Mercator tile, edges going to the east and south
// neighbour), so that the counts of a zoom's tiles add up to the lieux.
package tiles

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/maillage/maillage/readmodel"
)

const (
	// Layer is the name of the tiles' layer.
	Layer = "lieux"
	// ClusterMaxZoom is the last zoom whose points are clustered.
	ClusterMaxZoom = 12
	// ClusterCells is the side of a tile's clustering grid, in cells: 32
	// pixels each on a 512-pixel tile.
	ClusterCells = 16
	// MaxZoom is the deepest zoom served.
	MaxZoom = 20
)

// Attributes are the attributes of the layer's points, for TileJSON's
// vector_layers: a lieu's, or a cluster's (cluster, point_count, ouverts).
var Attributes = map[string]string{
	"id":          "String: the lieu's id",
	"nom":         "String: its name",
	"commune":     "String: its commune",
	"typologie":   "String: its typologie codes, joined with |",
	"dispositif":  "String: its dispositif_programmes_nationaux, joined with |",
	"ouvert":      "Boolean: open at the tile's time (absent when its hours are unknown)",
	"cluster":     "Boolean: true for a cluster of lieux",
	"point_count": "Number: the lieux of a cluster",
	"ouverts":     "Number: those of a cluster open at the tile's time",
}

// Render renders tile t of the lieux q selects (q's box, point, cursors
// and limit are not read). open says whether the lieu at a position is
// open (readmodel.Model.OpenAt).
func Render(m *readmodel.Model, q readmodel.Query, t maptile.Tile, open func(i int) bool) ([]byte, error) {
	if !t.Valid() || t.Z > MaxZoom {
		return nil, fmt.Errorf("tiles: no tile %d/%d/%d (zoom 0 to %d, x and y below 2^zoom)", t.Z, t.X, t.Y, MaxZoom)
	}
	b := t.Bound()
	q.BBox, q.Near = &[4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, nil
	cells := map[[2]int]*group{}
	m.Each(q, func(i int, e *readmodel.Entry) {
		f := maptile.Fraction(orb.Point{e.Lon, e.Lat}, t.Z)
		if uint32(f[0]) != t.X || uint32(f[1]) != t.Y {
			return // on the tile's west or north edge: its neighbour's
		}
		key := [2]int{i, 0} // unclustered: one group per lieu
		if t.Z <= ClusterMaxZoom {
			key = [2]int{int((f[0] - float64(t.X)) * ClusterCells), int((f[1] - float64(t.Y)) * ClusterCells)}
		}
		g := cells[key]
		if g == nil {
			g = &group{first: i}
			cells[key] = g
		}
		g.add(e, open(i))
	})
	fc := geojson.NewFeatureCollection()
	for _, key := range slices.SortedFunc(maps.Keys(cells), func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) }) {
		fc.Append(cells[key].feature(m))
	}
	layer := mvt.NewLayer(Layer, fc)
	layer.Version = 2
	layers := mvt.Layers{layer}
	layers.ProjectToTile(t)
	data, err := mvt.Marshal(layers)
	if err != nil {
		return nil, fmt.Errorf("tiles: encoding tile %d/%d/%d: %w", t.Z, t.X, t.Y, err)
	}
	return data, nil
}

// group is the lieux of one clustering cell.
type group struct {
	first            int // position of the first lieu met
	n, open          int
	sumLon, sumLat   float64
	firstOpen, known bool
}

func (g *group) add(e *readmodel.Entry, open bool) {
	if g.n == 0 {
		g.firstOpen, g.known = open, e.Schedule() != nil
	}
	g.n++
	g.sumLon, g.sumLat = g.sumLon+e.Lon, g.sumLat+e.Lat
	if open {
		g.open++
	}
}

// feature is the group as a point: the lieu itself, or a cluster.
func (g *group) feature(m *readmodel.Model) *geojson.Feature {
	n := float64(g.n)
	if g.n > 1 {
		f := geojson.NewFeature(orb.Point{g.sumLon / n, g.sumLat / n})
		f.Properties = geojson.Properties{"cluster": true, "point_count": g.n, "ouverts": g.open}
		return f
	}
	e := m.Entry(g.first)
	f := geojson.NewFeature(orb.Point{e.Lon, e.Lat})
	f.ID = uint64(g.first) + 1 // a feature id for the map's feature state; the lieu's id is an attribute
	f.Properties = geojson.Properties{"id": e.ID(), "nom": e.Get("nom"), "commune": e.Get("commune"),
		"typologie": e.Get("typologie"), "dispositif": e.Get("dispositif_programmes_nationaux")}
	if g.known {
		f.Properties["ouvert"] = g.firstOpen
	}
	return f
}
