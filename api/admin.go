package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// ErrUnknownSource, ErrDisabled and ErrBusy are what a Trigger may answer.
var (
	ErrUnknownSource = errors.New("no source of this name")
	ErrDisabled      = errors.New("the source is disabled")
	ErrBusy          = errors.New("a harvest of this source is running")
)

// Admin holds the administrator's routes: a bearer token
// (MAILLAGE_ADMIN_TOKEN) and what to do on a request to harvest a source
// now (started in the background; nil error means started).
type Admin struct {
	Token   string
	Trigger func(ctx context.Context, source string) error
	// failures counts wrong tokens by client address.
	failures failedTokens
}

// Failed-token limits: past maxFailures wrong tokens from one address
// within failureWindow, its requests are refused with 429 until the
// window's oldest failure is older than failureWindow.
const (
	maxFailures    = 5
	failureWindow  = time.Minute
	maxFailingIPs  = 10_000 // addresses remembered at most
	bearerRealm    = `Bearer realm="maillage"`
	tokenNeededMsg = "a bearer token (MAILLAGE_ADMIN_TOKEN) is required"
)

// failedTokens remembers the times of the recent wrong tokens of each
// client address. It keys on the address without its port, and forgets
// a failure once it is older than failureWindow.
type failedTokens struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

// blocked says how long the address must wait, or 0.
func (f *failedTokens) blocked(addr string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	recent := f.recent(addr, now)
	if len(recent) < maxFailures {
		return 0
	}
	return recent[0].Add(failureWindow).Sub(now)
}

// fail counts a wrong token of the address.
func (f *failedTokens) fail(addr string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.times == nil {
		f.times = map[string][]time.Time{}
	}
	if len(f.times) >= maxFailingIPs {
		for a := range f.times {
			f.recent(a, now) // forgets the addresses without recent failures
		}
		if len(f.times) >= maxFailingIPs {
			clear(f.times) // more addresses failing at once than remembered
		}
	}
	f.times[addr] = append(f.recent(addr, now), now)
}

// recent drops the address's failures older than the window.
func (f *failedTokens) recent(addr string, now time.Time) []time.Time {
	ts := f.times[addr]
	for len(ts) > 0 && now.Sub(ts[0]) >= failureWindow {
		ts = ts[1:]
	}
	if len(ts) == 0 {
		delete(f.times, addr)
		return nil
	}
	f.times[addr] = ts
	return ts
}

// clientAddr is the request's remote address without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// syncSource starts a harvest of one source: 202 Accepted, 404 for an
// unknown source, 409 when one is running or the source is disabled, 401
// without the token (403 when no token is configured: the route is off),
// 429 after repeated wrong tokens from one address.
func (s *Server) syncSource(w http.ResponseWriter, r *http.Request) {
	if s.Admin == nil || s.Admin.Token == "" {
		s.problem(w, r, http.StatusForbidden, "administration is off: set MAILLAGE_ADMIN_TOKEN")
		return
	}
	addr, now := clientAddr(r), time.Now()
	if wait := s.Admin.failures.blocked(addr, now); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.problem(w, r, http.StatusTooManyRequests, "too many wrong tokens from this address; retry later")
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.Admin.Token)) != 1 {
		s.Admin.failures.fail(addr, now)
		w.Header().Set("WWW-Authenticate", bearerRealm)
		s.problem(w, r, http.StatusUnauthorized, tokenNeededMsg)
		return
	}
	name := chi.URLParam(r, "name")
	switch err := s.Admin.Trigger(r.Context(), name); {
	case errors.Is(err, ErrUnknownSource):
		s.problem(w, r, http.StatusNotFound, "no source named "+quoted(name))
	case errors.Is(err, ErrDisabled):
		s.problem(w, r, http.StatusConflict, "source "+quoted(name)+" is disabled (enabled: false); `maillage sync --source NAME` harvests it on the command line")
	case errors.Is(err, ErrBusy):
		s.problem(w, r, http.StatusConflict, "a harvest of "+quoted(name)+" is already running")
	case err != nil:
		s.internalError(w, r, err)
	default:
		w.Header().Set("Location", "/api/v1/sources")
		s.writeJSON(w, r, http.StatusAccepted, contentJSON, map[string]any{"source": name, "status": "started"})
	}
}
