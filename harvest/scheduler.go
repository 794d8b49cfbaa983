package harvest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
)

// Elector tells whether this instance is the one that runs scheduled
// jobs (gocron's distributed elector).
type Elector interface {
	IsLeader(ctx context.Context) error
}

// Job is one scheduled task: a source's harvest.
type Job struct {
	Name string
	// Spec is "@every <duration>" or a five-field cron expression.
	Spec string
	// Timeout bounds one run (0: none).
	Timeout time.Duration
	Run     func(ctx context.Context)
}

// SchedulerOptions tune a scheduler.
type SchedulerOptions struct {
	// RunNow also runs every job as soon as the scheduler starts.
	RunNow bool
	// Jitter delays each run by a random duration below it, so that
	// sources sharing a schedule do not all start at once.
	Jitter time.Duration
	// Elector, when set, runs the jobs only on the instance it elects.
	Elector Elector
	// Clock is the scheduler's clock (nil: the real one; tests pass a
	// fake).
	Clock clockwork.Clock
}

// Scheduler runs each job on its own schedule: a job never overlaps
// itself (a run still going when the next is due delays it), and jobs do
// not wait for one another.
type Scheduler struct {
	s    gocron.Scheduler
	jobs map[string]gocron.Job
}

// NewScheduler schedules the jobs.
func NewScheduler(ctx context.Context, jobs []Job, opts SchedulerOptions) (*Scheduler, error) {
	sopts := []gocron.SchedulerOption{gocron.WithLocation(time.UTC)}
	if opts.Elector != nil {
		sopts = append(sopts, gocron.WithDistributedElector(opts.Elector))
	}
	if opts.Clock != nil {
		sopts = append(sopts, gocron.WithClock(opts.Clock))
	}
	s, err := gocron.NewScheduler(sopts...)
	if err != nil {
		return nil, fmt.Errorf("harvest: scheduler: %w", err)
	}
	sched := &Scheduler{s: s, jobs: map[string]gocron.Job{}}
	for _, j := range jobs {
		if err := sched.add(ctx, j, opts); err != nil {
			s.Shutdown()
			return nil, err
		}
	}
	return sched, nil
}

func (s *Scheduler) add(ctx context.Context, j Job, opts SchedulerOptions) error {
	def, err := jobDefinition(j.Spec)
	if err != nil {
		return fmt.Errorf("harvest: %s: %w", j.Name, err)
	}
	jopts := []gocron.JobOption{gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithName(j.Name)}
	if opts.RunNow {
		jopts = append(jopts, gocron.WithStartAt(gocron.WithStartImmediately()))
	}
	clock := opts.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	task := func() {
		if opts.Jitter > 0 {
			clock.Sleep(rand.N(opts.Jitter))
		}
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		if j.Timeout > 0 { // on the scheduler's clock, fake in tests
			t := clock.AfterFunc(j.Timeout, cancel)
			defer t.Stop()
		}
		j.Run(runCtx)
	}
	job, err := s.s.NewJob(def, gocron.NewTask(task), jopts...)
	if err != nil {
		return fmt.Errorf("harvest: schedule %q of %s: %w", j.Spec, j.Name, err)
	}
	s.jobs[j.Name] = job
	return nil
}

// ValidateSpec checks a schedule: "@every <duration>" (at least 1 s) or
// a five-field cron expression.
func ValidateSpec(spec string) error {
	def, err := jobDefinition(spec)
	if err != nil || strings.HasPrefix(spec, "@every ") {
		return err
	}
	s, err := gocron.NewScheduler() // gocron parses a cron expression when a job is made of it
	if err != nil {
		return err
	}
	defer s.Shutdown()
	if _, err := s.NewJob(def, gocron.NewTask(func() {})); err != nil {
		return fmt.Errorf("schedule %q: %w", spec, err)
	}
	return nil
}

func jobDefinition(spec string) (gocron.JobDefinition, error) {
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("schedule %q: a duration of at least 1s expected", spec)
		}
		return gocron.DurationJob(d), nil
	}
	return gocron.CronJob(spec, false), nil
}

// NextRuns gives each job's next run time.
func (s *Scheduler) NextRuns() map[string]time.Time {
	out := make(map[string]time.Time, len(s.jobs))
	for name, j := range s.jobs {
		if t, err := j.NextRun(); err == nil {
			out[name] = t
		}
	}
	return out
}

// Start starts the scheduler.
func (s *Scheduler) Start() { s.s.Start() }

// Shutdown stops it, waiting for running jobs.
func (s *Scheduler) Shutdown() error { return s.s.Shutdown() }

// NextRun is when a schedule next fires after now, for a job last
// started at last (zero: never): an interval counts from the last start,
// a cron expression from now.
func NextRun(spec string, last, now time.Time) (time.Time, error) {
	def, err := jobDefinition(spec)
	if err != nil {
		return time.Time{}, err
	}
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		d, _ := time.ParseDuration(strings.TrimSpace(rest))
		if last.IsZero() || last.Add(d).Before(now) {
			return now, nil
		}
		return last.Add(d), nil
	}
	s, err := gocron.NewScheduler(gocron.WithClock(clockwork.NewFakeClockAt(now)), gocron.WithLocation(time.UTC))
	if err != nil {
		return time.Time{}, err
	}
	defer s.Shutdown()
	j, err := s.NewJob(def, gocron.NewTask(func() {}))
	if err != nil {
		return time.Time{}, fmt.Errorf("schedule %q: %w", spec, err)
	}
	s.Start() // gocron computes next runs once started
	return j.NextRun()
}
