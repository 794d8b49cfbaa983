package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// link is an OGC API Features link.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// items serves a page of the lieux a query selects, from the read model:
// by id (keyset pages that neither skip nor repeat lieux that existed
// throughout, whatever changes in between), or by distance around a
// point.
func (s *Server) items(w http.ResponseWriter, r *http.Request) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "query string: "+err.Error())
		return
	}
	m := s.models.Current()
	q, err := parseItemsQuery(params, parseContext{now: s.now(), model: m})
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Add("Vary", "Accept") // CSV or GeoJSON, without f
	if q.format == "geojson" && params.Get("f") == "" && prefersCSV(r) {
		q.format = "csv"
	}
	tag := queryTag(q.canonical)
	if q.openNow {
		tag += "-" + s.now().UTC().Format("200601021504") // the answer changes every minute
	}
	if notModified(w, r, fmt.Sprintf(`W/"lieux-s%d-%s"`, m.Seq, tag), m.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	page := m.Search(q.Query)
	if q.format == "csv" {
		s.writeCSVPage(w, r, page)
		return
	}
	s.writeFeaturePage(w, r, q, page)
}

// prefersCSV says whether the Accept header asks for CSV before GeoJSON.
func prefersCSV(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	csvAt := strings.Index(accept, "text/csv")
	if csvAt < 0 {
		return false
	}
	for _, t := range []string{"application/geo+json", "application/json"} {
		if i := strings.Index(accept, t); i >= 0 && i < csvAt {
			return false
		}
	}
	return true
}

// writeFeaturePage writes a page as a GeoJSON FeatureCollection with the
// OGC API members, each feature as the read model rendered it (with
// distance_m first in its properties for a search around a point),
// straight to the connection through a pooled buffer.
func (s *Server) writeFeaturePage(w http.ResponseWriter, r *http.Request, q *itemsQuery, page readmodel.Page) {
	w.Header().Set("Content-Type", contentGeoJSON+"; charset=utf-8")
	bw := s.writers.Get().(*bufio.Writer)
	bw.Reset(w)
	defer s.writers.Put(bw)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	var num []byte
	for i, h := range page.Hits {
		if i > 0 {
			bw.WriteByte(',')
		}
		if q.Near == nil {
			bw.Write(h.Feature())
			continue
		}
		num = strconv.AppendFloat(append(num[:0], `"distance_m":`...), h.Distance, 'f', 0, 64)
		h.WriteFeatureWith(bw, num)
	}
	tail := make([]byte, 0, 1024)
	tail = append(tail, `],"numberMatched":`...)
	tail = strconv.AppendInt(tail, int64(page.Matched), 10)
	tail = append(tail, `,"numberReturned":`...)
	tail = strconv.AppendInt(tail, int64(len(page.Hits)), 10)
	tail = append(tail, `,"timeStamp":"`...)
	tail = s.now().UTC().AppendFormat(tail, time.RFC3339)
	tail = append(tail, `"`...)
	if q.Open != nil {
		tail = append(tail, `,"notes":`...)
		tail = appendJSON(tail, []string{fmt.Sprintf("Un lieu dont les horaires ne sont pas connus n'est jamais compté comme ouvert : %d lieux répondant aux autres critères sont exclus pour cette raison.", page.UnknownHours)})
	} else if !q.opensOn.IsZero() {
		tail = append(tail, `,"notes":`...)
		tail = appendJSON(tail, []string{"Un lieu dont les horaires ne sont pas connus n'est jamais compté comme ouvert ce jour-là."})
	}
	tail = append(tail, `,"links":`...)
	tail = appendJSON(tail, s.pageLinks(w, r, q, page))
	tail = append(tail, '}')
	bw.Write(tail)
	if err := bw.Flush(); err != nil {
		s.log.Debug("response_write_failed", "path", r.URL.Path, "error", err)
	}
	bw.Reset(nil) // the pool keeps no connection
}

// pageLinks are a page's self, alternate, next and prev links.
func (s *Server) pageLinks(w http.ResponseWriter, r *http.Request, q *itemsQuery, page readmodel.Page) []link {
	self := s.base(w, r) + r.URL.Path
	links := []link{
		{Href: self + queryString(r.URL.Query()), Rel: "self", Type: contentGeoJSON, Title: "cette page"},
		{Href: self + queryString(with(r.URL.Query(), "f", "csv", "cursor", "")), Rel: "alternate", Type: "text/csv", Title: "cette page en CSV"},
	}
	byDistance := q.Near != nil
	if page.More && len(page.Hits) > 0 {
		last := page.Hits[len(page.Hits)-1]
		c := encodeCursor(false, readmodel.Cursor{ID: last.ID(), Distance: last.Distance}, byDistance)
		links = append(links, link{Href: self + queryString(with(r.URL.Query(), "cursor", c)), Rel: "next", Type: contentGeoJSON, Title: "page suivante"})
	}
	if page.Less && len(page.Hits) > 0 {
		first := page.Hits[0]
		c := encodeCursor(true, readmodel.Cursor{ID: first.ID(), Distance: first.Distance}, byDistance)
		links = append(links, link{Href: self + queryString(with(r.URL.Query(), "cursor", c)), Rel: "prev", Type: contentGeoJSON, Title: "page précédente"})
	}
	return links
}

// with returns v with a parameter set (removed when value is empty),
// pairs of name and value.
func with(v url.Values, pairs ...string) url.Values {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			v.Del(pairs[i])
		} else {
			v.Set(pairs[i], pairs[i+1])
		}
	}
	return v
}

func queryString(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// writeCSVPage writes a page as the standard's CSV (header, then one row
// per lieu).
func (s *Server) writeCSVPage(w http.ResponseWriter, r *http.Request, page readmodel.Page) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw, err := exporters.NewCSVWriter(w)
	if err == nil {
		for _, h := range page.Hits {
			if err = cw.WriteRendered(h.CSVRow()); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = cw.Close()
	}
	if err != nil {
		s.log.Debug("response_write_failed", "path", r.URL.Path, "error", err)
	}
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

// item serves one lieu, with the source record behind each field; a
// retired id redirects to the lieu it was merged into (301), a deleted
// one is gone (410).
func (s *Server) item(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !validKey(id) {
		s.problem(w, r, http.StatusNotFound, "no lieu with id "+quoted(id))
		return
	}
	e, retired := s.models.Current().Lookup(id)
	switch {
	case retired != nil && retired.MergedInto != "":
		to := strings.TrimSuffix(r.URL.Path, id) + url.PathEscape(retired.MergedInto)
		http.Redirect(w, r, to, http.StatusMovedPermanently)
		return
	case retired != nil:
		s.problem(w, r, http.StatusGone, fmt.Sprintf("the lieu %s was deleted on %s: no source lists it any more", quoted(id), retired.At.Format(time.DateOnly)))
		return
	case e == nil:
		s.problem(w, r, http.StatusNotFound, "no lieu with id "+quoted(id))
		return
	}
	if notModified(w, r, fmt.Sprintf(`W/"lieu-r%d"`, e.Revision), e.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentGeoJSON+"; charset=utf-8")
	w.Write(lieuFeature(e, []link{
		{Href: s.base(w, r) + r.URL.Path, Rel: "self", Type: contentGeoJSON},
		{Href: s.base(w, r) + "/collections/lieux", Rel: "collection", Type: contentJSON},
	}))
}

// lieuFeature is the lieu's Feature with, as foreign members (RFC 7946
// §6.1), the source record that gave each field and its links.
func lieuFeature(e *readmodel.Entry, links []link) []byte {
	f := e.Feature()
	body := append(make([]byte, 0, len(f)+len(e.Provenance())+512), f[:len(f)-1]...) // without its closing brace
	if len(e.Provenance()) > 0 {
		body = append(append(body, `,"provenance":`...), e.Provenance()...)
	}
	body = appendJSON(append(body, `,"links":`...), links)
	return append(body, '}')
}

// exportLieux streams the published lieux, or those of one territory
// (/exports/departement/05/lieux.csv), in one format: CSV and GeoJSON
// from the rows and features the read model keeps rendered (so an
// extract is byte for byte the national file's header and rows of its
// territory), GeoParquet and XLSX from the lieux those features hold.
func (s *Server) exportLieux(w http.ResponseWriter, r *http.Request) {
	f, err := exporters.FormatNamed(chi.URLParam(r, "format"))
	if err != nil {
		s.problem(w, r, http.StatusNotFound, "no export in that format: "+strings.Join(exporters.FormatNames(), ", "))
		return
	}
	m := s.models.Current()
	positions, name, ok := s.exportScope(w, r, m)
	if !ok {
		return
	}
	if !s.startExport(w, r, m, f.ContentType, name+"."+f.Name) {
		return
	}
	s.exportDone(name+"."+f.Name, writeEntries(w, f, entriesAt(m, positions)))
}

// entriesAt iterates over the entries at positions, or over all of them
// when positions is nil.
func entriesAt(m *readmodel.Model, positions []int32) func(yield func(*readmodel.Entry) error) error {
	return func(yield func(*readmodel.Entry) error) error {
		if positions == nil {
			for i := range m.Len() {
				if err := yield(m.Entry(i)); err != nil {
					return err
				}
			}
			return nil
		}
		for _, i := range positions {
			if err := yield(m.Entry(int(i))); err != nil {
				return err
			}
		}
		return nil
	}
}

// exportScope is what an export path names: every lieu (positions nil)
// or the positions of a territory's lieux, and the file's base name
// (lieux, lieux-departement-05). It answers 400 for a malformed code and
// 404 for a territory the referential does not know.
func (s *Server) exportScope(w http.ResponseWriter, r *http.Request, m *readmodel.Model) ([]int32, string, bool) {
	kind := chi.URLParam(r, "kind")
	if kind == "" {
		return nil, "lieux", true
	}
	t, err := schema.TerritoryAtPath(kind, chi.URLParam(r, "code"))
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
		return nil, "", false
	}
	if _, known := geo.TerritoryName(t); !known {
		s.problem(w, r, http.StatusNotFound, "no "+t.Kind.Label+" "+t.Code+" in the referential of communes")
		return nil, "", false
	}
	positions := m.InTerritory(t)
	if positions == nil {
		positions = []int32{}
	}
	return positions, "lieux-" + t.Kind.Path + "-" + t.Code, true
}

// writeEntries writes read-model entries in one format.
func writeEntries(w io.Writer, f exporters.Format, each func(yield func(*readmodel.Entry) error) error) error {
	switch f.Name {
	case "csv":
		cw, err := exporters.NewCSVWriter(w)
		if err == nil {
			err = each(func(e *readmodel.Entry) error { return cw.WriteRendered(e.CSVRow()) })
		}
		if err == nil {
			err = cw.Close()
		}
		return err
	case "geojson":
		gw := exporters.NewGeoJSONWriter(w)
		err := each(func(e *readmodel.Entry) error { return gw.WriteRendered(e.Feature()) })
		if err == nil {
			err = gw.Close()
		}
		return err
	}
	_, err := exporters.WriteLieux(w, f, nil, func(yield func(*schema.Lieu) error) error {
		return each(func(e *readmodel.Entry) error {
			var feature exporters.Feature
			if err := json.Unmarshal(e.Feature(), &feature); err != nil {
				return fmt.Errorf("api: export of %s: %w", e.ID(), err)
			}
			return yield(feature.Properties)
		})
	})
	return err
}

// startExport answers a conditional request, or writes an export's
// headers and says the body is to follow.
func (s *Server) startExport(w http.ResponseWriter, r *http.Request, m *readmodel.Model, contentType, name string) bool {
	if notModified(w, r, fmt.Sprintf(`W/"%s-s%d"`, name, m.Seq), m.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return false
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return true
}

func (s *Server) exportDone(name string, err error) {
	if err != nil {
		// Headers are gone: the truncated body is all the client gets.
		s.log.Error("export_failed", "export", name, "error", err)
	}
}
