// Package geocodertest is a fake of the Géoplateforme geocoder (the service
// behind the former api-adresse.data.gouv.fr) for tests, benchmarks and
// offline demos. It implements GET /search, POST /search/csv, GET /reverse
// and POST /reverse/csv with the real response shapes (GeoJSON
// FeatureCollections; CSV with the result columns addok-csv appends),
// answers from a table
// of real geocoder results, counts calls and can be told to fail.
package geocodertest

import (
	"bufio"
	_ "embed"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maillage/maillage/geo"
)

//go:embed data/addresses.tsv
var addressesTSV string

// Entry is one real geocoder answer and the query that produced it.
type Entry struct {
	QueryAddress, QueryPostcode, QueryCity string
	Label                                  string
	Score                                  float64
	Type                                   string // housenumber, street, locality, municipality
	ID, HouseNumber, Name, Street          string
	Postcode, City, Context, CityCode      string
	Lat, Lon                               float64
}

// Fault makes the fake misbehave like a real service can.
type Fault int

// Faults.
const (
	NoFault         Fault = iota
	Refuse                // closes connections without answering
	ServerError           // answers 500
	TooManyRequests       // answers 429 with Retry-After
	Hang                  // waits before answering
)

// Fake is the geocoder; it is an http.Handler.
type Fake struct {
	entries []Entry
	mu      sync.Mutex
	fault   Fault
	wait    time.Duration
	calls   map[string]*atomic.Int64
}

// New returns a fake answering from the embedded table of real results.
func New() *Fake {
	f := &Fake{calls: map[string]*atomic.Int64{"/search": {}, "/search/csv": {}, "/reverse": {}, "/reverse/csv": {}}}
	sc := bufio.NewScanner(strings.NewReader(addressesTSV))
	for sc.Scan() {
		if e, ok := parseEntry(sc.Text()); ok {
			f.entries = append(f.entries, e)
		}
	}
	return f
}

func parseEntry(line string) (Entry, bool) {
	c := strings.Split(line, "\t")
	if strings.HasPrefix(line, "#") || len(c) != 17 {
		return Entry{}, false
	}
	score, _ := strconv.ParseFloat(c[5], 64)
	lat, _ := strconv.ParseFloat(c[15], 64)
	lon, _ := strconv.ParseFloat(c[16], 64)
	return Entry{QueryAddress: c[1], QueryPostcode: c[2], QueryCity: c[3], Label: c[4], Score: score, Type: c[6], ID: c[7],
		HouseNumber: c[8], Name: c[9], Street: c[10], Postcode: c[11], City: c[12], Context: c[13], CityCode: c[14], Lat: lat, Lon: lon}, true
}

// Start serves the fake on a local test server; Close it when done.
func Start() (*Fake, *httptest.Server) {
	f := New()
	return f, httptest.NewServer(f)
}

// Entries returns the table the fake answers from.
func (f *Fake) Entries() []Entry { return f.entries }

// SetFault makes every following request fail (wait is the Retry-After of
// TooManyRequests, or how long Hang waits).
func (f *Fake) SetFault(fault Fault, wait time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault, f.wait = fault, wait
}

// Calls returns how many requests an endpoint received ("" for all).
func (f *Fake) Calls(endpoint string) int64 {
	if endpoint != "" {
		return f.calls[endpoint].Load()
	}
	var n int64
	for _, c := range f.calls {
		n += c.Load()
	}
	return n
}

// ServeHTTP routes a request, after the configured fault if any.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c, ok := f.calls[strings.TrimSuffix(r.URL.Path, "/")]; ok {
		c.Add(1)
	}
	if f.misbehave(w, r) {
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/search":
		f.search(w, r)
	case r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/search/csv":
		f.searchCSV(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/reverse":
		f.reverse(w, r)
	case r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/reverse/csv":
		f.reverseCSV(w, r)
	default:
		http.Error(w, `{"code":404,"message":"not found"}`, http.StatusNotFound)
	}
}

func (f *Fake) misbehave(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	fault, wait := f.fault, f.wait
	f.mu.Unlock()
	switch fault {
	case Refuse:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return true
	case ServerError:
		http.Error(w, `{"code":500,"message":"Internal Server Error"}`, http.StatusInternalServerError)
		return true
	case TooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		http.Error(w, `{"code":429,"message":"Too Many Requests"}`, http.StatusTooManyRequests)
		return true
	case Hang:
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return true
		}
	}
	return false
}

// Match finds the best entry for a query, with optional postcode and
// citycode filters: every word of the entry's name (number and street)
// must be in the query, and the filters must agree.
func (f *Fake) Match(q, postcode, citycode string) (Entry, bool) {
	words := wordSet(q)
	best, bestLen := Entry{}, -1
	for _, e := range f.entries {
		if postcode != "" && e.Postcode != postcode || citycode != "" && e.CityCode != citycode {
			continue
		}
		name := geo.Fold(e.Name)
		if name == "" || !containsAll(words, strings.Fields(name)) {
			continue
		}
		if len(name) > bestLen || len(name) == bestLen && e.Score > best.Score {
			best, bestLen = e, len(name)
		}
	}
	return best, bestLen >= 0
}

// Nearest finds the entry closest to a point, within maxMetres.
func (f *Fake) Nearest(lat, lon, maxMetres float64) (Entry, bool) {
	best, bestD := Entry{}, maxMetres
	found := false
	for _, e := range f.entries {
		if d := distance(lat, lon, e.Lat, e.Lon); d <= bestD {
			best, bestD, found = e, d, true
		}
	}
	return best, found
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(geo.Fold(s)) {
		m[w] = true
	}
	return m
}

func containsAll(set map[string]bool, words []string) bool {
	for _, w := range words {
		if !set[w] {
			return false
		}
	}
	return true
}

func distance(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * 6371008.8 * math.Asin(math.Sqrt(h))
}
