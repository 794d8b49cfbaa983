package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/maillage/maillage/geo"
)

type suggestions struct {
	Communes []struct {
		Nom   string `json:"nom"`
		Code  string `json:"code_insee"`
		Lieux int    `json:"lieux"`
	} `json:"communes"`
	Lieux []struct{ ID, Nom string } `json:"lieux"`
}

// TestSuggest: what a person types into the search box gets the commune
// they mean first, by name (folded, abbreviated) or postcode, and lieux by
// the words of their names; bad input is a 400 naming the parameter.
func TestSuggest(t *testing.T) {
	st := examplesStore(t)
	ts := httptest.NewServer(newServer(t, st).Handler())
	defer ts.Close()
	cases := []struct {
		q, firstCommune, lieuWord string
	}{
		{"gap", "05061", ""},
		{"Gap", "05061", ""},
		{"0500", "05061", ""},
		{"st etienne", "42218", ""},
		{"saint-étienne", "42218", ""},
		{"marseille", "13055", ""},
		{"nouméa", "98818", ""},
		{"mediat", "", "mediat"},
		{"mediath", "", "mediatheque"},
		{"france serv", "", "france"},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			resp, body := get(t, ts.URL+"/api/v1/suggest?q="+url.QueryEscape(c.q))
			var s suggestions
			if err := json.Unmarshal(body, &s); err != nil || resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if c.firstCommune != "" && (len(s.Communes) == 0 || s.Communes[0].Code != c.firstCommune) {
				t.Errorf("communes %+v, want %s first", s.Communes, c.firstCommune)
			}
			if c.lieuWord != "" {
				if len(s.Lieux) == 0 {
					t.Fatalf("no lieu suggested")
				}
				for _, l := range s.Lieux {
					if !strings.Contains(geo.Fold(l.Nom), c.lieuWord) {
						t.Errorf("lieu %q suggested for %q", l.Nom, c.q)
					}
				}
			}
			if len(s.Communes) > 5 || len(s.Lieux) > 5 {
				t.Errorf("%d communes, %d lieux: the default is 5 of each", len(s.Communes), len(s.Lieux))
			}
		})
	}
	for _, q := range []string{"", "q=", "q=a&limit=0", "q=a&limit=21", "q=a&x=1", "q=" + strings.Repeat("a", 201)} {
		if resp, body := get(t, ts.URL+"/api/v1/suggest?"+q); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: %d %s", q, resp.StatusCode, body)
		}
	}
}

// BenchmarkSuggest: one suggestion request through the handler, for
// texts as typed letter by letter.
func BenchmarkSuggest(b *testing.B) {
	t := &testing.T{}
	st := examplesStore(t)
	h := newServer(t, st).Handler()
	texts := []string{"g", "ga", "gap", "s", "sa", "sai", "saint", "saint e", "mar", "marseille", "75", "750", "7501", "75011", "media", "france s"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/suggest?q="+url.QueryEscape(texts[i%len(texts)]), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// FuzzSuggest: any query string on the suggestions route is answered
// 200, 304 or 400, never a 500 or a panic.
func FuzzSuggest(f *testing.F) {
	for _, s := range []string{"q=gap", "q=0500", "q=st%20et", "q=mediat&limit=3", "q=", "q=a&limit=99", "q=%C3%A9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		fuzzServer.once.Do(func() {
			s := newServer(t, examplesStore(t))
			fuzzServer.h = s.Handler()
		})
		req := httptest.NewRequest(http.MethodGet, "/api/v1/suggest", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		fuzzServer.h.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 304 && rec.Code != 400 {
			t.Fatalf("%q: %d %s", query, rec.Code, rec.Body.String())
		}
	})
}
