package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/api"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
)

type fixture struct {
	st  store.Store
	api *api.Server
	srv *httptest.Server
	ids []string
}

// newServer is an API server over st serving what st holds now.
func newServer(t *testing.T, st store.Store) *api.Server {
	t.Helper()
	s := api.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func lieu(i int) store.PublishedLieu {
	lon, lat := 2.0+float64(i)*0.1, 45.0+float64(i)*0.1
	return store.PublishedLieu{Lieu: schema.Lieu{ID: fmt.Sprintf("lieu-%03d", i), Pivot: schema.PivotPlaceholder, Nom: fmt.Sprintf("Lieu %d", i),
		Commune: "Lyon", CodePostal: "69003", Adresse: "1 rue X", DateMaj: "2024-01-01", Longitude: &lon, Latitude: &lat,
		Services:   []string{"Aide aux démarches administratives", "Accès internet et matériel informatique"},
		Placement:  &schema.Placement{Source: schema.PointFromGeocoder, Precision: "housenumber", Score: 0.91},
		Territoire: &schema.Territoire{Departement: "69", Region: "84", EPCI: "200046977"}},
		Provenance: map[string]store.RecordRef{"nom": {Source: "hub", RecordKey: fmt.Sprint(i)}}}
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st}
	var set store.LieuSet
	for i := range n {
		set.Lieux = append(set.Lieux, lieu(i))
		f.ids = append(f.ids, lieu(i).Lieu.ID)
	}
	f.save(t, set)
	f.api = newServer(t, st)
	f.srv = httptest.NewServer(f.api.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) save(t *testing.T, set store.LieuSet) {
	t.Helper()
	if _, err := f.st.SaveLieux(context.Background(), set, time.Now()); err != nil {
		t.Fatal(err)
	}
	if f.api != nil {
		if err := f.api.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

type fc struct {
	Type     string `json:"type"`
	Features []struct {
		ID       string          `json:"id"`
		Geometry json.RawMessage `json:"geometry"`
		Props    map[string]any  `json:"properties"`
	} `json:"features"`
	NumberReturned int `json:"numberReturned"`
	Links          []struct {
		Href, Rel string
	} `json:"links"`
}

func (c fc) next() string {
	for _, l := range c.Links {
		if l.Rel == "next" {
			return l.Href
		}
	}
	return ""
}

func get(t *testing.T, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func getFC(t *testing.T, url string) fc {
	t.Helper()
	resp, body := get(t, url)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/geo+json") {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, body)
	}
	var c fc
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListLieux(t *testing.T) {
	f := newFixture(t, 12)
	c := getFC(t, f.srv.URL+"/api/v1/lieux?limit=5")
	if c.Type != "FeatureCollection" || len(c.Features) != 5 || c.NumberReturned != 5 || c.next() == "" {
		t.Fatalf("first page: %+v", c)
	}
	first := c.Features[0]
	if first.ID != "lieu-000" || !strings.Contains(string(first.Geometry), `"coordinates":[2,45]`) {
		t.Errorf("feature: id %s geometry %s (want lon, lat order)", first.ID, first.Geometry)
	}
	if svc, ok := first.Props["services"].([]any); !ok || len(svc) != 2 {
		t.Errorf("multi-valued fields must be arrays: %#v", first.Props["services"])
	}
	var seen []string
	for url := f.srv.URL + "/api/v1/lieux?limit=5"; url != ""; url = c.next() {
		c = getFC(t, url)
		for _, ft := range c.Features {
			seen = append(seen, ft.ID)
		}
	}
	if strings.Join(seen, ",") != strings.Join(f.ids, ",") {
		t.Errorf("pages gave %v", seen)
	}
	c = getFC(t, f.srv.URL+"/api/v1/lieux?bbox=2.25,45.25,2.55,45.55")
	if len(c.Features) != 3 || c.Features[0].ID != "lieu-003" {
		t.Errorf("bbox: %d features", len(c.Features))
	}
}

// TestCursorStableWhileDataChanges: lieux added or removed between two
// page requests never make the client skip or repeat the others.
func TestCursorStableWhileDataChanges(t *testing.T) {
	f := newFixture(t, 10)
	c := getFC(t, f.srv.URL+"/api/v1/lieux?limit=4")
	var set store.LieuSet
	for i := range 10 {
		if i != 1 && i != 6 { // one already seen and one not yet seen disappear
			set.Lieux = append(set.Lieux, lieu(i))
		}
	}
	early := lieu(0)
	early.Lieu.ID = "lieu-0005" // sorts before everything already served
	set.Lieux = append(set.Lieux, early, lieu(42))
	f.save(t, set)
	var seen []string
	for _, ft := range c.Features {
		seen = append(seen, ft.ID)
	}
	for url := c.next(); url != ""; url = c.next() {
		c = getFC(t, url)
		for _, ft := range c.Features {
			seen = append(seen, ft.ID)
		}
	}
	want := "lieu-000,lieu-001,lieu-002,lieu-003,lieu-004,lieu-005,lieu-007,lieu-008,lieu-009,lieu-042"
	if strings.Join(seen, ",") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(seen, ","), want)
	}
}

func TestBadParameters(t *testing.T) {
	f := newFixture(t, 1)
	for _, q := range []string{"limit=0", "limit=10001", "limit=abc", "bbox=1,2,3", "bbox=5,45,4,46", "bbox=a,b,c,d", "cursor=%%%", "bbbox=1,2,3,4",
		"ouvert_le=2026-13-01", "ouvert_le=samedi", "ouvert_maintenant=true&ouvert_le=2026-12-19T10:00"} {
		resp, body := get(t, f.srv.URL+"/api/v1/lieux?"+q)
		if resp.StatusCode != 400 || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
}

func TestGetLieuAndRedirect(t *testing.T) {
	f := newFixture(t, 2)
	resp, body := get(t, f.srv.URL+"/api/v1/lieux/lieu-001")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id":"lieu-001"`) ||
		!strings.Contains(string(body), `"provenance":{"nom":{"source":"hub","record_key":"1"}}`) ||
		!strings.Contains(string(body), `"placement":{"source":"geocoder","precision":"housenumber","score":0.91}`) ||
		!strings.Contains(string(body), `"territoire":{"departement":"69","region":"84","epci":"200046977"}`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := get(t, f.srv.URL+"/api/v1/lieux/lieu-001", "If-None-Match", etag); resp.StatusCode != 304 {
		t.Errorf("conditional GET: %d", resp.StatusCode)
	}
	if resp, _ := get(t, f.srv.URL+"/api/v1/lieux/nope"); resp.StatusCode != 404 {
		t.Errorf("unknown id: %d", resp.StatusCode)
	}
	f.save(t, store.LieuSet{Lieux: []store.PublishedLieu{lieu(1)}, Redirects: map[string]string{"lieu-000": "lieu-001"}})
	resp, _ = get(t, f.srv.URL+"/api/v1/lieux/lieu-000")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/api/v1/lieux/lieu-001" {
		t.Errorf("retired id: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestExportsAndConditionalGET(t *testing.T) {
	f := newFixture(t, 3)
	resp, body := get(t, f.srv.URL+"/exports/lieux.csv")
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || resp.StatusCode != 200 || len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(schema.Current().FieldNames(), ",") {
		t.Fatalf("csv: %v %d %d rows", err, resp.StatusCode, len(rows))
	}
	if rows[1][21] != "Aide aux démarches administratives|Accès internet et matériel informatique" {
		t.Errorf("services cell %q", rows[1][21])
	}
	if resp, _ := get(t, f.srv.URL+"/exports/lieux.csv", "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != 304 {
		t.Errorf("conditional GET: %d", resp.StatusCode)
	}
	f.save(t, store.LieuSet{Lieux: []store.PublishedLieu{lieu(0)}})
	if resp2, _ := get(t, f.srv.URL+"/exports/lieux.csv", "If-None-Match", resp.Header.Get("ETag")); resp2.StatusCode != 200 {
		t.Errorf("changed data must not be 304: %d", resp2.StatusCode)
	}
	c := getFC(t, f.srv.URL+"/exports/lieux.geojson")
	if len(c.Features) != 1 {
		t.Errorf("geojson export: %d features", len(c.Features))
	}
}

func TestSources(t *testing.T) {
	f := newFixture(t, 1)
	resp, body := get(t, f.srv.URL+"/api/v1/sources")
	if resp.StatusCode != 200 || string(body) != `{"sources":[]}` {
		t.Fatalf("no runs yet: %d %s", resp.StatusCode, body)
	}
	ctx := context.Background()
	id, _ := f.st.StartRun(ctx, time.Now(), "test")
	f.st.RecordSourceRun(ctx, store.SourceRun{RunID: id, Source: "hub", Status: store.RunFailed, Error: "HTTP 500", Fetched: 0})
	resp, body = get(t, f.srv.URL+"/api/v1/sources")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"source":"hub","started_at"`) || !strings.Contains(string(body), `"error":"HTTP 500"`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

func TestHealthAndLanding(t *testing.T) {
	f := newFixture(t, 2)
	resp, body := get(t, f.srv.URL+"/healthz")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"lieux":2`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, f.srv.URL+"/"); resp.StatusCode != 200 {
		t.Errorf("landing: %d", resp.StatusCode)
	}
	if resp, _ := get(t, f.srv.URL+"/nope"); resp.StatusCode != 404 {
		t.Errorf("unknown route: %d", resp.StatusCode)
	}
}
