package geo

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GeocoderOptions configure the Géoplateforme client.
type GeocoderOptions struct {
	// BaseURL is e.g. https://data.geopf.fr/geocodage (MAILLAGE_GEOCODER_URL).
	BaseURL   string
	UserAgent string
	Timeout   time.Duration
	// RatePerSecond caps requests (the service allows 50 per second per IP).
	RatePerSecond int
	// BatchSize caps the rows of one /search/csv request.
	BatchSize int
	Retries   int
	Backoff   time.Duration
}

// Geocoder calls the Géoplateforme geocoder (formerly api-adresse.data.gouv.fr).
type Geocoder struct {
	opts   GeocoderOptions
	client *http.Client
	mu     sync.Mutex
	next   time.Time // earliest start of the next request
}

// NewGeocoder returns a client with defaults filled in.
func NewGeocoder(opts GeocoderOptions) *Geocoder {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.RatePerSecond <= 0 {
		opts.RatePerSecond = 50
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "maillage (+https://github.com/maillage/maillage)"
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	return &Geocoder{opts: opts, client: &http.Client{Timeout: opts.Timeout}}
}

// Query is one address to place.
type Query struct {
	Address  string
	Postcode string
	City     string
	// CityCode is the expected INSEE code, used as a filter when known.
	CityCode string
}

// Result is the geocoder's best answer for a query.
type Result struct {
	Found    bool    `json:"found"`
	Lat      float64 `json:"lat,omitempty"`
	Lon      float64 `json:"lon,omitempty"`
	Score    float64 `json:"score,omitempty"`
	Type     string  `json:"type,omitempty"` // housenumber, street, locality, municipality
	Label    string  `json:"label,omitempty"`
	CityCode string  `json:"citycode,omitempty"`
	Postcode string  `json:"postcode,omitempty"`
	// Name is the address without postcode and city ("12 Rue de la
	// Paix"); City the commune's name.
	Name string `json:"name,omitempty"`
	City string `json:"city,omitempty"`
	// Distance is, for reverse answers, metres from the asked point.
	Distance float64 `json:"distance,omitempty"`
}

// ErrGeocoder wraps every failure of the service.
var ErrGeocoder = errors.New("geo: geocoder")

// Batch places queries with POST /search/csv, BatchSize rows at a time;
// results come back in the queries' order.
func (g *Geocoder) Batch(ctx context.Context, qs []Query) ([]Result, error) {
	out := make([]Result, 0, len(qs))
	for start := 0; start < len(qs); start += g.opts.BatchSize {
		chunk := qs[start:min(start+g.opts.BatchSize, len(qs))]
		res, err := g.batch(ctx, chunk)
		if err != nil {
			return out, err
		}
		out = append(out, res...)
	}
	return out, nil
}

func (g *Geocoder) batch(ctx context.Context, qs []Query) ([]Result, error) {
	body, contentType, err := batchForm(qs)
	if err != nil {
		return nil, err
	}
	raw, err := g.do(ctx, http.MethodPost, g.opts.BaseURL+"/search/csv", body, contentType)
	if err != nil {
		return nil, err
	}
	return parseCSVResults(raw, len(qs), "/search/csv", "latitude", "longitude")
}

// batchForm writes the multipart form /search/csv expects.
func batchForm(qs []Query) ([]byte, string, error) {
	var csvBuf bytes.Buffer
	w := csv.NewWriter(&csvBuf)
	w.Write([]string{"adresse", "code_postal", "commune", "code_insee"})
	for _, q := range qs {
		w.Write([]string{q.Address, q.Postcode, q.City, q.CityCode})
	}
	w.Flush()
	return multipartCSV(csvBuf.Bytes(), [][2]string{{"columns", "adresse"}, {"columns", "code_postal"}, {"columns", "commune"},
		{"citycode", "code_insee"}, {"result_columns", "result_score"}})
}

// multipartCSV wraps a CSV as the "data" file of a form, with fields.
func multipartCSV(data []byte, fields [][2]string) ([]byte, string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("data", "lieux.csv")
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrGeocoder, err)
	}
	fw.Write(data)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrGeocoder, err)
	}
	return body.Bytes(), mw.FormDataContentType(), nil
}

// parseCSVResults reads a batch answer: one row per query, the point in
// the latCol/lonCol columns, the rest in result_* columns.
func parseCSVResults(raw []byte, n int, endpoint, latCol, lonCol string) ([]Result, error) {
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(rows) != n+1 {
		return nil, fmt.Errorf("%w: %s: %d rows for %d queries (%v)", ErrGeocoder, endpoint, len(rows)-1, n, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return row[i]
		}
		return ""
	}
	out := make([]Result, n)
	for i, row := range rows[1:] {
		lat, err1 := strconv.ParseFloat(get(row, latCol), 64)
		lon, err2 := strconv.ParseFloat(get(row, lonCol), 64)
		score, _ := strconv.ParseFloat(get(row, "result_score"), 64)
		if err1 != nil || err2 != nil || get(row, "result_status") == "not-found" {
			continue
		}
		dist, _ := strconv.ParseFloat(get(row, "result_distance"), 64)
		out[i] = Result{Found: true, Lat: lat, Lon: lon, Score: score, Type: get(row, "result_type"), Label: get(row, "result_label"),
			CityCode: get(row, "result_citycode"), Postcode: get(row, "result_postcode"), Name: get(row, "result_name"),
			City: get(row, "result_city"), Distance: dist}
	}
	return out, nil
}

// Point is a WGS84 position to reverse-geocode.
type Point struct{ Lat, Lon float64 }

// ReverseBatch finds the address nearest to each point with POST
// /reverse/csv, BatchSize rows at a time; results come back in the
// points' order, with Score left at zero (reverse answers carry a
// distance, not a score).
func (g *Geocoder) ReverseBatch(ctx context.Context, pts []Point) ([]Result, error) {
	out := make([]Result, 0, len(pts))
	for start := 0; start < len(pts); start += g.opts.BatchSize {
		chunk := pts[start:min(start+g.opts.BatchSize, len(pts))]
		var rows bytes.Buffer
		w := csv.NewWriter(&rows)
		w.Write([]string{"latitude", "longitude"})
		for _, p := range chunk {
			w.Write([]string{strconv.FormatFloat(p.Lat, 'f', -1, 64), strconv.FormatFloat(p.Lon, 'f', -1, 64)})
		}
		w.Flush()
		body, contentType, err := multipartCSV(rows.Bytes(), nil)
		if err != nil {
			return out, err
		}
		raw, err := g.do(ctx, http.MethodPost, g.opts.BaseURL+"/reverse/csv", body, contentType)
		if err != nil {
			return out, err
		}
		res, err := parseCSVResults(raw, len(chunk), "/reverse/csv", "result_latitude", "result_longitude")
		if err != nil {
			return out, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// Search places one query with GET /search.
func (g *Geocoder) Search(ctx context.Context, q Query) (Result, error) {
	v := url.Values{"q": {strings.TrimSpace(strings.Join([]string{q.Address, q.Postcode, q.City}, " "))}, "limit": {"1"}}
	if q.CityCode != "" {
		v.Set("citycode", q.CityCode)
	}
	return g.first(ctx, g.opts.BaseURL+"/search?"+v.Encode())
}

// Reverse finds the address nearest to a point with GET /reverse.
func (g *Geocoder) Reverse(ctx context.Context, lat, lon float64) (Result, error) {
	v := url.Values{"lat": {strconv.FormatFloat(lat, 'f', -1, 64)}, "lon": {strconv.FormatFloat(lon, 'f', -1, 64)}, "limit": {"1"}}
	return g.first(ctx, g.opts.BaseURL+"/reverse?"+v.Encode())
}

func (g *Geocoder) first(ctx context.Context, u string) (Result, error) {
	raw, err := g.do(ctx, http.MethodGet, u, nil, "")
	if err != nil {
		return Result{}, err
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				Label, Type, Citycode, Postcode, Name, City string
				Score, Distance                             float64
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		return Result{}, fmt.Errorf("%w: %s: %v", ErrGeocoder, u, err)
	}
	if len(fc.Features) == 0 || len(fc.Features[0].Geometry.Coordinates) < 2 {
		return Result{}, nil
	}
	f := fc.Features[0]
	return Result{Found: true, Lon: f.Geometry.Coordinates[0], Lat: f.Geometry.Coordinates[1], Score: f.Properties.Score,
		Type: f.Properties.Type, Label: f.Properties.Label, CityCode: f.Properties.Citycode, Postcode: f.Properties.Postcode,
		Name: f.Properties.Name, City: f.Properties.City, Distance: f.Properties.Distance}, nil
}

// do sends a request within the rate limit, retrying network errors, 429
// (after Retry-After) and 5xx with a doubling backoff.
func (g *Geocoder) do(ctx context.Context, method, u string, body []byte, contentType string) ([]byte, error) {
	wait := g.opts.Backoff
	for attempt := 0; ; attempt++ {
		if err := g.pace(ctx); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrGeocoder, err)
		}
		raw, retryAfter, err := g.once(ctx, method, u, body, contentType)
		if err == nil || attempt >= g.opts.Retries || ctx.Err() != nil || retryAfter < 0 {
			return raw, err
		}
		if retryAfter > 0 {
			wait = min(retryAfter, time.Minute)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %v (retry interrupted: %v)", ErrGeocoder, err, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// once sends one request; retryAfter is -1 for errors not worth retrying.
func (g *Geocoder) once(ctx context.Context, method, u string, body []byte, contentType string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, -1, fmt.Errorf("%w: %v", ErrGeocoder, err)
	}
	req.Header.Set("User-Agent", g.opts.UserAgent)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s %s: %v", ErrGeocoder, method, u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	switch {
	case err != nil:
		return nil, 0, fmt.Errorf("%w: %s: %v", ErrGeocoder, u, err)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return nil, time.Duration(ra) * time.Second, fmt.Errorf("%w: %s %s: HTTP %s", ErrGeocoder, method, u, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, -1, fmt.Errorf("%w: %s %s: HTTP %s", ErrGeocoder, method, u, resp.Status)
	}
	return raw, 0, nil
}

// pace spaces requests to stay under RatePerSecond.
func (g *Geocoder) pace(ctx context.Context) error {
	g.mu.Lock()
	now := time.Now()
	start := now
	if g.next.After(now) {
		start = g.next
	}
	g.next = start.Add(time.Second / time.Duration(g.opts.RatePerSecond))
	g.mu.Unlock()
	if d := start.Sub(now); d > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
	return nil
}

// Policy decides which geocoder answers place a lieu.
type Policy struct {
	// MinScore is the lowest score accepted at address level (default 0.75).
	MinScore float64
	// Types are the result types accepted at address level.
	Types []string
}

// DefaultPolicy accepts house numbers and streets scored 0.75 or more.
var DefaultPolicy = Policy{MinScore: 0.75, Types: []string{"housenumber", "street"}}

// Accept reports whether a result places a lieu at address level: an
// accepted type, a score at least MinScore, in the expected commune when
// one is known.
func (p Policy) Accept(r Result, expectedCityCode string) bool {
	if !r.Found || r.Score < p.MinScore {
		return false
	}
	if expectedCityCode != "" && r.CityCode != expectedCityCode {
		return false
	}
	for _, t := range p.Types {
		if r.Type == t {
			return true
		}
	}
	return false
}
