package pipeline_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// TestNetworkFaults: each fault of the network either fails the source
// with its last good data kept (a timeout, a refused connection, a body
// cut short), or is retried until the source comes through (500 then
// success, 429 with Retry-After): never a lost lieu.
func TestNetworkFaults(t *testing.T) {
	cases := []struct {
		name  string
		fault func(w http.ResponseWriter, attempt int32) bool // true: the fault answered
		url   func(srv *httptest.Server) string
		ok    bool
		want  string
	}{
		{"timeout", func(w http.ResponseWriter, _ int32) bool { time.Sleep(300 * time.Millisecond); return false }, nil, false, "Client.Timeout"},
		{"connection refused", nil, func(*httptest.Server) string { return refusedURL(t) }, false, "connection refused"},
		{"body cut short", func(w http.ResponseWriter, _ int32) bool {
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte(goodCSV[:40]))
			return true
		}, nil, false, "unexpected EOF"},
		{"500 then success", func(w http.ResponseWriter, attempt int32) bool {
			if attempt == 1 {
				http.Error(w, "boom", http.StatusInternalServerError)
				return true
			}
			return false
		}, nil, true, ""},
		{"429 with Retry-After", func(w http.ResponseWriter, attempt int32) bool {
			if attempt == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return true
			}
			return false
		}, nil, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var faulty atomic.Bool
			var attempts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if faulty.Load() && c.fault != nil && c.fault(w, attempts.Add(1)) {
					return
				}
				w.Header().Set("Content-Type", "text/csv")
				w.Write([]byte(goodCSV))
			}))
			defer srv.Close()
			cfg := &config.Config{Dir: t.TempDir(), Sources: []config.Source{{Source: harvest.Source{Name: "flaky", Kind: "http", Location: srv.URL}}}}
			st := openStore(t)
			h := harvest.New(harvest.Options{Timeout: 200 * time.Millisecond, Retries: 2, RetryBackoff: 10 * time.Millisecond})
			p := pipeline.New(st, h, quiet)
			ctx := context.Background()
			if _, err := p.Run(ctx, cfg, pipeline.Options{}); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, st)
			faulty.Store(true)
			if c.url != nil {
				cfg.Sources[0].Location = c.url(srv)
			}
			rep, err := p.Run(ctx, cfg, pipeline.Options{Force: true})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Sources[0]
			switch {
			case c.ok && s.Status != store.RunOK && s.Status != store.RunNotModified:
				t.Errorf("retried until it came through: %s %q", s.Status, s.Error)
			case !c.ok && (s.Status != store.RunFailed || !strings.Contains(s.Error, c.want)):
				t.Errorf("status %s, error %q, want failed with %q", s.Status, s.Error, c.want)
			}
			if after := snapshot(t, st); after != before {
				t.Errorf("the published lieux changed")
			}
		})
	}
}

// refusedURL is a local address nothing listens on.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/lieux.csv"
}
