package api_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/internal/pgtest"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/postgres"
	"github.com/maillage/maillage/store/sqlite"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "maillage-api-test-")
	if err != nil {
		panic(err)
	}
	examples.root = dir
	code := pgtest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// openStores gives a SQLite and a PostgreSQL store holding the same lieux.
func openStores(t *testing.T, n int) map[string]store.Store {
	t.Helper()
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	pg, err := postgres.Open(ctx, pgtest.Database(t, nil), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	stores := map[string]store.Store{"sqlite": lite, "postgres": pg}
	var set store.LieuSet
	for i := range n {
		set.Lieux = append(set.Lieux, lieu(i))
	}
	for _, st := range stores {
		if _, err := st.SaveLieux(ctx, set, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return stores
}

// cursorOf is the cursor of a page by id that ends at id (the API's
// encoding, which clients never make: here, to hand the server ids no
// store can hold).
func cursorOf(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("a\x00-\x00" + id))
}

// TestClientInputAtTheEdge: ids, cursors and boxes that no store can hold
// or that are not numbers get the same 4xx from both stores, never a 500.
func TestClientInputAtTheEdge(t *testing.T) {
	cases := []struct {
		name, path string
		want       int
		detail     string
	}{
		{"cursor decoding to NUL", "/api/v1/lieux?cursor=" + cursorOf("lieu\x00"), 400, "cursor: not a cursor"},
		{"cursor decoding to invalid UTF-8", "/api/v1/lieux?cursor=" + cursorOf("\xff\xfe"), 400, "cursor: not a cursor"},
		{"cursor of 1 kB", "/api/v1/lieux?cursor=" + cursorOf(strings.Repeat("a", 1000)), 400, "cursor: not a cursor"},
		{"id with NUL", "/api/v1/lieux/lieu%00001", 404, `no lieu with id "lieu\x00001"`},
		{"id of invalid UTF-8", "/api/v1/lieux/%ff%fe", 404, "no lieu with id"},
		{"bbox NaN", "/api/v1/lieux?bbox=NaN,45,3,46", 400, `bbox: "NaN" is not a decimal number`},
		{"bbox infinity", "/api/v1/lieux?bbox=-Inf,45,3,46", 400, "is not a decimal number"},
		{"bbox hex float", "/api/v1/lieux?bbox=0x1p1,45,3,46", 400, `"0x1p1" is not a decimal number`},
		{"bbox digit separator", "/api/v1/lieux?bbox=1_0,45,3,46", 400, `"1_0" is not a decimal number`},
		{"bbox overflow", "/api/v1/lieux?bbox=1e999,45,3,46", 400, "not a finite decimal number"},
		{"bbox decimal", "/api/v1/lieux?bbox=1.5,45,3e0,46", 200, ""},
		{"known id", "/api/v1/lieux/lieu-001", 200, ""},
	}
	for name, st := range openStores(t, 3) {
		srv := httptest.NewServer(newServer(t, st).Handler())
		t.Cleanup(srv.Close)
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				resp, err := http.Get(srv.URL + c.path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != c.want || !strings.Contains(string(body), jsonQuoted(c.detail)) {
					t.Errorf("%d %s, want %d with %q", resp.StatusCode, body, c.want, c.detail)
				}
			})
		}
	}
}

// jsonQuoted is s as it appears inside a JSON string.
func jsonQuoted(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// TestHTTPSemantics: HEAD is answered wherever GET is, a 405 says what is
// allowed, the list's ETag is short and well formed whatever the query,
// and links follow the public URL, or vary with Host without one.
func TestHTTPSemantics(t *testing.T) {
	f := newFixture(t, 3)
	for _, path := range []string{"/", "/healthz", "/api/v1/lieux", "/api/v1/lieux/lieu-001", "/api/v1/sources", "/exports/lieux.csv"} {
		req, _ := http.NewRequest(http.MethodHead, f.srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: %d", path, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, f.srv.URL+"/api/v1/lieux", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	long := "/api/v1/lieux?limit=2&cursor=" + cursorOf(`lieu-"000"`+strings.Repeat("x", 150))
	resp, err = http.Get(f.srv.URL + long)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if etag := resp.Header.Get("ETag"); !regexp.MustCompile(`^W/"[a-z0-9-]{1,64}"$`).MatchString(etag) {
		t.Errorf("ETag %q", etag)
	}
	if !slices.Contains(resp.Header.Values("Vary"), "Host") {
		t.Errorf("links from the Host header, Vary %q", resp.Header.Values("Vary"))
	}
	s := newServer(t, f.st)
	s.PublicURL = "https://lieux.example.fr/"
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/api/v1/lieux?limit=1", nil)
	r.Host = "attacker.example"
	s.Handler().ServeHTTP(rec, r)
	if body := rec.Body.String(); strings.Contains(body, "attacker") || !strings.Contains(body, `"https://lieux.example.fr/api/v1/lieux?cursor=`) {
		t.Errorf("links with a public URL: %s", body)
	}
	if slices.Contains(rec.Header().Values("Vary"), "Host") {
		t.Errorf("Vary %q with a public URL", rec.Header().Values("Vary"))
	}
}

// TestHealthWhileBusy: with every connection of the store's pool taken by
// exports streaming, /healthz still says the store is up, on both stores.
func TestHealthWhileBusy(t *testing.T) {
	for name, st := range openStores(t, 3) {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(newServer(t, st).Handler()) // its read model is built before the pool is taken
			ctx, release := context.WithCancel(context.Background())
			holding := make(chan struct{}, 20)
			done := make(chan struct{})
			for range 20 {
				go func() {
					defer func() { done <- struct{}{} }()
					st.EachLieu(ctx, func(store.LieuRow) error {
						holding <- struct{}{}
						<-ctx.Done()
						return ctx.Err()
					})
				}()
			}
			<-holding // at least one export holds a connection; the others queue for the rest
			time.Sleep(100 * time.Millisecond)
			resp, err := http.Get(srv.URL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"ok"`) {
				t.Errorf("/healthz while 20 exports stream: %d %s", resp.StatusCode, body)
			}
			release()
			for range 20 {
				<-done
			}
			srv.Close()
		})
	}
}
