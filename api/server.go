// Package api serves maillage over HTTP: OGC API – Features (landing,
// conformance, the lieux collection, its items and queryables, the
// OpenAPI document), the search near a person, single lieux with
// redirects for retired ids, the open-data exports, the sources' status
// and health. The lieux come from the read model the server owns
// (readmodel.Holder), rebuilt on publication: no request reads the store
// for lieux. One route table; handlers are methods; no SQL here.
package api

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/stats"
	"github.com/maillage/maillage/store"
)

// Server holds the API's dependencies.
type Server struct {
	store   store.Store
	models  *readmodel.Holder
	log     *slog.Logger
	started time.Time
	// Now is the clock of « ouvert maintenant » and of timestamps.
	Now func() time.Time
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
	// Published, when set, is the directory sync writes the open-data
	// files into (out): /exports/datapackage.json and the dated snapshots
	// of /exports/archive/ are served from it.
	Published string
	// RateLimit bounds each client address's requests (server.rate_limit).
	RateLimit RateLimit
	// writers are the response buffers of the feature pages, reused from
	// request to request (they hold nothing between two).
	writers sync.Pool
	tiles   *tileCache
	// stats keeps the observatoire's reports of the read model served.
	stats stats.Cache
	// instance caches the store's instance id, which never changes.
	instance atomic.Pointer[string]
}

// New returns an API server over a store, serving the empty read model
// until Refresh.
func New(st store.Store, log *slog.Logger) *Server {
	s := &Server{store: st, models: readmodel.NewHolder(st, log), log: log, started: time.Now().UTC(), Now: time.Now, tiles: newTileCache(tileCacheBytes)}
	s.writers.New = func() any { return bufio.NewWriterSize(nil, 32<<10) }
	return s
}

// Refresh reads the published lieux into a new read model when they
// changed since the one served, and serves it from then on (after each
// publication).
func (s *Server) Refresh(ctx context.Context) error { return s.models.Refresh(ctx) }

// Watch refreshes the read model every interval until ctx ends: another
// instance's publications into a shared store are then served too.
func (s *Server) Watch(ctx context.Context, every time.Duration) { s.models.Watch(ctx, every) }

func (s *Server) now() time.Time { return s.Now() }

// instanceID is this instance's identity (store.InstanceID), read once.
func (s *Server) instanceID(ctx context.Context) (string, error) {
	if id := s.instance.Load(); id != nil {
		return *id, nil
	}
	id, err := s.store.InstanceID(ctx)
	if err != nil {
		return "", err
	}
	s.instance.Store(&id)
	return id, nil
}

// Model is the read model served now (the web pages read it too).
func (s *Server) Model() *readmodel.Model { return s.models.Current() }

// SyncFinished records the time of the latest sync.
func (s *Server) SyncFinished(at time.Time) { s.lastSync.Store(&at) }

// Handler returns the route table.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	// GetHead answers HEAD on every GET route (the body is not sent)
	r.Use(middleware.RequestID, s.logRequests, middleware.Recoverer, cors, s.rateLimited, middleware.GetHead, s.varyHost,
		middleware.Compress(5, contentJSON, contentGeoJSON, contentProblem, contentOpenAPI, contentSchema, contentMVT, "text/csv"))
	r.Get("/", s.landing)
	r.Get("/conformance", s.conformance)
	r.Get("/api", s.openAPI)
	r.Get("/collections", s.collections)
	r.Get("/collections/lieux", s.collection)
	r.Get("/collections/lieux/queryables", s.queryables)
	r.Get("/collections/lieux/schema", s.featureSchema)
	r.Get("/collections/lieux/items", s.items)
	r.Get("/collections/lieux/items/{id}", s.item)
	r.Get("/tiles/lieux/{z}/{x}/{y}.mvt", s.tile)
	r.Get("/tiles/lieux.json", s.tileJSON)
	r.Get("/healthz", s.healthz)
	r.Get("/api/v1/lieux", s.items)
	r.Get("/api/v1/lieux/{id}", s.item)
	r.Get("/api/v1/suggest", s.suggest)
	r.Get("/api/v1/changes", s.changes)
	r.Get("/api/v1/stats", s.statsJSON)
	r.Get("/api/v1/stats/{table}.csv", s.statsCSV)
	r.Get("/api/v1/sources", s.listSources)
	r.Post("/api/v1/sources/{name}/sync", s.syncSource)
	r.Get("/exports/lieux.{format}", s.exportLieux)
	r.Get("/exports/datapackage.json", s.dataPackage)
	r.Get("/exports/provenance.csv", s.provenance)
	r.Get("/exports/archive/", s.archiveIndex)
	r.Get("/exports/archive/{date}/{file}", s.archiveFile)
	r.Get("/exports/{kind}/{code}/lieux.{format}", s.exportLieux)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, http.StatusNotFound, "no such route: "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allowed := allowedMethods(r, req.URL.Path)
		if req.Method == http.MethodOptions { // a browser's preflight, or a client asking
			w.Header().Set("Allow", strings.Join(append(allowed, http.MethodOptions), ", "))
			w.Header().Set("Access-Control-Allow-Methods", strings.Join(allowed, ", "))
			w.Header().Set("Access-Control-Allow-Headers", "Accept, Accept-Encoding, If-None-Match, If-Modified-Since, Authorization")
			w.Header().Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
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

// cors lets pages of any origin read the API (hub maps call it from the
// browser): every answer may be read; credentials are never involved.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "ETag, Last-Modified, Link, Retry-After")
		next.ServeHTTP(w, r)
	})
}
