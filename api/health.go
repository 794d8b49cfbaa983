package api

import (
	"context"
	"net/http"
	"time"

	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// healthz reports whether the store answers, with basic counters.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	body := map[string]any{"status": "ok", "started_at": s.started, "requests": s.requests.Load(), "errors_5xx": s.errors.Load()}
	if t := s.lastSync.Load(); t != nil {
		body["last_sync"] = *t
	}
	status := http.StatusOK
	if err := s.store.Ping(ctx); err != nil {
		body["status"], body["store"] = "unavailable", "the store does not answer; see the server log"
		s.log.Error("health_check_failed", "error", err)
		status = http.StatusServiceUnavailable
	} else if v, err := s.versionSoon(ctx); err == nil {
		body["lieux"], body["revision"] = v.Count, v.Revision
	} else {
		body["store"] = "busy: the counts are left out" // the store answers, its pool is taken
	}
	s.writeJSON(w, r, status, contentJSON, body)
}

// versionSoon asks the dataset's version, waiting for a connection of
// the store's pool a short while only.
func (s *Server) versionSoon(ctx context.Context) (store.Version, error) {
	ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	return s.store.Version(ctx)
}

// landing lists the entry points (OGC API style).
func (s *Server) landing(w http.ResponseWriter, r *http.Request) {
	base := s.base(w, r)
	s.writeJSON(w, r, http.StatusOK, contentJSON, map[string]any{
		"title":       "maillage — lieux de médiation numérique",
		"description": "Lieux de médiation numérique moissonnés, normalisés au schéma national v1.0.2 et dédoublonnés.",
		"links": []link{
			{Href: base + "/api/v1/lieux", Rel: "items", Type: contentGeoJSON, Title: "Lieux (GeoJSON, paginé)"},
			{Href: base + "/api/v1/sources", Rel: "data", Type: contentJSON, Title: "État des sources moissonnées"},
			{Href: base + "/exports/lieux.csv", Rel: "enclosure", Type: "text/csv", Title: "Export CSV au schéma national"},
			{Href: base + "/exports/lieux.geojson", Rel: "enclosure", Type: contentGeoJSON, Title: "Export GeoJSON"},
			{Href: base + "/healthz", Rel: "service-status", Type: contentJSON},
		},
	})
}

// listSources reports the latest harvest of every source: status, error
// and counts, so a hub sees at once whether its data came through.
func (s *Server) listSources(w http.ResponseWriter, r *http.Request) {
	if s.Statuses != nil {
		statuses, err := s.Statuses(r.Context())
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		s.writeJSON(w, r, http.StatusOK, contentJSON, map[string]any{"sources": statuses})
		return
	}
	runs, err := s.store.LatestSourceRuns(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if runs == nil {
		runs = []store.SourceRun{}
	}
	for i := range runs {
		runs[i].Error = pipeline.PublicError(runs[i].Error)
	}
	s.writeJSON(w, r, http.StatusOK, contentJSON, map[string]any{"sources": runs})
}
