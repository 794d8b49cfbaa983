package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maillage/maillage/api"
	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/web"
)

func cmdServe(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	addr := fs.String("addr", "", "listen address (default: config server.addr)")
	if _, err := parseFlags(fs, args); err != nil {
		return 2
	}
	a, err := wire(ctx, env, *configPath, false)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage serve: %v\n", err)
		return 1
	}
	defer a.store.Close()
	if *addr != "" {
		a.cfg.Server.Addr = *addr
	}
	if err := a.serve(ctx, env); err != nil {
		fmt.Fprintf(env.stderr, "maillage serve: %v\n", err)
		return 1
	}
	return 0
}

// serve runs each source's scheduled harvests and the HTTP server until
// ctx ends, then shuts both down gracefully.
func (a *app) serve(ctx context.Context, env environment) error {
	srv := api.New(a.store, a.log)
	srv.PublicURL = a.cfg.Server.PublicURL
	srv.Published = a.cfg.Out
	srv.RateLimit = api.RateLimit{PerSecond: a.cfg.Server.RateLimit, Burst: a.cfg.Server.RateBurst}
	runSource := func(ctx context.Context, only string) {
		rep, err := a.syncOnce(ctx, a.cfg.Out, pipeline.Options{Only: only})
		if err != nil {
			a.log.Error("sync_failed", "source", only, "error", err)
			return
		}
		srv.SyncFinished(rep.FinishedAt)
		if err := srv.Refresh(ctx); err != nil {
			a.log.Error("read_model_refresh_failed", "error", err)
		}
		printSummary(env.stderr, rep, a.cfg.Out)
	}
	// On first boot there is nothing to serve: sync before listening. With
	// data already stored, listen at once and sync in the background.
	v, err := a.store.Version(ctx)
	if err != nil {
		return err
	}
	syncFirst := a.cfg.SyncOnStart && v.Count == 0
	if syncFirst && (a.elector == nil || a.elector.IsLeader(ctx) == nil) {
		runSource(ctx, "") // with several instances, only the leader
	}
	busy := newSourceLocks(a.cfg)
	defer busy.started.Wait() // harvests an administrator started end with serve
	opts := harvest.SchedulerOptions{RunNow: a.cfg.SyncOnStart && !syncFirst, Jitter: a.cfg.Harvest.Jitter}
	if a.elector != nil {
		opts.Elector = a.elector
		defer a.elector.Resign(context.WithoutCancel(ctx))
	}
	jobs := a.sourceJobs(busy.guard(runSource, a.log))
	if job, ok := a.publishJob(); ok {
		jobs = append(jobs, job)
	}
	sched, err := harvest.NewScheduler(ctx, jobs, opts)
	if err != nil {
		return err
	}
	sources := sourceInfo{a: a, next: sched.NextRuns, running: busy.running}
	srv.Statuses = func(ctx context.Context) (any, error) { return sources.Statuses(ctx) }
	srv.Admin = &api.Admin{Token: a.cfg.AdminToken, Trigger: func(rctx context.Context, name string) error {
		if src, ok := a.cfg.Source(name); ok && !src.On() {
			return fmt.Errorf("%w: %s has enabled: false", api.ErrDisabled, name)
		}
		if a.elector != nil && a.elector.IsLeader(rctx) != nil {
			return fmt.Errorf("%w: on the instance that leads the schedule", api.ErrBusy)
		}
		return busy.start(ctx, name, runSource) // the harvest lives as long as serve, not the request
	}}
	if err := srv.Refresh(ctx); err != nil {
		return err
	}
	var watching sync.WaitGroup
	defer watching.Wait()
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watching.Go(func() { srv.Watch(watchCtx, readModelPoll) }) // publications of other instances sharing the store
	sched.Start()
	defer sched.Shutdown()
	site := web.New(srv.Model, srv.Handler(), a.log)
	site.Reports, site.BasemapStyle, site.PublicURL, site.Sources = a.store, a.cfg.Server.BasemapStyle, a.cfg.Server.PublicURL, sources
	site.Stats = srv.StatsReport
	return a.listen(ctx, site.Handler())
}

// sourceInfo answers the sources pages and /api/v1/sources: the
// configured sources' public statuses, the live scheduler's next runs,
// and each source's quality report as the last publication wrote it.
type sourceInfo struct {
	a       *app
	next    func() map[string]time.Time
	running func(source string) bool
}

func (s sourceInfo) Statuses(ctx context.Context) ([]pipeline.SourceStatus, error) {
	statuses, err := pipeline.Statuses(ctx, s.a.store, s.a.cfg, time.Now().UTC(), s.next())
	for i := range statuses {
		statuses[i] = statuses[i].Public()
		statuses[i].Running = s.running(statuses[i].Name)
	}
	return statuses, err
}

func (s sourceInfo) Quality(_ context.Context, source string) (*pipeline.SourceQuality, bool, error) {
	return pipeline.ReadSourceQuality(s.a.cfg.Out, source)
}

// readModelPoll is how often serve checks whether another instance
// published into the shared store (one read of the lieux sequence).
const readModelPoll = 5 * time.Second

// sourceJobs gives each source its job: its own schedule and timeout.
func (a *app) sourceJobs(run func(ctx context.Context, only string)) []harvest.Job {
	jobs := make([]harvest.Job, 0, len(a.cfg.Sources))
	for _, s := range a.cfg.Sources {
		if !s.On() {
			continue
		}
		name := s.Name
		jobs = append(jobs, harvest.Job{Name: name, Spec: a.cfg.ScheduleOf(s), Timeout: s.TimeoutOf(),
			Run: func(ctx context.Context) { run(ctx, name) }})
	}
	return jobs
}

// publishJobName names the data.gouv.fr publication among the scheduled
// jobs, beside the sources' names.
const publishJobName = "data.gouv.fr publication"

// publishJob is the data.gouv.fr publication on datagouv.schedule, when
// the configuration has one, datasets and an API key.
func (a *app) publishJob() (harvest.Job, bool) {
	dg := a.cfg.Datagouv
	if dg.Schedule == "" || len(dg.Datasets) == 0 {
		return harvest.Job{}, false
	}
	pub, datasets, err := newPublisher(a.cfg, a.store, false)
	if err != nil {
		a.log.Error("datagouv_not_scheduled", "error", err)
		return harvest.Job{}, false
	}
	return harvest.Job{Name: publishJobName, Spec: dg.Schedule, Timeout: time.Hour, Run: func(ctx context.Context) {
		actions, err := pub.Publish(ctx, datasets)
		for _, act := range actions {
			if act.What != "unchanged" {
				a.log.Info("datagouv_action", "dataset", act.Dataset, "file", act.File, "what", act.What, "detail", act.Detail)
			}
		}
		if err != nil {
			a.log.Error("datagouv_publication_failed", "error", err)
		}
	}}, true
}

// sourceLocks keeps one harvest of a source at a time, scheduled or asked
// for by an administrator; wait waits for the latter.
type sourceLocks struct {
	mu map[string]*sync.Mutex
	// harvesting marks the sources whose harvest (and the publication
	// after it) is under way in this process.
	harvesting map[string]*atomic.Bool
	started    sync.WaitGroup
}

func newSourceLocks(cfg *config.Config) *sourceLocks {
	l := &sourceLocks{mu: map[string]*sync.Mutex{}, harvesting: map[string]*atomic.Bool{}}
	for _, s := range cfg.Sources {
		l.mu[s.Name], l.harvesting[s.Name] = &sync.Mutex{}, &atomic.Bool{}
	}
	return l
}

// running says whether a harvest of the source is under way here.
func (l *sourceLocks) running(name string) bool {
	h, ok := l.harvesting[name]
	return ok && h.Load()
}

// run runs a harvest whose lock is held, marked as under way.
func (l *sourceLocks) run(ctx context.Context, name string, run func(ctx context.Context, only string)) {
	l.harvesting[name].Store(true)
	defer l.harvesting[name].Store(false)
	run(ctx, name)
}

// guard wraps a harvest: a scheduled run finding one running skips its
// tick.
func (l *sourceLocks) guard(run func(ctx context.Context, only string), log *slog.Logger) func(ctx context.Context, only string) {
	return func(ctx context.Context, name string) {
		if !l.mu[name].TryLock() {
			log.Warn("source_busy", "source", name)
			return
		}
		defer l.mu[name].Unlock()
		l.run(ctx, name, run)
	}
}

// start runs a harvest in the background, unless one is running.
func (l *sourceLocks) start(ctx context.Context, name string, run func(ctx context.Context, only string)) error {
	mu, ok := l.mu[name]
	if !ok {
		return api.ErrUnknownSource
	}
	if !mu.TryLock() {
		return api.ErrBusy
	}
	l.started.Add(1)
	go func() {
		defer l.started.Done()
		defer mu.Unlock()
		l.run(ctx, name, run)
	}()
	return nil
}

func (a *app) listen(ctx context.Context, h http.Handler) error {
	c := a.cfg.Server
	hs := &http.Server{Addr: c.Addr, Handler: h, ReadHeaderTimeout: c.ReadHeaderTimeout, ReadTimeout: c.ReadTimeout,
		WriteTimeout: c.WriteTimeout, IdleTimeout: c.IdleTimeout, BaseContext: func(net.Listener) context.Context { return ctx }}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	a.log.Info("http_listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("http_shutting_down", "timeout", c.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
