// Package memo is a small bounded cache for pure functions whose inputs
// repeat (a source's values recur on every row).
package memo

import "sync"

// Map caches results by key; safe for concurrent use. When it holds Size
// entries it is emptied, which bounds memory without bookkeeping.
type Map[K comparable, V any] struct {
	mu   sync.Mutex
	m    map[K]V
	Size int
}

// Get returns the cached value of key.
func (c *Map[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// Put caches the value of key.
func (c *Map[K, V]) Put(key K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.Size {
		c.m = make(map[K]V, c.Size)
	}
	c.m[key] = v
}

// Do returns the cached value of key, computing and caching it if absent.
func (c *Map[K, V]) Do(key K, compute func() V) V {
	if v, ok := c.Get(key); ok {
		return v
	}
	v := compute()
	c.Put(key, v)
	return v
}
