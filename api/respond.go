package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

const (
	contentGeoJSON = "application/geo+json"
	contentJSON    = "application/json"
	contentProblem = "application/problem+json"
)

// writeJSON writes v with a status and content type.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("response_encoding_failed", "path", r.URL.Path, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !strings.Contains(contentType, ";") { // a type with its own parameters is sent as it is
		contentType += "; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(b)
}

// appendJSON appends v's JSON encoding (v is the server's own data, which
// always encodes).
func appendJSON(dst []byte, v any) []byte {
	b, _ := json.Marshal(v)
	return append(dst, b...)
}

// problem writes an RFC 9457 problem document.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	s.writeJSON(w, r, status, contentProblem, map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail,
		"instance": r.URL.Path, "request_id": middleware.GetReqID(r.Context()),
	})
}

// internalError logs err and answers 500 without leaking it.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request_failed", "path", r.URL.Path, "error", err, "request_id", middleware.GetReqID(r.Context()))
	s.problem(w, r, http.StatusInternalServerError, "internal error; see the server log")
}

// notModified sets the validators and reports whether the client's copy
// is current (conditional GET).
func notModified(w http.ResponseWriter, r *http.Request, etag string, modified time.Time) bool {
	w.Header().Set("ETag", etag)
	if !modified.IsZero() {
		w.Header().Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etagMatch(inm, etag)
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !modified.Truncate(time.Second).After(t)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

func datasetETag(kind string, revision int64, count int) string {
	return fmt.Sprintf(`W/"%s-r%d-n%d"`, kind, revision, count)
}

// base is the scheme and host that links start with: the configured
// public URL, else the scheme and Host the client used (every answer then
// says it varies with Host: varyHost).
func (s *Server) base(_ http.ResponseWriter, r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// varyHost tells caches that answers depend on the Host header, when
// links are built from it (no public URL configured).
func (s *Server) varyHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.PublicURL == "" {
			w.Header().Add("Vary", "Host")
		}
		next.ServeHTTP(w, r)
	})
}
