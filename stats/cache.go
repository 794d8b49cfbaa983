package stats

import (
	"sync"
	"time"

	"github.com/maillage/maillage/readmodel"
)

// Cache keeps the reports of the read model served: it keys on the
// model's lieux sequence (Seq) and the scope; a model of another
// sequence empties it. It holds at most cacheScopes reports.
type Cache struct {
	mu      sync.Mutex
	seq     int64
	lieux   []Lieu
	reports map[Scope]*Report
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

const cacheScopes = 256

// Report is the report of a scope over a model.
func (c *Cache) Report(m *readmodel.Model, scope Scope) *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	if c.reports == nil || c.seq != m.Seq {
		c.seq, c.reports = m.Seq, map[Scope]*Report{}
		c.lieux = FromModel(m, NextSaturday(now))
	}
	if r, ok := c.reports[scope]; ok {
		return r
	}
	if len(c.reports) >= cacheScopes {
		clear(c.reports)
	}
	r := Compute(scope, c.lieux, ReferentialCommunes(), now, TerritoryName)
	r.Scope = scope
	c.reports[scope] = r
	return r
}

// Lieux are the figures' lieux of a model (for Repartition).
func (c *Cache) Lieux(m *readmodel.Model) []Lieu {
	c.Report(m, Scope{Name: "France"})
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lieux
}
