package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"

	"github.com/maillage/maillage/api"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
)

func cmdServe(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	addr := fs.String("addr", "", "listen address (default: config server.addr)")
	if _, err := parseFlags(fs, args); err != nil {
		return 2
	}
	a, err := wire(ctx, env, *configPath)
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

// serve runs the scheduled syncs and the HTTP server until ctx ends, then
// shuts both down gracefully.
func (a *app) serve(ctx context.Context, env environment) error {
	srv := api.New(a.store, a.log)
	job := func(ctx context.Context) {
		rep, err := a.syncOnce(ctx, a.cfg.Out, pipeline.Options{})
		if err != nil {
			a.log.Error("sync_failed", "error", err)
			return
		}
		srv.SyncFinished(rep.FinishedAt)
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
		job(ctx) // with several instances, only the leader
	}
	var elector harvest.Elector
	if a.elector != nil {
		elector = a.elector
		defer a.elector.Resign(context.WithoutCancel(ctx))
	}
	sched, err := harvest.NewScheduler(ctx, a.cfg.Schedule, a.cfg.SyncOnStart && !syncFirst, job, elector)
	if err != nil {
		return err
	}
	sched.Start()
	defer sched.Shutdown()
	return a.listen(ctx, srv.Handler())
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
