package api_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/maillage/maillage/api"
)

// TestRateLimit: past its burst, an address gets 429 with Retry-After
// (readable by a page of another origin) until its bucket refills;
// another address is not affected.
func TestRateLimit(t *testing.T) {
	f := newFixture(t, 2)
	var mu sync.Mutex
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	srv := newServer(t, f.st)
	srv.RateLimit = api.RateLimit{PerSecond: 0.5, Burst: 3}
	srv.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := srv.Handler()
	call := func(addr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/collections/lieux/items", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	steps := []struct {
		addr    string
		advance time.Duration
		status  int
		retry   string
	}{
		{"192.0.2.1:1000", 0, 200, ""},
		{"192.0.2.1:1001", 0, 200, ""},
		{"192.0.2.1:1002", 0, 200, ""},
		{"192.0.2.1:1003", 0, 429, "2"},
		{"198.51.100.7:5", 0, 200, ""},
		{"192.0.2.1:1004", time.Second, 429, "1"},
		{"192.0.2.1:1005", time.Second, 200, ""},
		{"192.0.2.1:1006", 0, 429, "2"},
	}
	for i, s := range steps {
		mu.Lock()
		now = now.Add(s.advance)
		mu.Unlock()
		rec := call(s.addr)
		if rec.Code != s.status || rec.Header().Get("Retry-After") != s.retry {
			t.Errorf("step %d (%s): %d Retry-After %q, want %d %q", i, s.addr, rec.Code, rec.Header().Get("Retry-After"), s.status, s.retry)
		}
		if rec.Code == 429 && rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("step %d: a 429 a page cannot read (no CORS header)", i)
		}
	}
}
