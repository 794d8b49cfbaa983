package api

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit bounds the requests of each client address: a token bucket
// of Burst tokens refilled at PerSecond; a request finding it empty is
// answered 429 with Retry-After. The zero value limits nothing.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// maxBuckets bounds the client addresses remembered: past it, the
// buckets full again (idle addresses) are dropped, and if none is, every
// address starts afresh.
const maxBuckets = 100_000

// limiter holds the buckets, by client address (keyed on the address
// without its port; a bucket is forgotten once full again, as it then
// says nothing a new one would not).
type limiter struct {
	rate    RateLimit
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate RateLimit, now func() time.Time) *limiter {
	return &limiter{rate: rate, now: now, buckets: map[string]*bucket{}}
}

// take spends a token of addr's bucket, or says how long until one is
// there.
func (l *limiter) take(addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[addr]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.forgetFull(now)
		}
		b = &bucket{tokens: float64(l.rate.Burst), at: now}
		l.buckets[addr] = b
	}
	b.tokens = math.Min(float64(l.rate.Burst), b.tokens+now.Sub(b.at).Seconds()*l.rate.PerSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate.PerSecond * float64(time.Second))
}

func (l *limiter) forgetFull(now time.Time) {
	for addr, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate.PerSecond >= float64(l.rate.Burst) {
			delete(l.buckets, addr)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// rateLimited answers 429 to a client address past its rate.
func (s *Server) rateLimited(next http.Handler) http.Handler {
	if s.RateLimit.PerSecond <= 0 {
		return next
	}
	l := newLimiter(s.RateLimit, s.now)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			addr = r.RemoteAddr
		}
		if ok, wait := l.take(addr); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			s.problem(w, r, http.StatusTooManyRequests, "too many requests from your address: at most "+
				strconv.FormatFloat(s.RateLimit.PerSecond, 'f', -1, 64)+" per second on average; retry after the Retry-After header's seconds")
			return
		}
		next.ServeHTTP(w, r)
	})
}
