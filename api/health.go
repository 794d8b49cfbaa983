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
	}
	m := s.models.Current()
	body["lieux"], body["data_version"] = m.Len(), m.Seq
	s.writeJSON(w, r, status, contentJSON, body)
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
