package harvest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maillage/maillage/harvest"
)

func TestHTTPFetch(t *testing.T) {
	var gotUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.Header.Get("User-Agent")
		switch r.URL.Path {
		case "/ok.csv":
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Content-Type", "text/csv")
			w.Write([]byte("id,nom\n1,A\n"))
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2048)))
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	h := harvest.New(harvest.Options{UserAgent: "maillage-test", Timeout: 100 * time.Millisecond, MaxBytes: 1024})
	ctx := context.Background()
	src := func(path string) harvest.Source {
		return harvest.Source{Name: "hub", Kind: "http", Location: srv.URL + path}
	}

	p, err := h.Fetch(ctx, src("/ok.csv"), harvest.Conditional{})
	if err != nil || p.ETag != `"v1"` || string(p.Body) != "id,nom\n1,A\n" || gotUA != "maillage-test" {
		t.Fatalf("fetch: %v %+v ua=%q", err, p, gotUA)
	}
	if p, err := h.Fetch(ctx, src("/ok.csv"), harvest.Conditional{ETag: `"v1"`}); err != nil || !p.NotModified {
		t.Errorf("conditional GET: %v %+v", err, p)
	}
	cases := []struct{ path, want string }{
		{"/fail", `harvest: source "hub": GET ` + srv.URL + `/fail: HTTP 500 Internal Server Error`},
		{"/big", "larger than the size limit"},
		{"/slow", "Client.Timeout"},
	}
	for _, c := range cases {
		_, err := h.Fetch(ctx, src(c.path), harvest.Conditional{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.path, err, c.want)
		}
	}
}

func TestFileFetch(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("id\n1\n"), 0o644)
	h := harvest.New(harvest.Options{BaseDir: dir})
	p, err := h.Fetch(context.Background(), harvest.Source{Name: "a", Kind: "file", Location: "a.csv"}, harvest.Conditional{})
	if err != nil || string(p.Body) != "id\n1\n" {
		t.Fatalf("%v %q", err, p.Body)
	}
	_, err = h.Fetch(context.Background(), harvest.Source{Name: "gone", Kind: "file", Location: "missing.csv"}, harvest.Conditional{})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), `source "gone"`) {
		t.Errorf("missing file: %v", err)
	}
	_, err = h.Fetch(context.Background(), harvest.Source{Name: "x", Kind: "ftp"}, harvest.Conditional{})
	if err == nil || !strings.Contains(err.Error(), `unknown kind "ftp"`) {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestHTTPRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch {
		case r.URL.Path == "/flaky" && n < 3:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case r.URL.Path == "/flaky":
			w.Write([]byte("id\n1\n"))
		case r.URL.Path == "/gone":
			http.Error(w, "gone", http.StatusNotFound)
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	h := harvest.New(harvest.Options{Retries: 2, RetryBackoff: 5 * time.Millisecond})
	cases := []struct {
		path      string
		wantCalls int32
		wantErr   string
	}{
		{"/flaky", 3, ""},
		{"/gone", 1, "HTTP 404 Not Found"},
		{"/down", 3, "HTTP 500 Internal Server Error (after 3 attempts)"},
	}
	for _, c := range cases {
		calls.Store(0)
		_, err := h.Fetch(context.Background(), harvest.Source{Name: "s", Kind: "http", Location: srv.URL + c.path}, harvest.Conditional{})
		if calls.Load() != c.wantCalls || (c.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: %d calls, error %v; want %d calls, %q", c.path, calls.Load(), err, c.wantCalls, c.wantErr)
		}
	}
}

// TestHugeFileRefusedBeforeReading: a 1 GB file over the limit fails at
// once, from its size, without being read.
func TestHugeFileRefusedBeforeReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(1 << 30) // sparse: no disk, no memory
	f.Close()
	h := harvest.New(harvest.Options{MaxBytes: 100 << 20})
	start := time.Now()
	_, err = h.Fetch(context.Background(), harvest.Source{Name: "huge", Kind: "file", Location: path}, harvest.Conditional{})
	if !errors.Is(err, harvest.ErrTooLarge) || !strings.Contains(err.Error(), "1073741824 bytes, the limit is 104857600") {
		t.Fatalf("error %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v: the file was read", time.Since(start))
	}
}

// TestOneRequestPerHost: sources harvested at once that share a host wait
// for one another's requests.
func TestOneRequestPerHost(t *testing.T) {
	var inFlight, most atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		inFlight.Add(-1)
		w.Write([]byte("id,nom\n1,A\n"))
	}))
	defer srv.Close()
	h := harvest.New(harvest.Options{})
	done := make(chan error, 4)
	for i := range 4 {
		go func() {
			_, err := h.Fetch(context.Background(), harvest.Source{Name: "s", Kind: "http", Location: srv.URL + "/" + string(rune('a'+i))}, harvest.Conditional{})
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if most.Load() != 1 {
		t.Errorf("%d requests at once to one host", most.Load())
	}
}
