package harvest_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/maillage/maillage/harvest"
)

func TestSchedulerRunsNow(t *testing.T) {
	ran := make(chan struct{}, 1)
	s, err := harvest.NewScheduler(context.Background(), []harvest.Job{{Name: "a", Spec: "@every 1h", Run: func(context.Context) { ran <- struct{}{} }}},
		harvest.SchedulerOptions{RunNow: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Shutdown()
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("runNow job did not run")
	}
}

func TestSchedulerSpec(t *testing.T) {
	for _, spec := range []string{"@every 6h", "@every 1s", "30 3 * * *"} {
		if err := harvest.ValidateSpec(spec); err != nil {
			t.Errorf("%s: %v", spec, err)
		}
	}
	for _, spec := range []string{"@every 500ms", "@every soon", "not cron", "61 * * * *"} {
		if err := harvest.ValidateSpec(spec); err == nil {
			t.Errorf("%s: want an error", spec)
		}
	}
}

// follower is an elector that never elects this instance.
type follower struct{}

func (follower) IsLeader(context.Context) error { return errors.New("another instance leads") }

func TestSchedulerRunsOnlyOnTheLeader(t *testing.T) {
	ran := make(chan struct{}, 10)
	s, err := harvest.NewScheduler(context.Background(), []harvest.Job{{Name: "a", Spec: "@every 1s", Run: func(context.Context) { ran <- struct{}{} }}},
		harvest.SchedulerOptions{RunNow: true, Elector: follower{}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	time.Sleep(2500 * time.Millisecond)
	s.Shutdown()
	if len(ran) != 0 {
		t.Errorf("a follower ran the job %d times", len(ran))
	}
}

// TestSchedulerPerSource is issue 8's acceptance point 4, on a fake clock:
// each source runs at its own times; a slow source never overlaps itself
// and does not delay the others; a run past its timeout is cancelled.
func TestSchedulerPerSource(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	runs := map[string][]time.Time{}
	running, overlaps := 0, 0
	release := make(chan struct{})
	cancelled := make(chan struct{}, 10)
	record := func(name string) { mu.Lock(); runs[name] = append(runs[name], clock.Now()); mu.Unlock() }
	jobs := []harvest.Job{
		{Name: "hub", Spec: "@every 10m", Run: func(context.Context) { record("hub") }},
		{Name: "departement", Spec: "*/15 * * * *", Run: func(context.Context) { record("departement") }},
		{Name: "slow", Spec: "@every 5m", Timeout: 12 * time.Minute, Run: func(ctx context.Context) {
			mu.Lock()
			if running++; running > 1 {
				overlaps++
			}
			mu.Unlock()
			record("slow")
			select {
			case <-release:
			case <-ctx.Done():
				cancelled <- struct{}{}
			}
			mu.Lock()
			running--
			mu.Unlock()
		}},
	}
	s, err := harvest.NewScheduler(context.Background(), jobs, harvest.SchedulerOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Shutdown()
	next := s.NextRuns()
	if next["hub"].Sub(clock.Now()) != 10*time.Minute || next["departement"].Minute()%15 != 0 {
		t.Errorf("next runs: %v", next)
	}
	for range 60 { // one hour, a minute at a time
		clock.Advance(time.Minute)
		time.Sleep(20 * time.Millisecond) // let the scheduler's goroutines act on each minute
	}
	close(release)
	mu.Lock()
	defer mu.Unlock()
	// counted in distinct instants: the fake clock moves by whole minutes
	// while the scheduler's goroutines catch up, so one instant may be seen twice
	// (on a copy: Compact zeroes the tail of the slice it is given)
	if n := len(slices.Compact(slices.Clone(runs["hub"]))); n < 5 || n > 6 {
		t.Errorf("hub every 10 min ran at %d instants in an hour: %v", n, runs["hub"])
	}
	for i, at := range runs["hub"][1:] {
		if gap := at.Sub(runs["hub"][i]); gap != 0 && gap < 10*time.Minute {
			t.Errorf("hub ran %v after its previous run (run %d of %v)", gap, i+1, runs["hub"])
		}
	}
	if n := len(slices.Compact(slices.Clone(runs["departement"]))); n < 3 || n > 4 {
		t.Errorf("departement at :00/:15/:30/:45 ran at %d instants: %v", n, runs["departement"])
	}
	for _, at := range runs["departement"] {
		if at.Minute()%15 != 0 {
			t.Errorf("departement ran at %v, off its cron times", at)
		}
	}
	if overlaps != 0 || len(cancelled) == 0 {
		t.Errorf("slow: %d overlapping runs, %d cancelled by its timeout", overlaps, len(cancelled))
	}
}
