package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/store"
)

// SourceStatus is what an operator asks of a source: its kind and
// schedule, its last applied harvest, its last failure or hold, and when
// it runs next.
type SourceStatus struct {
	Name        string     `json:"name"`
	Kind        string     `json:"kind"`
	Schedule    string     `json:"schedule"`
	Status      string     `json:"status"` // of the latest run; "" when never run
	LastSuccess *time.Time `json:"last_success,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	Records     int        `json:"records"` // fetched by the last applied harvest
	Held        bool       `json:"held"`
	NextRun     *time.Time `json:"next_run,omitempty"`
}

// Public is the status as anyone may read it (GET /api/v1/sources): the
// error without URLs, addresses nor paths (PublicError).
func (s SourceStatus) Public() SourceStatus {
	s.LastError = PublicError(s.LastError)
	return s
}

// Statuses gives every configured source's status; next, when not nil,
// gives the live scheduler's next runs, else they are computed from the
// schedules.
func Statuses(ctx context.Context, st store.Store, cfg *config.Config, now time.Time, next map[string]time.Time) ([]SourceStatus, error) {
	latest, err := st.LatestSourceRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	byName := map[string]store.SourceRun{}
	for _, r := range latest {
		byName[r.Source] = r
	}
	out := make([]SourceStatus, 0, len(cfg.Sources))
	for _, src := range cfg.Sources {
		s := SourceStatus{Name: src.Name, Kind: src.Kind, Schedule: cfg.ScheduleOf(src)}
		if r, ok := byName[src.Name]; ok {
			s.Status, s.Held = r.Status, r.Status == store.RunHeld
			if r.Status == store.RunFailed || r.Status == store.RunHeld {
				s.LastError = r.Error
			}
		}
		good, ok, err := st.LastGoodSourceRun(ctx, src.Name)
		if err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		if ok {
			at := good.FinishedAt
			s.LastSuccess, s.Records = &at, good.Fetched
		}
		if src.On() {
			s.NextRun = nextRun(s.Schedule, byName[src.Name].StartedAt, now, next, src.Name)
		} else {
			s.Status, s.Schedule = "disabled", "—"
		}
		out = append(out, s)
	}
	return out, nil
}

func nextRun(spec string, last, now time.Time, next map[string]time.Time, name string) *time.Time {
	if t, ok := next[name]; ok {
		return &t
	}
	t, err := harvest.NextRun(spec, last, now)
	if err != nil {
		return nil
	}
	return &t
}
