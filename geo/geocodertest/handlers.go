package geocodertest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// feature is a result as the geocoder's GeoJSON answers carry it.
func feature(e Entry) map[string]any {
	return map[string]any{
		"type":     "Feature",
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{e.Lon, e.Lat}},
		"properties": map[string]any{
			"label": e.Label, "score": e.Score, "housenumber": e.HouseNumber, "id": e.ID, "name": e.Name,
			"postcode": e.Postcode, "citycode": e.CityCode, "city": e.City, "context": e.Context, "type": e.Type,
			"street": e.Street, "importance": e.Score,
		},
	}
}

func writeCollection(w http.ResponseWriter, query string, entries []Entry) {
	feats := []map[string]any{}
	for _, e := range entries {
		feats = append(feats, feature(e))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{"type": "FeatureCollection", "version": "draft", "features": feats,
		"attribution": "BAN", "licence": "ETALAB-2.0", "query": query, "limit": 1})
}

// search answers GET /search?q=…&postcode=…&citycode=….
func (f *Fake) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if strings.TrimSpace(q.Get("q")) == "" {
		http.Error(w, `{"code":400,"message":"q: must not be empty"}`, http.StatusBadRequest)
		return
	}
	var found []Entry
	if e, ok := f.Match(q.Get("q"), q.Get("postcode"), q.Get("citycode")); ok {
		found = append(found, e)
	}
	writeCollection(w, q.Get("q"), found)
}

// reverse answers GET /reverse?lat=…&lon=… with the nearest entry within
// 2 km.
func (f *Fake) reverse(w http.ResponseWriter, r *http.Request) {
	lat, err1 := strconv.ParseFloat(r.URL.Query().Get("lat"), 64)
	lon, err2 := strconv.ParseFloat(r.URL.Query().Get("lon"), 64)
	if err1 != nil || err2 != nil {
		http.Error(w, `{"code":400,"message":"lat, lon: numbers expected"}`, http.StatusBadRequest)
		return
	}
	var found []Entry
	if e, ok := f.Nearest(lat, lon, 2000); ok {
		found = append(found, e)
	}
	writeCollection(w, "", found)
}

// resultColumns are appended by /search/csv, in the real service's order.
var resultColumns = []string{"latitude", "longitude", "result_label", "result_score", "result_score_next", "result_type", "result_id",
	"result_housenumber", "result_name", "result_street", "result_postcode", "result_city", "result_context", "result_citycode",
	"result_oldcitycode", "result_oldcity", "result_district", "result_status"}

// searchCSV answers POST /search/csv: a multipart form with the CSV in
// "data", the query columns in "columns" (repeated), and optional
// "postcode" and "citycode" column names used as filters.
func (f *Fake) searchCSV(w http.ResponseWriter, r *http.Request) {
	rows, sep, ok := formCSV(w, r)
	if !ok {
		return
	}
	out := f.geocodeRows(rows, r.MultipartForm.Value["columns"], r.FormValue("postcode"), r.FormValue("citycode"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Comma = sep
	cw.WriteAll(out)
}

func readCSV(raw []byte) ([][]string, rune, error) {
	sep := ','
	if first, _, _ := bytes.Cut(raw, []byte("\n")); bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		sep = ';'
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte{0xEF, 0xBB, 0xBF})))
	r.Comma, r.FieldsPerRecord = sep, -1
	rows, err := r.ReadAll()
	return rows, sep, err
}

func (f *Fake) geocodeRows(rows [][]string, columns []string, postcodeCol, citycodeCol string) [][]string {
	header := rows[0]
	idx := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		return -1
	}
	out := [][]string{append(append([]string{}, header...), resultColumns...)}
	for _, row := range rows[1:] {
		var parts []string
		for _, c := range columns {
			if i := idx(c); i >= 0 && i < len(row) {
				parts = append(parts, row[i])
			}
		}
		cell := func(name string) string {
			if i := idx(name); name != "" && i >= 0 && i < len(row) {
				return row[i]
			}
			return ""
		}
		out = append(out, append(append([]string{}, row...), resultCells(f.Match(strings.Join(parts, " "), cell(postcodeCol), cell(citycodeCol)))...))
	}
	return out
}

func resultCells(e Entry, ok bool) []string {
	if !ok {
		cells := make([]string, len(resultColumns))
		cells[len(cells)-1] = "not-found"
		return cells
	}
	return []string{strconv.FormatFloat(e.Lat, 'f', -1, 64), strconv.FormatFloat(e.Lon, 'f', -1, 64), e.Label,
		strconv.FormatFloat(e.Score, 'f', -1, 64), "", e.Type, e.ID, e.HouseNumber, e.Name, e.Street, e.Postcode, e.City,
		e.Context, e.CityCode, "", "", "", "ok"}
}

// reverseColumns are appended by /reverse/csv, in the real service's
// order (addok-csv): the found point and distance, then result_* fields.
var reverseColumns = []string{"result_latitude", "result_longitude", "result_label", "result_distance", "result_type", "result_id",
	"result_housenumber", "result_name", "result_street", "result_postcode", "result_city", "result_context", "result_citycode"}

// reverseCSV answers POST /reverse/csv: a multipart form with the CSV in
// "data", whose "latitude" (or "lat") and "longitude" (or "lon", "lng")
// columns are placed; rows without a point or an answer get empty results.
func (f *Fake) reverseCSV(w http.ResponseWriter, r *http.Request) {
	rows, sep, ok := formCSV(w, r)
	if !ok {
		return
	}
	latCol, lonCol := column(rows[0], "latitude", "lat"), column(rows[0], "longitude", "lon", "lng")
	if latCol < 0 || lonCol < 0 {
		http.Error(w, `{"code":400,"message":"data: latitude and longitude columns are required"}`, http.StatusBadRequest)
		return
	}
	out := [][]string{append(append([]string{}, rows[0]...), reverseColumns...)}
	for _, row := range rows[1:] {
		cells := make([]string, len(reverseColumns))
		if latCol < len(row) && lonCol < len(row) {
			lat, err1 := strconv.ParseFloat(row[latCol], 64)
			lon, err2 := strconv.ParseFloat(row[lonCol], 64)
			if e, found := f.Nearest(lat, lon, 2000); err1 == nil && err2 == nil && found {
				cells = []string{strconv.FormatFloat(e.Lat, 'f', -1, 64), strconv.FormatFloat(e.Lon, 'f', -1, 64), e.Label,
					strconv.Itoa(int(distance(lat, lon, e.Lat, e.Lon))), e.Type, e.ID, e.HouseNumber, e.Name, e.Street, e.Postcode,
					e.City, e.Context, e.CityCode}
			}
		}
		out = append(out, append(append([]string{}, row...), cells...))
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Comma = sep
	cw.WriteAll(out)
}

// formCSV reads the CSV of a batch request's "data" field, answering 400
// itself when there is none.
func formCSV(w http.ResponseWriter, r *http.Request) ([][]string, rune, bool) {
	if err := r.ParseMultipartForm(50 << 20); err != nil {
		http.Error(w, `{"code":400,"message":"a multipart form is expected"}`, http.StatusBadRequest)
		return nil, 0, false
	}
	file, _, err := r.FormFile("data")
	if err != nil {
		http.Error(w, `{"code":400,"message":"data: a CSV file is required"}`, http.StatusBadRequest)
		return nil, 0, false
	}
	defer file.Close()
	raw, _ := io.ReadAll(file)
	rows, sep, err := readCSV(raw)
	if err != nil || len(rows) == 0 {
		http.Error(w, `{"code":400,"message":"data: not a CSV file"}`, http.StatusBadRequest)
		return nil, 0, false
	}
	return rows, sep, true
}

func column(header []string, names ...string) int {
	for _, n := range names {
		for i, h := range header {
			if h == n {
				return i
			}
		}
	}
	return -1
}
