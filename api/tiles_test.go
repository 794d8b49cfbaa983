package api_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/maillage/maillage/tiles"
)

// decodeTile reads a tile's one layer: the lieux it counts (a cluster
// counts its point_count), and the ids of its unclustered lieux.
func decodeTile(t *testing.T, body []byte) (count int, ids []string, clusters int) {
	t.Helper()
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("decoding a tile: %v", err)
	}
	if len(layers) != 1 || layers[0].Name != tiles.Layer || layers[0].Version != 2 || layers[0].Extent != 4096 {
		t.Fatalf("layers %+v: want one %q layer, version 2, extent 4096", layers, tiles.Layer)
	}
	for _, f := range layers[0].Features {
		if _, ok := f.Geometry.(orb.Point); !ok {
			t.Fatalf("a %T in the layer, want points", f.Geometry)
		}
		if f.Properties["cluster"] == true {
			n, _ := f.Properties["point_count"].(float64)
			if n < 2 {
				t.Fatalf("a cluster of %v lieux", f.Properties["point_count"])
			}
			count, clusters = count+int(n), clusters+1
			continue
		}
		id, _ := f.Properties["id"].(string)
		if id == "" || f.Properties["nom"] == nil {
			t.Fatalf("a lieu without id or nom: %v", f.Properties)
		}
		count, ids = count+1, append(ids, id)
	}
	return count, ids, clusters
}

// TestTilesCountEveryLieuOnce: at each zoom, every tile holding lieux of
// the examples counts exactly the lieux whose Web Mercator tile it is
// (clusters by their point_count), the tiles of a zoom add up to every
// lieu with a point, and past the clustering zooms each lieu is its own
// point; with filters, the same against the filtered lieux.
func TestTilesCountEveryLieuOnce(t *testing.T) {
	st := examplesStore(t)
	srv := newServer(t, st)
	srv.Now = func() time.Time { return time.Date(2026, 12, 8, 10, 30, 0, 0, time.UTC) }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	o := newOracle(t, st)
	for _, c := range []struct {
		name, query string
		want        cond
	}{
		{"every lieu", "", everything},
		{"a service and free", "services=aide-aux-demarches-administratives&frais=gratuit",
			all(holds(services, "Aide aux démarches administratives"), holds(frais, "Gratuit"))},
		{"open now", "ouvert_maintenant=true", openAt(instant("2026-12-08T10:30:00Z"))},
	} {
		for _, z := range []maptile.Zoom{0, 5, 9, tiles.ClusterMaxZoom, tiles.ClusterMaxZoom + 1} {
			t.Run(fmt.Sprintf("%s/z%d", c.name, z), func(t *testing.T) {
				want := map[maptile.Tile][]string{}
				total := 0
				for i := range o.lieux {
					r := &o.lieux[i]
					if r.Lieu.Longitude == nil || r.Lieu.Latitude == nil || !c.want(r) {
						continue
					}
					tile := maptile.At(orb.Point{*r.Lieu.Longitude, *r.Lieu.Latitude}, z)
					want[tile], total = append(want[tile], r.Lieu.ID), total+1
				}
				sum, clustered := 0, 0
				for tile, ids := range want {
					resp, body := get(t, fmt.Sprintf("%s/tiles/lieux/%d/%d/%d.mvt?%s", ts.URL, tile.Z, tile.X, tile.Y, c.query))
					if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
						t.Fatalf("tile %v: %d %s %.200s", tile, resp.StatusCode, resp.Header.Get("Content-Type"), body)
					}
					n, got, clusters := decodeTile(t, body)
					if n != len(ids) {
						t.Errorf("tile %v counts %d lieux, %d lie in it", tile, n, len(ids))
					}
					if z > tiles.ClusterMaxZoom {
						slices.Sort(got)
						slices.Sort(ids)
						if clusters > 0 || !slices.Equal(got, ids) {
							t.Errorf("tile %v at zoom %d: %d clusters and %d ids, want the %d lieux one by one", tile, z, clusters, len(got), len(ids))
						}
					}
					sum, clustered = sum+n, clustered+clusters
				}
				if sum != total || total == 0 {
					t.Errorf("the tiles of zoom %d count %d lieux, %d have a point", z, sum, total)
				}
				if z <= 5 && clustered == 0 {
					t.Errorf("no cluster at zoom %d", z)
				}
			})
		}
	}
}

// TestTileErrorsAndCaching: coordinates out of range and parameters that
// are not filters are 400 naming them; a tile's ETag answers 304; the
// TileJSON carries the filters into its tiles' URL.
func TestTileErrorsAndCaching(t *testing.T) {
	ts := httptest.NewServer(newServer(t, examplesStore(t)).Handler())
	defer ts.Close()
	for _, c := range []struct{ path, says string }{
		{"/tiles/lieux/21/0/0.mvt", "zoom 0 to 20"},
		{"/tiles/lieux/3/8/0.mvt", "no such tile"},
		{"/tiles/lieux/3/0/-1.mvt", "no such tile"},
		{"/tiles/lieux/a/0/0.mvt", "no such tile"},
		{"/tiles/lieux/3/0/0.mvt?bbox=0,0,1,1", "bbox"},
		{"/tiles/lieux/3/0/0.mvt?limit=5", "limit"},
		{"/tiles/lieux/3/0/0.mvt?services=nope%20nope&filter=" + "nom%20%3D", "filter"},
		{"/tiles/lieux.json?near=6,44", "near"},
	} {
		resp, body := get(t, ts.URL+c.path)
		if resp.StatusCode != 400 || !strings.Contains(string(body), c.says) {
			t.Errorf("%s: %d %s, want 400 saying %q", c.path, resp.StatusCode, body, c.says)
		}
	}
	u := ts.URL + "/tiles/lieux/5/16/11.mvt?frais=gratuit"
	resp, _ := get(t, u)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("%s: %d, ETag %q", u, resp.StatusCode, etag)
	}
	if resp, _ := get(t, u, "If-None-Match", etag); resp.StatusCode != 304 {
		t.Errorf("%s with its ETag: %d, want 304", u, resp.StatusCode)
	}
	if resp, _ := get(t, ts.URL+"/tiles/lieux/5/16/11.mvt?frais=payant", "If-None-Match", etag); resp.StatusCode != 200 {
		t.Errorf("another filter with the first's ETag: %d, want 200", resp.StatusCode)
	}
	resp, body := get(t, ts.URL+"/tiles/lieux.json?frais=gratuit")
	var tj struct {
		TileJSON string    `json:"tilejson"`
		Tiles    []string  `json:"tiles"`
		Bounds   []float64 `json:"bounds"`
		Layers   []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(body, &tj); err != nil || resp.StatusCode != 200 {
		t.Fatalf("TileJSON: %d %v %s", resp.StatusCode, err, body)
	}
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || !strings.HasSuffix(tj.Tiles[0], "/tiles/lieux/{z}/{x}/{y}.mvt?frais=gratuit") ||
		len(tj.Bounds) != 4 || len(tj.Layers) != 1 || tj.Layers[0].ID != "lieux" || tj.Layers[0].Fields["point_count"] == "" {
		t.Errorf("TileJSON %s", body)
	}
}
