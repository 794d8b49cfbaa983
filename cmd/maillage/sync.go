package main

import (
	"context"
	"flag"
	"fmt"
)

func cmdSync(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	out := fs.String("out", "", "directory for lieux.csv, lieux.geojson, provenance.csv, report.json (default: config out)")
	only := fs.String("source", "", "harvest only this source")
	if _, err := parseFlags(fs, args); err != nil {
		return 2
	}
	a, err := wire(ctx, env, *configPath)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage sync: %v\n", err)
		return 1
	}
	defer a.store.Close()
	dir := *out
	if dir == "" {
		dir = a.cfg.Out
	}
	rep, err := a.syncOnce(ctx, dir, *only)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage sync: %v\n", err)
		return 1
	}
	printSummary(env.stderr, rep, dir)
	return 0
}
