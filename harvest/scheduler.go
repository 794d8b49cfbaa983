package harvest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// Elector tells whether this instance is the one that runs scheduled
// jobs (gocron's distributed elector).
type Elector interface {
	IsLeader(ctx context.Context) error
}

// Scheduler runs a job on a schedule, never two at once.
type Scheduler struct {
	s gocron.Scheduler
}

// NewScheduler schedules job by spec: "@every <duration>" or a five-field
// cron expression; runNow also runs it as soon as the scheduler starts. A
// run still going when the next is due delays it. With an elector, a run
// happens only on the instance it elects (several instances, one
// database).
func NewScheduler(ctx context.Context, spec string, runNow bool, job func(context.Context), elector Elector) (*Scheduler, error) {
	sopts := []gocron.SchedulerOption{gocron.WithLocation(time.UTC)}
	if elector != nil {
		sopts = append(sopts, gocron.WithDistributedElector(elector))
	}
	s, err := gocron.NewScheduler(sopts...)
	if err != nil {
		return nil, fmt.Errorf("harvest: scheduler: %w", err)
	}
	def, err := jobDefinition(spec)
	if err != nil {
		return nil, err
	}
	opts := []gocron.JobOption{gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithName("sync")}
	if runNow {
		opts = append(opts, gocron.WithStartAt(gocron.WithStartImmediately()))
	}
	_, err = s.NewJob(def, gocron.NewTask(func() { job(ctx) }), opts...)
	if err != nil {
		return nil, fmt.Errorf("harvest: schedule %q: %w", spec, err)
	}
	return &Scheduler{s: s}, nil
}

func jobDefinition(spec string) (gocron.JobDefinition, error) {
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("harvest: schedule %q: a duration of at least 1s expected", spec)
		}
		return gocron.DurationJob(d), nil
	}
	return gocron.CronJob(spec, false), nil
}

// Start starts the scheduler.
func (s *Scheduler) Start() { s.s.Start() }

// Shutdown stops it, waiting for a running job.
func (s *Scheduler) Shutdown() error { return s.s.Shutdown() }
