// Package api serves maillage over HTTP: the lieux as GeoJSON with bbox
// filtering and stable cursor pagination, single lieux with redirects for
// retired ids, the open-data exports, and health. One route table; handlers
// are methods; no SQL here.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/maillage/maillage/store"
)

// Server holds the API's dependencies.
type Server struct {
	store   store.Store
	log     *slog.Logger
	started time.Time
	// LastSync reports the end of the latest sync, for /healthz.
	lastSync atomic.Pointer[time.Time]
	requests atomic.Int64
	errors   atomic.Int64
	// Statuses, when set, answers /api/v1/sources with the configured
	// sources' statuses (next runs included) instead of the bare runs.
	Statuses func(ctx context.Context) (any, error)
	// Admin, when set, enables the administrator's routes.
	Admin *Admin
	// PublicURL, when set, is the scheme, host and path prefix of the
	// links the API writes (server.public_url); else the request's Host.
	PublicURL string
}

// New returns an API server over a store.
func New(st store.Store, log *slog.Logger) *Server {
	return &Server{store: st, log: log, started: time.Now().UTC()}
}

// SyncFinished records the time of the latest sync.
func (s *Server) SyncFinished(at time.Time) { s.lastSync.Store(&at) }

// Handler returns the route table.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	// GetHead answers HEAD on every GET route (the body is not sent)
	r.Use(middleware.RequestID, s.logRequests, middleware.Recoverer, middleware.GetHead, s.varyHost)
	r.Get("/", s.landing)
	r.Get("/healthz", s.healthz)
	r.Get("/api/v1/lieux", s.listLieux)
	r.Get("/api/v1/lieux/{id}", s.getLieu)
	r.Get("/api/v1/sources", s.listSources)
	r.Post("/api/v1/sources/{name}/sync", s.syncSource)
	r.Get("/exports/lieux.csv", s.exportCSV)
	r.Get("/exports/lieux.geojson", s.exportGeoJSON)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, http.StatusNotFound, "no such route: "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allowed := allowedMethods(r, req.URL.Path)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.problem(w, req, http.StatusMethodNotAllowed, req.Method+" is not allowed on "+req.URL.Path+" (allowed: "+strings.Join(allowed, ", ")+")")
	})
	return r
}

// allowedMethods lists the methods the route table answers on path.
func allowedMethods(routes chi.Routes, path string) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if routes.Match(chi.NewRouteContext(), m, path) || m == http.MethodHead && slices.Contains(out, http.MethodGet) {
			out = append(out, m)
		}
	}
	return out
}

// logRequests writes one slog line per request and counts errors.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		s.requests.Add(1)
		level := slog.LevelInfo
		if ww.Status() >= 500 {
			s.errors.Add(1)
			level = slog.LevelError
		}
		s.log.Log(r.Context(), level, "http_request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
			"status", ww.Status(), "bytes", ww.BytesWritten(), "duration_ms", time.Since(start).Milliseconds(),
			"request_id", middleware.GetReqID(r.Context()), "remote_addr", r.RemoteAddr)
	})
}
