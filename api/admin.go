package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// ErrUnknownSource and ErrBusy are what a Trigger may answer.
var (
	ErrUnknownSource = errors.New("no source of this name")
	ErrBusy          = errors.New("a harvest of this source is running")
)

// Admin holds the administrator's routes: a bearer token
// (MAILLAGE_ADMIN_TOKEN) and what to do on a request to harvest a source
// now (started in the background; nil error means started).
type Admin struct {
	Token   string
	Trigger func(ctx context.Context, source string) error
}

// syncSource starts a harvest of one source: 202 Accepted, 404 for an
// unknown source, 409 when one is running, 401 without the token (403
// when no token is configured: the route is off).
func (s *Server) syncSource(w http.ResponseWriter, r *http.Request) {
	if s.Admin == nil || s.Admin.Token == "" {
		s.problem(w, r, http.StatusForbidden, "administration is off: set MAILLAGE_ADMIN_TOKEN")
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.Admin.Token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="maillage"`)
		s.problem(w, r, http.StatusUnauthorized, "a bearer token (MAILLAGE_ADMIN_TOKEN) is required")
		return
	}
	name := chi.URLParam(r, "name")
	switch err := s.Admin.Trigger(r.Context(), name); {
	case errors.Is(err, ErrUnknownSource):
		s.problem(w, r, http.StatusNotFound, "no source named "+name)
	case errors.Is(err, ErrBusy):
		s.problem(w, r, http.StatusConflict, "a harvest of "+name+" is already running")
	case err != nil:
		s.internalError(w, r, err)
	default:
		w.Header().Set("Location", "/api/v1/sources")
		s.writeJSON(w, r, http.StatusAccepted, contentJSON, map[string]any{"source": name, "status": "started"})
	}
}
