package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// Page limits of /api/v1/lieux.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// link is an OGC API Features link.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

type featureCollection struct {
	Type           string              `json:"type"`
	Features       []exporters.Feature `json:"features"`
	NumberReturned int                 `json:"numberReturned"`
	TimeStamp      string              `json:"timeStamp"`
	Links          []link              `json:"links"`
}

// listLieux serves a page of lieux. Pages are ordered by id and the cursor
// is the last id seen, so a page sequence neither skips nor repeats lieux
// that existed throughout, whatever changes in between.
func (s *Server) listLieux(w http.ResponseWriter, r *http.Request) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "query string: "+err.Error())
		return
	}
	q, err := parseLieuQuery(params)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	v, err := s.store.Version(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if notModified(w, r, datasetETag("lieux-"+queryTag(params), v.Revision, v.Count), v.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	want := q.Limit
	q.Limit++
	rows, err := s.store.ListLieux(r.Context(), q)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	fc := featureCollection{Type: "FeatureCollection", Features: []exporters.Feature{}, TimeStamp: time.Now().UTC().Format(time.RFC3339)}
	for i := range rows[:min(len(rows), want)] {
		fc.Features = append(fc.Features, exporters.NewFeature(&rows[i].Lieu))
	}
	fc.NumberReturned = len(fc.Features)
	fc.Links = pageLinks(s.base(w, r), r, len(rows) > want, fc.Features)
	s.writeJSON(w, r, http.StatusOK, contentGeoJSON, fc)
}

func pageLinks(base string, r *http.Request, more bool, features []exporters.Feature) []link {
	self := base + r.URL.Path
	links := []link{{Href: self + queryString(r.URL.Query()), Rel: "self", Type: contentGeoJSON}}
	if more && len(features) > 0 {
		next := r.URL.Query()
		next.Set("cursor", encodeCursor(features[len(features)-1].ID))
		links = append(links, link{Href: self + queryString(next), Rel: "next", Type: contentGeoJSON, Title: "page suivante"})
	}
	return links
}

func queryString(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !validKey(string(b)) {
		return "", fmt.Errorf("cursor: not a cursor returned by this API")
	}
	return string(b), nil
}

func parseLieuQuery(v url.Values) (store.LieuQuery, error) {
	q := store.LieuQuery{Limit: DefaultLimit}
	for name := range v {
		if name != "limit" && name != "cursor" && name != "bbox" {
			return q, fmt.Errorf("unknown parameter %s (limit, cursor, bbox)", quoted(name))
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, fmt.Errorf("limit: %s is not an integer between 1 and %d", quoted(s), MaxLimit)
		}
		q.Limit = n
	}
	if s := v.Get("cursor"); s != "" {
		after, err := decodeCursor(s)
		if err != nil {
			return q, err
		}
		q.After = after
	}
	if s := v.Get("bbox"); s != "" {
		b, err := parseBBox(s)
		if err != nil {
			return q, err
		}
		q.BBox = &b
	}
	return q, nil
}

// parseBBox reads "minLon,minLat,maxLon,maxLat" (WGS84, as in OGC API).
func parseBBox(s string) (store.BBox, error) {
	var b store.BBox
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return b, fmt.Errorf("bbox: %s: four numbers expected: minLon,minLat,maxLon,maxLat", quoted(s))
	}
	for i, p := range parts {
		f, err := parseDecimal(strings.TrimSpace(p))
		if err != nil {
			return b, fmt.Errorf("bbox: %w", err)
		}
		b[i] = f
	}
	switch {
	case b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90:
		return b, fmt.Errorf("bbox: %s: out of WGS84 range", quoted(s))
	case b[0] > b[2] || b[1] > b[3]:
		return b, fmt.Errorf("bbox: %s: minimum greater than maximum", quoted(s))
	}
	return b, nil
}

// getLieu serves one lieu; a retired id redirects to its survivor.
func (s *Server) getLieu(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !validKey(id) {
		s.problem(w, r, http.StatusNotFound, "no lieu with id "+quoted(id))
		return
	}
	row, err := s.store.Lieu(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.redirectOrNotFound(w, r, id)
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if notModified(w, r, fmt.Sprintf(`W/"lieu-r%d"`, row.Revision), row.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.writeJSON(w, r, http.StatusOK, contentGeoJSON, lieuFeature{
		Feature:    exporters.NewFeature(&row.Lieu),
		Provenance: row.Provenance,
		Links:      []link{{Href: s.base(w, r) + r.URL.Path, Rel: "self", Type: contentGeoJSON}},
	})
}

// lieuFeature is a Feature with, as foreign members (RFC 7946 §6.1), the
// source record that gave each field.
type lieuFeature struct {
	exporters.Feature
	Provenance map[string]store.RecordRef `json:"provenance,omitempty"`
	Links      []link                     `json:"links"`
}

func (s *Server) redirectOrNotFound(w http.ResponseWriter, r *http.Request, id string) {
	to, ok, err := s.store.Redirect(r.Context(), id)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !ok {
		s.problem(w, r, http.StatusNotFound, "no lieu with id "+quoted(id))
		return
	}
	http.Redirect(w, r, "/api/v1/lieux/"+url.PathEscape(to), http.StatusMovedPermanently)
}

// exportCSV streams the national-standard CSV of all lieux.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) {
	s.export(w, r, "text/csv; charset=utf-8", pipeline.FileLieuxCSV, pipeline.WriteLieuxCSV)
}

// exportGeoJSON streams all lieux as a FeatureCollection.
func (s *Server) exportGeoJSON(w http.ResponseWriter, r *http.Request) {
	s.export(w, r, contentGeoJSON+"; charset=utf-8", pipeline.FileLieuxGeoJSON, pipeline.WriteLieuxGeoJSON)
}

func (s *Server) export(w http.ResponseWriter, r *http.Request, contentType, name string,
	write func(ctx context.Context, st store.Store, w io.Writer) error) {
	v, err := s.store.Version(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if notModified(w, r, datasetETag(name, v.Revision, v.Count), v.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := write(r.Context(), s.store, w); err != nil {
		// Headers are gone: the truncated body is all the client gets.
		s.log.Error("export_failed", "export", name, "error", err)
	}
}
