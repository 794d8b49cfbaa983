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
	// Running says a harvest of the source is under way (serve knows).
	Running bool `json:"running,omitempty"`
	// Peer is where a peer source stands in its peer's feed.
	Peer *PeerStatus `json:"peer,omitempty"`
}

// PeerStatus is a peer source's checkpoint: the peer instance, the
// position read up to, whether a snapshot was read to its end, the time
// of the last change read, and the lag: how long since a harvest last
// reached the feed's end (nil before the first).
type PeerStatus struct {
	Instance    string     `json:"instance"`
	Position    int64      `json:"position"`
	Complete    bool       `json:"snapshot_complete"`
	LastEventAt *time.Time `json:"last_event_at,omitempty"`
	CaughtUpAt  *time.Time `json:"caught_up_at,omitempty"`
	LagSeconds  *int64     `json:"lag_seconds,omitempty"`
}

func peerStatus(ctx context.Context, st store.Store, source string, now time.Time) (*PeerStatus, error) {
	cp, ok, err := st.PeerCheckpoint(ctx, source)
	if err != nil || !ok {
		return nil, err
	}
	ps := &PeerStatus{Instance: cp.Instance, Position: cp.Position, Complete: cp.Complete}
	if !cp.LastEventAt.IsZero() {
		ps.LastEventAt = &cp.LastEventAt
	}
	if !cp.CaughtUpAt.IsZero() {
		lag := int64(now.Sub(cp.CaughtUpAt).Seconds())
		ps.CaughtUpAt, ps.LagSeconds = &cp.CaughtUpAt, &lag
	}
	return ps, nil
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
		if src.Kind == "peer" {
			if s.Peer, err = peerStatus(ctx, st, src.Name, now); err != nil {
				return nil, fmt.Errorf("pipeline: %w", err)
			}
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
