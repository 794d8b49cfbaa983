package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/maillage/maillage/stats"
)

// statsScope reads the territoire parameter of the stats routes.
func (s *Server) statsScope(w http.ResponseWriter, r *http.Request) (stats.Scope, bool) {
	for name := range r.URL.Query() {
		if name != "territoire" {
			s.problem(w, r, http.StatusBadRequest, "unknown parameter "+name+" (the stats take territoire)")
			return stats.Scope{}, false
		}
	}
	scope, err := stats.ScopeOf(r.URL.Query().Get("territoire"))
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "territoire: "+err.Error())
		return scope, false
	}
	return scope, true
}

// StatsReport is the observatoire's report of a scope over the read model
// served (the web page reads it too).
func (s *Server) StatsReport(scope stats.Scope) (*stats.Report, []stats.Lieu) {
	m := s.models.Current()
	return s.stats.Report(m, scope), s.stats.Lieux(m)
}

// statsJSON answers /api/v1/stats: the figures of France or of a
// territory.
func (s *Server) statsJSON(w http.ResponseWriter, r *http.Request) {
	scope, ok := s.statsScope(w, r)
	if !ok {
		return
	}
	m := s.models.Current()
	if notModified(w, r, `W/"stats-s`+strconv.FormatInt(m.Seq, 10)+"-"+scope.Kind+scope.Code+`"`, m.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	report, _ := s.StatsReport(scope)
	s.writeJSON(w, r, http.StatusOK, contentJSON, report)
}

// statsCSV answers /api/v1/stats/{table}.csv: one table of the figures.
func (s *Server) statsCSV(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "table")
	if !slices.Contains(stats.TableNames, name) {
		s.problem(w, r, http.StatusNotFound, "no table "+name+" ("+strings.Join(stats.TableNames, ", ")+")")
		return
	}
	scope, ok := s.statsScope(w, r)
	if !ok {
		return
	}
	report, lieux := s.StatsReport(scope)
	for _, t := range stats.Tables(report, lieux) {
		if t.Name == name {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="observatoire-`+name+`.csv"`)
			if err := t.WriteCSV(w); err != nil {
				s.log.Error("export_failed", "export", name, "error", err)
			}
			return
		}
	}
}
