package api

import (
	"container/list"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/maptile"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/tiles"
)

const contentMVT = "application/vnd.mapbox-vector-tile"

// tileFilterParams are the items parameters tiles take: the filters (and
// the facets); the box, the point, the page and the format belong to
// items alone.
var tileFilterParams = []string{"ouvert_maintenant", "ouvert_le", "q", "datetime", "filter", "filter-lang", "filter-crs"}

// tileQuery reads the filters of a tile or TileJSON request against the
// current model; a bad one is answered 400 (ok false).
func (s *Server) tileQuery(w http.ResponseWriter, r *http.Request) (*readmodel.Model, *itemsQuery, bool) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "query string: "+err.Error())
		return nil, nil, false
	}
	for name := range params {
		if _, facet := readmodel.FacetNamed(name); !facet && !slices.Contains(tileFilterParams, name) {
			s.problem(w, r, http.StatusBadRequest, paramError(name, "does not apply to tiles (they take the filters: %s, and the facets)",
				strings.Join(tileFilterParams, ", ")).Error())
			return nil, nil, false
		}
	}
	m := s.models.Current()
	q, err := parseItemsQuery(params, parseContext{now: s.now(), model: m})
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
		return nil, nil, false
	}
	return m, q, true
}

// tile serves one vector tile of the lieux a query selects, from the
// read model (cached: tileCache).
func (s *Server) tile(w http.ResponseWriter, r *http.Request) {
	t, err := tileOf(chi.URLParam(r, "z"), chi.URLParam(r, "x"), chi.URLParam(r, "y"))
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	m, q, ok := s.tileQuery(w, r)
	if !ok {
		return
	}
	at := readmodel.OpenTime{At: s.now()} // the « ouvert » attribute: now, or the time asked
	if q.Open != nil {
		at = *q.Open
	}
	key := fmt.Sprintf("s%d-%d-%d-%d-%s-%s", m.Seq, t.Z, t.X, t.Y, queryTag(q.canonical), at.At.UTC().Format("200601021504"))
	if notModified(w, r, `W/"tile-`+key+`"`, m.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	data, ok := s.tiles.get(key)
	if !ok {
		if data, err = tiles.Render(m, q.Query, t, m.OpenAt(at)); err != nil {
			s.problem(w, r, http.StatusInternalServerError, err.Error())
			return
		}
		s.tiles.put(key, data)
	}
	w.Header().Set("Content-Type", contentMVT)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// tileOf reads a tile's coordinates.
func tileOf(zs, xs, ys string) (maptile.Tile, error) {
	z, errZ := strconv.ParseUint(zs, 10, 8)
	x, errX := strconv.ParseUint(xs, 10, 32)
	y, errY := strconv.ParseUint(ys, 10, 32)
	if errZ != nil || errX != nil || errY != nil || z > tiles.MaxZoom || x >= 1<<z || y >= 1<<z {
		return maptile.Tile{}, fmt.Errorf("tile %s/%s/%s: no such tile (zoom 0 to %d, x and y from 0 to 2^zoom − 1)", quoted(zs), quoted(xs), quoted(ys), tiles.MaxZoom)
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// tileJSON describes the tiles of a query (TileJSON 3.0.0): their URL
// carries the query's filters.
func (s *Server) tileJSON(w http.ResponseWriter, r *http.Request) {
	m, q, ok := s.tileQuery(w, r)
	if !ok {
		return
	}
	if notModified(w, r, fmt.Sprintf(`W/"tilejson-s%d-%s"`, m.Seq, queryTag(q.canonical)), m.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	href := s.base(w, r) + "/tiles/lieux/{z}/{x}/{y}.mvt"
	if len(q.canonical) > 0 {
		href += "?" + q.canonical.Encode()
	}
	bounds := []float64{-180, -85.0511, 180, 85.0511}
	if m.Extent != ([4]float64{}) {
		bounds = m.Extent[:]
	}
	s.writeJSON(w, r, http.StatusOK, contentJSON, map[string]any{
		"tilejson": "3.0.0", "name": "lieux", "description": "Les lieux de médiation numérique publiés par cette instance de maillage",
		"tiles": []string{href}, "minzoom": 0, "maxzoom": tiles.MaxZoom, "bounds": bounds,
		"center":        []float64{(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 5},
		"vector_layers": []map[string]any{{"id": tiles.Layer, "fields": tiles.Attributes, "minzoom": 0, "maxzoom": tiles.MaxZoom}},
	})
}

// tileCache keeps rendered tiles, least recently used out first past
// maxBytes. It keys on the model's data version (Seq), the tile, the
// normalised filters and the minute of the time the « ouvert » attribute
// is read at: a publication changes Seq and a minute passing changes the
// time, so a cached tile is never served for other data or another
// minute; such tiles are no longer asked and age out.
type tileCache struct {
	mu       sync.Mutex
	maxBytes int
	used     int
	order    *list.List // most recent first; values are *cachedTile
	byKey    map[string]*list.Element
}

type cachedTile struct {
	key  string
	data []byte
}

// tileCacheBytes bounds the tiles kept.
const tileCacheBytes = 64 << 20

func newTileCache(maxBytes int) *tileCache {
	return &tileCache{maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *tileCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cachedTile).data, true
}

func (c *tileCache) put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; ok || len(data) > c.maxBytes {
		return
	}
	c.byKey[key] = c.order.PushFront(&cachedTile{key, data})
	c.used += len(data)
	for c.used > c.maxBytes {
		old := c.order.Remove(c.order.Back()).(*cachedTile)
		delete(c.byKey, old.key)
		c.used -= len(old.data)
	}
}
