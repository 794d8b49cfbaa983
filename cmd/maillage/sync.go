package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/maillage/maillage/pipeline"
)

func cmdSync(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	out := fs.String("out", "", "directory for lieux.csv, lieux.geojson, provenance.csv, report.json (default: config out)")
	only := fs.String("source", "", "harvest only this source")
	force := fs.Bool("force", false, "with --source: apply a harvest that safety holds would keep back")
	profile := fs.String("profile", "", "write a CPU profile of the sync and a heap profile at the end of each phase into this directory")
	if _, err := parseFlags(fs, args); err != nil {
		return 2
	}
	if *force && *only == "" {
		fmt.Fprintln(env.stderr, "maillage sync: --force applies one source's harvest: name it with --source")
		return 2
	}
	a, err := wire(ctx, env, *configPath, true)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage sync: %v\n", err)
		return 1
	}
	defer a.store.Close()
	a.pipeline.Progress = newProgress(env.stderr)
	if *profile != "" {
		prof, err := startProfile(*profile)
		if err != nil {
			fmt.Fprintf(env.stderr, "maillage sync: %v\n", err)
			return 1
		}
		defer func() {
			if err := prof.stop(); err != nil {
				fmt.Fprintf(env.stderr, "maillage sync: %v\n", err)
			}
		}()
		a.pipeline.Checkpoint = prof.heap
	}
	dir := *out
	if dir == "" {
		dir = a.cfg.Out
	}
	if err := a.cfg.CheckOut(dir); err != nil {
		fmt.Fprintf(env.stderr, "maillage sync: %v\n", err)
		return 2
	}
	rep, err := a.syncOnce(ctx, dir, pipeline.Options{Only: *only, Force: *force})
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage sync: %v\n", err)
		return 1
	}
	if a.pipeline.Checkpoint != nil {
		a.pipeline.Checkpoint("files")
	}
	printSummary(env.stderr, rep, dir)
	return 0
}
