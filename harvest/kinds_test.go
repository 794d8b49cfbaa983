package harvest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/maillage/maillage/harvest"
)

// fakeDataGouv follows data.gouv.fr's API: GET /api/1/datasets/{id or
// slug}/ describes the dataset and its resources; a resource's stable URL
// /fr/datasets/r/{id} redirects (302) to its current file.
func fakeDataGouv(t *testing.T) *httptest.Server {
	dataset := func(base string) map[string]any {
		return map[string]any{"id": "64f1c2", "slug": "lieux-mediation-numerique-hinaura", "title": "Lieux de médiation numérique", "resources": []map[string]any{
			{"id": "r-old", "title": "lieux-2023.csv", "format": "csv", "url": base + "/static/old.csv", "latest": base + "/fr/datasets/r/r-old",
				"last_modified": "2023-05-01T10:00:00+00:00", "schema": map[string]any{"name": "LaMednum/standard-mediation-num", "version": "1.0.0"}},
			{"id": "r-new", "title": "lieux-2024.csv", "format": "csv", "url": base + "/static/new.csv", "latest": base + "/fr/datasets/r/r-new",
				"last_modified": "2024-03-20T08:00:00+00:00", "schema": map[string]any{"name": "LaMednum/standard-mediation-num", "version": "1.0.2"}},
			{"id": "r-doc", "title": "documentation.pdf", "format": "pdf", "url": base + "/static/doc.pdf", "latest": base + "/fr/datasets/r/r-doc",
				"last_modified": "2024-06-01T08:00:00+00:00", "schema": map[string]any{"name": nil}},
			{"id": "r-json", "title": "lieux-2024.json", "format": "json", "url": base + "/static/new.json", "latest": base + "/fr/datasets/r/r-json",
				"last_modified": "2024-03-20T08:00:00+00:00", "schema": map[string]any{"name": nil}},
		}}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/1/datasets/{id}/", func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("id"); id != "64f1c2" && id != "lieux-mediation-numerique-hinaura" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message": "Not found"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(dataset("http://" + r.Host))
	})
	mux.HandleFunc("GET /fr/datasets/r/{rid}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, map[string]string{"r-old": "/static/old.csv", "r-new": "/static/new.csv", "r-json": "/static/new.json"}[r.PathValue("rid")], http.StatusFound)
	})
	mux.HandleFunc("GET /static/{file}", func(w http.ResponseWriter, r *http.Request) {
		etag := `"` + r.PathValue("file") + `-v1"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		fmt.Fprintf(w, "id,nom\n1,%s\n", r.PathValue("file"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestDataGouv(t *testing.T) {
	srv := fakeDataGouv(t)
	h := harvest.New(harvest.Options{Retries: 0})
	ctx := context.Background()
	src := harvest.Source{Name: "hinaura", Kind: "datagouv", Location: "lieux-mediation-numerique-hinaura",
		DataGouv: harvest.DataGouvOptions{API: srv.URL, Schema: "LaMednum/standard-mediation-num"}}
	p, err := h.Fetch(ctx, src, harvest.Conditional{})
	if err != nil || string(p.Body) != "id,nom\n1,new.csv\n" {
		t.Fatalf("the latest resource of the schema, through its stable URL: %v %+v", err, p)
	}
	if p, err := h.Fetch(ctx, src, harvest.Conditional{ETag: p.ETag}); err != nil || !p.NotModified {
		t.Errorf("conditional GET of the resource: %v %+v", err, p)
	}
	src.DataGouv = harvest.DataGouvOptions{API: srv.URL, Format: "json"}
	if p, err := h.Fetch(ctx, src, harvest.Conditional{}); err != nil || !strings.Contains(string(p.Body), "new.json") {
		t.Errorf("by format: %v %+v", err, p)
	}
	src.DataGouv = harvest.DataGouvOptions{API: srv.URL, Title: `2023`}
	if p, err := h.Fetch(ctx, src, harvest.Conditional{}); err != nil || !strings.Contains(string(p.Body), "old.csv") {
		t.Errorf("by title: %v %+v", err, p)
	}
	src.DataGouv = harvest.DataGouvOptions{API: srv.URL, Format: "xlsx"}
	if _, err := h.Fetch(ctx, src, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), `no resource matches format "xlsx"`) || !strings.Contains(err.Error(), `"documentation.pdf"`) {
		t.Errorf("no match names what there is: %v", err)
	}
	src.Location = "nope"
	if _, err := h.Fetch(ctx, src, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("unknown dataset: %v", err)
	}
}

// fakeODS follows OpenDataSoft's APIs: the Explore API v2.1 export of a
// whole dataset, and records/1.0/search paged by rows and start.
func fakeODS(t *testing.T, records int) (*httptest.Server, *atomic.Int32) {
	var pages atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/explore/v2.1/catalog/datasets/{id}/exports/json", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "lieux-de-mediation-numerique" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error_code": "DatasetNotFound", "message": "Unknown dataset"}`))
			return
		}
		if r.Header.Get("If-None-Match") == `"e1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"e1"`)
		w.Write([]byte(`[{"nom": "Médiathèque", "commune": "Créteil", "geo_point_2d": {"lon": 2.45, "lat": 48.79}}]`))
	})
	mux.HandleFunc("GET /api/records/1.0/search/", func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		rows, _ := strconv.Atoi(r.URL.Query().Get("rows"))
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		var recs []map[string]any
		for i := start; i < min(start+rows, records); i++ {
			recs = append(recs, map[string]any{"datasetid": r.URL.Query().Get("dataset"), "recordid": fmt.Sprintf("rec%d", i),
				"fields":   map[string]any{"nom": fmt.Sprintf("Lieu %d", i), "code_postal": "94000"},
				"geometry": map[string]any{"type": "Point", "coordinates": []float64{2.45 + float64(i)/100, 48.79}}})
		}
		json.NewEncoder(w).Encode(map[string]any{"nhits": records, "parameters": map[string]any{"rows": rows, "start": start}, "records": recs})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &pages
}

func TestODS(t *testing.T) {
	srv, pages := fakeODS(t, 5)
	h := harvest.New(harvest.Options{})
	ctx := context.Background()
	src := harvest.Source{Name: "idf", Kind: "ods", Location: srv.URL + "/", ODS: harvest.ODSOptions{Dataset: "lieux-de-mediation-numerique"}}
	p, err := h.Fetch(ctx, src, harvest.Conditional{})
	if err != nil || !strings.Contains(string(p.Body), "Créteil") {
		t.Fatalf("v2.1 export: %v %+v", err, p)
	}
	if p, err := h.Fetch(ctx, src, harvest.Conditional{ETag: p.ETag}); err != nil || !p.NotModified {
		t.Errorf("v2.1 conditional GET: %v %+v", err, p)
	}
	src.ODS = harvest.ODSOptions{Dataset: "lieux-de-mediation-numerique", API: "v1", PageSize: 2}
	p, err = h.Fetch(ctx, src, harvest.Conditional{})
	if err != nil {
		t.Fatal(err)
	}
	table, err := h.Decode(src, p)
	if err != nil || len(table.Records) != 5 || pages.Load() != 3 {
		t.Fatalf("v1 paging: %v, %d records in %d pages", err, len(table.Records), pages.Load())
	}
	var recs []map[string]any
	json.Unmarshal(p.Body, &recs)
	if recs[4]["nom"] != "Lieu 4" || recs[4]["latitude"] != 48.79 || recs[4]["longitude"] != 2.49 {
		t.Errorf("v1 record with its point: %v", recs[4])
	}
	src.ODS.Dataset, src.ODS.API = "nope", ""
	if _, err := h.Fetch(ctx, src, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("unknown dataset: %v", err)
	}
}

func TestValidateSource(t *testing.T) {
	cases := []struct {
		src  harvest.Source
		want string
	}{
		{harvest.Source{Kind: "ftp", Location: "x"}, `kind "ftp"`},
		{harvest.Source{Kind: "http"}, "location is required"},
		{harvest.Source{Kind: "datagouv"}, "dataset's id or slug"},
		{harvest.Source{Kind: "datagouv", Location: "x", DataGouv: harvest.DataGouvOptions{Title: "("}}, "datagouv.title"},
		{harvest.Source{Kind: "ods", Location: "portal"}, "ods.dataset is required"},
		{harvest.Source{Kind: "ods", Location: "https://p.fr", ODS: harvest.ODSOptions{Dataset: "d", API: "v3"}}, `ods.api "v3"`},
		{harvest.Source{Kind: "ods", Location: "https://p.fr", ODS: harvest.ODSOptions{Dataset: "d"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			err := harvest.ValidateSource(c.src)
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("%+v: %v, want %q", c.src, err, c.want)
			}
		})
	}
}

// fakeJSONAPI serves 7 records three per page, the ways paginated APIs
// do: a « next » link in the body (DRF style), an HTTP Link header
// (RFC 8288, GitHub style), a page number, an offset and limit. It
// refuses requests without the bearer token.
func fakeJSONAPI(t *testing.T) (*httptest.Server, *atomic.Int32) {
	const total = 7
	var calls atomic.Int32
	page := func(from, n int) []map[string]any {
		var out []map[string]any
		for i := from; i < min(from+n, total); i++ {
			out = append(out, map[string]any{"id": strconv.Itoa(i), "nom": fmt.Sprintf("Lieu %d", i)})
		}
		return out
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /drf/lieux/", func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("p"))
		body := map[string]any{"count": total, "results": page(p*3, 3), "next": nil}
		if (p+1)*3 < total {
			body["next"] = fmt.Sprintf("http://%s/drf/lieux/?p=%d", r.Host, p+1)
		}
		json.NewEncoder(w).Encode(body)
	})
	mux.HandleFunc("GET /link/lieux", func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("p"))
		if (p+1)*3 < total {
			w.Header().Set("Link", fmt.Sprintf(`</link/lieux?p=%d>; rel="next", </link/lieux?p=0>; rel="first"`, p+1))
		}
		json.NewEncoder(w).Encode(page(p*3, 3))
	})
	mux.HandleFunc("GET /paged/lieux", func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"items": page((p-1)*3, 3)}})
	})
	mux.HandleFunc("GET /offset/lieux", func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		json.NewEncoder(w).Encode(map[string]any{"data": page(off, limit)})
	})
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, `{"detail": "Authentication credentials were not provided."}`, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(auth)
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestJSONAPIPaging(t *testing.T) {
	srv, calls := fakeJSONAPI(t)
	env := map[string]string{"HUB_TOKEN": "Bearer s3cret"}
	h := harvest.New(harvest.Options{Getenv: func(k string) string { return env[k] }})
	auth := harvest.JSONAPIOptions{AuthHeader: "Authorization", AuthEnv: "HUB_TOKEN"}
	with := func(o harvest.JSONAPIOptions) harvest.JSONAPIOptions {
		o.AuthHeader, o.AuthEnv = auth.AuthHeader, auth.AuthEnv
		return o
	}
	cases := []struct {
		name, path string
		opts       harvest.JSONAPIOptions
		requests   int32
	}{
		{"next link in the body", "/drf/lieux/", with(harvest.JSONAPIOptions{Records: "results", Paging: "next"}), 3},
		{"Link header", "/link/lieux", with(harvest.JSONAPIOptions{Paging: "next", Next: "links.next"}), 3},
		{"page number", "/paged/lieux", with(harvest.JSONAPIOptions{Records: "data.items", Paging: "page"}), 4},
		{"offset and limit", "/offset/lieux", with(harvest.JSONAPIOptions{Records: "data", Paging: "offset", PageSize: 3}), 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls.Store(0)
			src := harvest.Source{Name: "hub", Kind: "http-json", Location: srv.URL + c.path, JSONAPI: c.opts}
			p, err := h.Fetch(context.Background(), src, harvest.Conditional{})
			if err != nil {
				t.Fatal(err)
			}
			table, err := h.Decode(src, p)
			if err != nil || len(table.Records) != 7 || calls.Load() != c.requests {
				t.Fatalf("%v: %d records in %d requests, want 7 in %d", err, len(table.Records), calls.Load(), c.requests)
			}
			if got := table.Records[6].Fields; len(got) < 2 || got[1].Value != "Lieu 6" {
				t.Errorf("last record: %+v", got)
			}
		})
	}
	src := harvest.Source{Name: "hub", Kind: "http-json", Location: srv.URL + "/drf/lieux/", JSONAPI: harvest.JSONAPIOptions{Records: "results"}}
	if _, err := h.Fetch(context.Background(), src, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("without the token: %v", err)
	}
	src.JSONAPI = harvest.JSONAPIOptions{Records: "results", AuthHeader: "Authorization", AuthEnv: "NOT_SET"}
	if _, err := h.Fetch(context.Background(), src, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), "NOT_SET") {
		t.Errorf("an empty secret is named: %v", err)
	}
	src.JSONAPI = with(harvest.JSONAPIOptions{Records: "results", Paging: "next", MaxPages: 2})
	if _, err := h.Fetch(context.Background(), src, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), "max_pages") {
		t.Errorf("max pages: %v", err)
	}
}
