package harvest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/maillage/maillage/harvest"
)

// shortAPI serves 10 records 4 a page the ways paginated APIs do, and
// cuts the page numbered short (from 0) to one record, as a publisher's
// overloaded back end does; -1 serves every page whole.
func shortAPI(t *testing.T, short int) *httptest.Server {
	const total, size = 10, 4
	page := func(p, n int) []map[string]any {
		if p == short {
			n = 1
		}
		var out []map[string]any
		for i := p * size; i < min(p*size+n, total); i++ {
			out = append(out, map[string]any{"id": strconv.Itoa(i), "nom": fmt.Sprintf("Lieu %d", i)})
		}
		return out
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /drf/", func(w http.ResponseWriter, r *http.Request) { // DRF: count, results, next
		p, _ := strconv.Atoi(r.URL.Query().Get("p"))
		body := map[string]any{"count": total, "results": page(p, size), "next": nil}
		if (p+1)*size < total {
			body["next"] = fmt.Sprintf("/drf/?p=%d", p+1)
		}
		json.NewEncoder(w).Encode(body)
	})
	mux.HandleFunc("GET /paged/", func(w http.ResponseWriter, r *http.Request) { // no total: pages until an empty one
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		json.NewEncoder(w).Encode(map[string]any{"data": page(p-1, size)})
	})
	mux.HandleFunc("GET /offset/", func(w http.ResponseWriter, r *http.Request) { // X-Total-Count header
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
		json.NewEncoder(w).Encode(page(off/size, size))
	})
	mux.HandleFunc("GET /ogc/", func(w http.ResponseWriter, r *http.Request) { // one document, numberMatched
		json.NewEncoder(w).Encode(map[string]any{"type": "FeatureCollection", "numberMatched": total, "numberReturned": 3,
			"features": page(0, 3)})
	})
	mux.HandleFunc("GET /api/records/1.0/search/", func(w http.ResponseWriter, r *http.Request) { // ODS v1
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		var recs []map[string]any
		for _, f := range page(start/size, size) {
			recs = append(recs, map[string]any{"fields": f})
		}
		json.NewEncoder(w).Encode(map[string]any{"nhits": total, "records": recs})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestIncompletePagedFetch: a fetch that brought fewer records than the
// API announces, or a page before the last shorter than the others, is
// an error naming the page; the same APIs served whole give every record.
func TestIncompletePagedFetch(t *testing.T) {
	cases := []struct {
		name, path string
		src        harvest.Source
		short      int
		want       string // "" for a whole fetch of 10 records (3 for /ogc/)
	}{
		{"count and next link, whole", "/drf/", jsonAPI(harvest.JSONAPIOptions{Records: "results", Paging: "next"}), -1, ""},
		{"count and next link, first page short", "/drf/", jsonAPI(harvest.JSONAPIOptions{Records: "results", Paging: "next"}), 0,
			"page 1 (http://HOST/drf/) brought 1 records where pages hold 4, and page 2 has more"},
		{"count and next link, last page short", "/drf/", jsonAPI(harvest.JSONAPIOptions{Records: "results", Paging: "next"}), 2,
			"9 records came in 3 pages, the API announces 10 (count)"},
		{"page numbers without a total, whole", "/paged/", jsonAPI(harvest.JSONAPIOptions{Records: "data", Paging: "page"}), -1, ""},
		{"page numbers without a total, middle page short", "/paged/", jsonAPI(harvest.JSONAPIOptions{Records: "data", Paging: "page"}), 1,
			"page 2 (http://HOST/paged/?page=2) brought 1 records where pages hold 4"},
		{"offset with X-Total-Count, whole", "/offset/", jsonAPI(harvest.JSONAPIOptions{Paging: "offset", PageSize: 4}), -1, ""},
		{"offset with X-Total-Count, first page short", "/offset/", jsonAPI(harvest.JSONAPIOptions{Paging: "offset", PageSize: 4}), 0,
			"1 records came in 1 pages, the API announces 10 (the X-Total-Count header)"},
		{"one document announcing more", "/ogc/", jsonAPI(harvest.JSONAPIOptions{Records: "features"}), -1,
			"3 records came in 1 pages, the API announces 10 (numberMatched)"},
		{"ODS v1, whole", "", harvest.Source{Kind: "ods", ODS: harvest.ODSOptions{Dataset: "d", API: "v1", PageSize: 4}}, -1, ""},
		{"ODS v1, first page short", "", harvest.Source{Kind: "ods", ODS: harvest.ODSOptions{Dataset: "d", API: "v1", PageSize: 4}}, 0,
			"page 1 (http://HOST/api/records/1.0/search/?dataset=d&rows=4&start=0) brought 1 records where pages hold 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := shortAPI(t, c.short)
			src := c.src
			src.Name, src.Location = "hub", srv.URL+c.path
			h := harvest.New(harvest.Options{})
			p, err := h.Fetch(context.Background(), src, harvest.Conditional{})
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				table, err := h.Decode(src, p)
				if err != nil || len(table.Records) != 10 {
					t.Fatalf("whole fetch: %v, %d records", err, len(table.Records))
				}
				return
			}
			want := strings.ReplaceAll(c.want, "http://HOST", srv.URL)
			if !errors.Is(err, harvest.ErrIncomplete) || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want ErrIncomplete with %q", err, want)
			}
		})
	}
}

func jsonAPI(o harvest.JSONAPIOptions) harvest.Source {
	return harvest.Source{Kind: "http-json", JSONAPI: o}
}
