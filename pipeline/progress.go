package pipeline

import (
	"math"
	"sync"
	"time"
)

// Stages a source's harvest goes through, in order.
const (
	StageFetch     = "fetching"
	StageDecode    = "decoding"
	StageNormalise = "normalising"
	StageGeocode   = "geocoding"
	StageStore     = "storing"
)

// Stages lists them in order (a progress bar's steps).
var Stages = []string{StageFetch, StageDecode, StageNormalise, StageGeocode, StageStore}

// Progress hears how each source's harvest goes; Pipeline.Progress nil
// means nobody listens. Sources harvested at once call it concurrently.
type Progress interface {
	// Stage: the source entered a stage; records is how many it has so
	// far (0 before decoding).
	Stage(source, stage string, records int)
	// Done: the source's harvest ended with this status (ok, failed,
	// held, not_modified) and error.
	Done(source, status, err string)
}

func (p *Pipeline) stage(source, stage string, records int) {
	if c, ok := p.clocks.Load(source); ok {
		c.(*stageClock).enter(stage)
	}
	if p.Progress != nil {
		p.Progress.Stage(source, stage, records)
	}
}

// stageClock times the stages of one source's harvest, by the wall
// clock (time.Now: a measurement, whatever clock the pipeline runs on).
type stageClock struct {
	mu      sync.Mutex
	current string
	since   time.Time
	spent   map[string]float64
}

func newStageClock() *stageClock { return &stageClock{spent: map[string]float64{}} }

// enter ends the current stage and starts another.
func (c *stageClock) enter(stage string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.current != "" {
		c.spent[c.current] += now.Sub(c.since).Seconds()
	}
	c.current, c.since = stage, now
}

// finish ends the current stage and returns the seconds spent in each.
func (c *stageClock) finish() map[string]float64 {
	c.enter("")
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range c.spent {
		c.spent[k] = math.Round(v*1000) / 1000
	}
	return c.spent
}

// timed adds the seconds fn takes to timings[name].
func timed(timings map[string]float64, name string, fn func() error) error {
	start := time.Now()
	err := fn()
	timings[name] += math.Round(time.Since(start).Seconds()*1000) / 1000
	return err
}
