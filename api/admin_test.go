package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/maillage/maillage/api"
)

func TestAdminSyncSource(t *testing.T) {
	var started []string
	srv := api.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := srv.Handler()
	post := func(path, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post("/api/v1/sources/hub/sync", "x"); rec.Code != http.StatusForbidden {
		t.Errorf("no token configured: %d", rec.Code)
	}
	srv.Admin = &api.Admin{Token: "s3cret", Trigger: func(_ context.Context, name string) error {
		switch name {
		case "hub":
			started = append(started, name)
			return nil
		case "busy":
			return api.ErrBusy
		case "off":
			return api.ErrDisabled
		}
		return api.ErrUnknownSource
	}}
	cases := []struct {
		path, token string
		want        int
	}{
		{"/api/v1/sources/hub/sync", "", http.StatusUnauthorized},
		{"/api/v1/sources/hub/sync", "wrong", http.StatusUnauthorized},
		{"/api/v1/sources/nope/sync", "s3cret", http.StatusNotFound},
		{"/api/v1/sources/busy/sync", "s3cret", http.StatusConflict},
		{"/api/v1/sources/off/sync", "s3cret", http.StatusConflict},
		{"/api/v1/sources/hub/sync", "s3cret", http.StatusAccepted},
	}
	for _, c := range cases {
		if rec := post(c.path, c.token); rec.Code != c.want {
			t.Errorf("%s with %q: %d, want %d (%s)", c.path, c.token, rec.Code, c.want, rec.Body.String())
		}
	}
	if len(started) != 1 {
		t.Errorf("harvests started: %v", started)
	}
}

// TestAdminWrongTokensLimited: after five wrong tokens from one address
// within a minute, its requests get 429 with Retry-After, the right token
// included; another address is not affected.
func TestAdminWrongTokensLimited(t *testing.T) {
	srv := api.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.Admin = &api.Admin{Token: "s3cret", Trigger: func(context.Context, string) error { return nil }}
	h := srv.Handler()
	post := func(addr, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/sources/hub/sync", nil)
		req.RemoteAddr = addr
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 5 {
		if rec := post("192.0.2.1:4000", "guess"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d", i+1, rec.Code)
		}
	}
	rec := post("192.0.2.1:4001", "s3cret")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("after five wrong tokens: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := post("192.0.2.2:4000", "s3cret"); rec.Code != http.StatusAccepted {
		t.Errorf("another address: %d", rec.Code)
	}
}
