package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/maillage/maillage/api"
)

var fuzzServer struct {
	once sync.Once
	h    http.Handler
}

// FuzzItemsQuery: any query string on the items route is answered 200,
// 304 or 400 (a problem naming the parameter), never a 500 or a panic.
func FuzzItemsQuery(f *testing.F) {
	for _, s := range []string{"limit=5", "bbox=5.9,44.4,6.3,44.7", "near=6.08,44.56&radius=5000", "commune=05061", "adresse=05000 Gap",
		"services=aide-aux-demarches-administratives,x&frais=gratuit", "ouvert_maintenant=true", "ouvert_le=2026-12-18T10:00",
		"q=mediat", "datetime=2023-01-01/..", "f=csv", "cursor=YQAtAGxpZXU", "filter=nom%20LIKE%20'M%25'", "filter=DWITHIN(geometry,POINT(1%202),3,meters)",
		"limit=0", "near=1,2&commune=05061", "radius=5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		fuzzServer.once.Do(func() {
			s := newServer(t, examplesStore(t))
			s.RateLimit = api.RateLimit{}
			fuzzServer.h = s.Handler()
		})
		req := httptest.NewRequest(http.MethodGet, "/collections/lieux/items", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		fuzzServer.h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 304:
		case 400:
			if !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
				t.Fatalf("%q: 400 without a problem document", query)
			}
		default:
			t.Fatalf("%q: %d %s", query, rec.Code, rec.Body.String())
		}
	})
}
