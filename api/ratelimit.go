package api

import (
	"math"
	"net/http"
	"strconv"

	"github.com/maillage/maillage/internal/ratelimit"
)

// RateLimit bounds the requests of each client address: a token bucket
// of Burst tokens refilled at PerSecond; a request finding it empty is
// answered 429 with Retry-After. The zero value limits nothing.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// rateLimited answers 429 to a client address past its rate.
func (s *Server) rateLimited(next http.Handler) http.Handler {
	if s.RateLimit.PerSecond <= 0 {
		return next
	}
	l := ratelimit.New(ratelimit.Rate(s.RateLimit), s.now)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.Take(ratelimit.ClientAddr(r)); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			s.problem(w, r, http.StatusTooManyRequests, "too many requests from your address: at most "+
				strconv.FormatFloat(s.RateLimit.PerSecond, 'f', -1, 64)+" per second on average; retry after the Retry-After header's seconds")
			return
		}
		next.ServeHTTP(w, r)
	})
}
