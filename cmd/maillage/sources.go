package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/maillage/maillage/pipeline"
)

// cmdSources prints every source's status: kind, schedule, last applied
// harvest, last error or hold, records, next run.
func cmdSources(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("sources", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) > 0 {
		return 2
	}
	a, err := wire(ctx, env, *configPath, true)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage sources: %v\n", err)
		return 1
	}
	defer a.store.Close()
	statuses, err := pipeline.Statuses(ctx, a.store, a.cfg, time.Now().UTC(), nil)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage sources: %v\n", err)
		return 1
	}
	printStatuses(env.stdout, statuses)
	return 0
}

func printStatuses(w io.Writer, statuses []pipeline.SourceStatus) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tSCHEDULE\tLAST SUCCESS\tRECORDS\tSTATUS\tNEXT RUN\tLAST ERROR")
	for _, s := range statuses {
		status := s.Status
		if status == "" {
			status = "never run"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.Name, s.Kind, s.Schedule, when(s.LastSuccess), s.Records, status,
			when(s.NextRun), truncate(s.LastError, 100))
	}
	tw.Flush()
	printPeers(w, statuses)
}

// printPeers lists where each peer source stands in its peer's feed.
func printPeers(w io.Writer, statuses []pipeline.SourceStatus) {
	var peers []pipeline.SourceStatus
	for _, s := range statuses {
		if s.Peer != nil {
			peers = append(peers, s)
		}
	}
	if len(peers) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER SOURCE\tINSTANCE\tCHECKPOINT\tSNAPSHOT\tLAST EVENT\tCAUGHT UP\tLAG")
	for _, s := range peers {
		p := s.Peer
		snapshot, lag := "in progress", "—"
		if p.Complete {
			snapshot = "complete"
		}
		if p.LagSeconds != nil {
			lag = (time.Duration(*p.LagSeconds) * time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", s.Name, p.Instance, p.Position, snapshot, when(p.LastEventAt), when(p.CaughtUpAt), lag)
	}
	tw.Flush()
}

func when(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
