package harvest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/maillage/maillage/harvest"
)

// headerLog records the headers each request of a server carried.
type headerLog struct {
	mu   sync.Mutex
	seen []http.Header
}

func (l *headerLog) add(h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, h.Clone())
}

func (l *headerLog) any(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.seen {
		if h.Get(name) != "" {
			return true
		}
	}
	return false
}

// TestCredentialsStayWithTheirOrigin: a source's auth header (Authorization
// or another) reaches the configured origin only: not a host the origin
// redirects to, nor one a next link names; nor does the Referer.
func TestCredentialsStayWithTheirOrigin(t *testing.T) {
	var other headerLog
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.add(r.Header)
		json.NewEncoder(w).Encode(map[string]any{"results": []map[string]any{{"id": "2", "nom": "Ailleurs"}}})
	}))
	defer elsewhere.Close()
	var own headerLog
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		own.add(r.Header)
		switch r.URL.Path {
		case "/redirected":
			http.Redirect(w, r, elsewhere.URL+"/lieux", http.StatusFound)
		case "/paged":
			json.NewEncoder(w).Encode(map[string]any{"results": []map[string]any{{"id": "1", "nom": "Ici"}}, "next": elsewhere.URL + "/page2"})
		}
	}))
	defer origin.Close()
	for _, header := range []string{"Authorization", "X-Api-Key"} {
		cases := []struct {
			name string
			path string
			opts harvest.JSONAPIOptions
		}{
			{"redirect to another host", "/redirected", harvest.JSONAPIOptions{Records: "results"}},
			{"next link to another host", "/paged", harvest.JSONAPIOptions{Records: "results", Paging: "next"}},
		}
		for _, c := range cases {
			t.Run(header+", "+c.name, func(t *testing.T) {
				own.seen, other.seen = nil, nil
				c.opts.AuthHeader, c.opts.AuthEnv = header, "HUB_SECRET"
				h := harvest.New(harvest.Options{Getenv: func(string) string { return "s3cret" }})
				src := harvest.Source{Name: "hub", Kind: "http-json", Location: origin.URL + c.path, JSONAPI: c.opts}
				if _, err := h.Fetch(context.Background(), src, harvest.Conditional{}); err != nil {
					t.Fatal(err)
				}
				if !own.any(header) {
					t.Errorf("the configured origin did not get %s", header)
				}
				if len(other.seen) == 0 {
					t.Fatal("the other host was not asked")
				}
				for _, name := range []string{header, "Referer"} {
					if other.any(name) {
						t.Errorf("the other host got %s", name)
					}
				}
			})
		}
	}
}
