// Package ratelimit bounds what each client address may do: a token
// bucket per address, of Burst tokens refilled at PerSecond.
package ratelimit

import (
	"math"
	"net"
	"net/http"
	"sync"
	"time"
)

// Rate is a bucket's size and refill rate. The zero value limits nothing.
type Rate struct {
	PerSecond float64
	Burst     int
}

// maxBuckets bounds the client addresses remembered: past it, the
// buckets full again (idle addresses) are dropped, and if none is, every
// address starts afresh.
const maxBuckets = 100_000

// Limiter holds the buckets, by client address (keyed on the address
// without its port; a bucket is forgotten once full again, as it then
// says nothing a new one would not).
type Limiter struct {
	rate    Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter at rate, on a clock.
func New(rate Rate, now func() time.Time) *Limiter {
	return &Limiter{rate: rate, now: now, buckets: map[string]*bucket{}}
}

// Take spends a token of addr's bucket, or says how long until one is
// there.
func (l *Limiter) Take(addr string) (bool, time.Duration) {
	if l.rate.PerSecond <= 0 {
		return true, 0
	}
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

func (l *Limiter) forgetFull(now time.Time) {
	for addr, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate.PerSecond >= float64(l.rate.Burst) {
			delete(l.buckets, addr)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// ClientAddr is a request's client address, without its port.
func ClientAddr(r *http.Request) string {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return addr
}
