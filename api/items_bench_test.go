package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkItems: one items request through the handler (no network),
// on the examples, for the query kinds of tools/apibench.
func BenchmarkItems(b *testing.B) {
	t := &testing.T{}
	h := newServer(t, examplesStore(t)).Handler()
	for _, c := range []struct{ name, query string }{
		{"nearest", "near=6.0794,44.5594&radius=10000&limit=20"},
		{"box", "bbox=5.9,44.4,6.3,44.7&limit=100"},
		{"enums-open-now", "services=aide-aux-demarches-administratives&frais=gratuit&ouvert_maintenant=true&limit=100"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/collections/lieux/items?"+c.query, nil)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
