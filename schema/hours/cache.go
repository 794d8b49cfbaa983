package hours

import "sync"

// Sources repeat the same hours over thousands of rows ("09:00 - 12:00 /
// 13:30 - 17:00"); conversions are pure, so their results are memoised.

type result struct {
	out string
	err error
}

// memo is a bounded, concurrency-safe cache; it is emptied when full.
type memo struct {
	mu sync.Mutex
	m  map[string]result
}

const memoSize = 8192

var textCache, daysCache memo

func (c *memo) get(k string) (result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[k]
	return r, ok
}

func (c *memo) put(k string, r result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= memoSize {
		c.m = make(map[string]result, memoSize)
	}
	c.m[k] = r
}
