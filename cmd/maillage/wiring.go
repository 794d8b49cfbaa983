package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/postgres"
	"github.com/maillage/maillage/store/sqlite"
)

// app is what sync and serve share once wired.
type app struct {
	cfg      *config.Config
	log      *slog.Logger
	store    store.Store
	pipeline *pipeline.Pipeline
	// elector picks the instance that runs the scheduled syncs when
	// several share a PostgreSQL database; nil with SQLite (one process).
	elector *postgres.Elector
}

// syncLeadership names the advisory lock of the scheduled syncs' leader.
const syncLeadership = 0x6d61696c2d73796e // "mail-syn"

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// wire loads the configuration and opens the store. oneRun says the
// command runs the pipeline once at most (all but serve): the harvester
// keeps nothing for a next run.
func wire(ctx context.Context, env environment, configPath string, oneRun bool) (*app, error) {
	cfg, err := config.Load(configPath, env.getenv)
	if err != nil {
		return nil, err
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h := harvest.New(harvest.Options{UserAgent: cfg.Harvest.UserAgent, Timeout: cfg.Harvest.Timeout,
		MaxBytes: cfg.Harvest.MaxBytes, MaxUnpacked: cfg.Harvest.MaxUnpackedBytes, Retries: cfg.Harvest.Retries, RetryBackoff: cfg.Harvest.RetryBackoff, BaseDir: cfg.Dir, OneRun: oneRun})
	p := pipeline.New(st, h, log)
	p.OneRun = oneRun
	p.Placer = newPlacer(cfg.Geocoder)
	p.ArchiveRetention = cfg.Archive.Retention
	a := &app{cfg: cfg, log: log, store: st, pipeline: p}
	if pg, ok := st.(*postgres.Store); ok {
		a.elector = pg.Elector(syncLeadership)
	}
	return a, nil
}

// newPlacer configures geocoding, or returns nil when it is off.
func newPlacer(c config.Geocoder) *pipeline.Placer {
	if c.URL == "" || c.URL == "off" {
		return nil
	}
	g := geo.NewGeocoder(geo.GeocoderOptions{BaseURL: c.URL, Timeout: c.Timeout, BatchSize: c.BatchSize, Retries: c.Retries})
	policy := geo.DefaultPolicy
	policy.MinScore = c.MinScore
	return &pipeline.Placer{Geocoder: g, Policy: policy, RetryFailures: c.RetryFailuresAfter}
}

// openStore opens (and migrates) the configured store: PostgreSQL when
// database.url (DATABASE_URL) is set, else the embedded SQLite file.
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if cfg.Database.URL != "" {
		return postgres.Open(ctx, cfg.Database.URL, postgres.Options{StatementTimeout: cfg.Database.StatementTimeout})
	}
	return sqlite.Open(ctx, cfg.Database.Path)
}

// syncOnce runs the pipeline and writes the files into out.
func (a *app) syncOnce(ctx context.Context, out string, opts pipeline.Options) (*pipeline.Report, error) {
	res, err := a.pipeline.Run(ctx, a.cfg, opts)
	if err != nil {
		return nil, err
	}
	rep := res.Report
	// the change feed keeps tombstones federation.retention
	before := time.Now().Add(-a.cfg.Federation.Retention)
	if n, err := a.store.PurgeTombstones(ctx, before); err != nil {
		return rep, err
	} else if n > 0 {
		a.log.Info("tombstones_purged", "count", n, "before", before.UTC().Format(time.RFC3339))
	}
	if out != "" {
		if err := a.pipeline.WriteFiles(ctx, out, res); err != nil {
			return rep, err
		}
	}
	if a.cfg.Reports != "" {
		if err := pipeline.WriteOperatorReport(a.cfg.Reports, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func printSummary(w io.Writer, rep *pipeline.Report, out string) {
	fmt.Fprintf(w, "run %d: %d lieux (%d created, %d updated, %d deleted); %d records: %d linked, %d quarantined\n",
		rep.RunID, rep.Lieux.Total, rep.Lieux.Created, rep.Lieux.Updated, rep.Lieux.Deleted,
		rep.Totals.Records, rep.Totals.Linked, rep.Totals.Quarantined)
	if over := rep.Lieux.ReviewOverCap; over > 0 {
		fmt.Fprintf(w, "review: %d pairs wait for a verdict; %d more, past dedup.max_review_per_territory in their département, wait for those (maillage review list)\n",
			rep.Lieux.Review, over)
	}
	for _, s := range rep.Sources {
		line := fmt.Sprintf("  %-32s %-12s fetched %5d  valid %5d  fixed %5d  quarantined %4d", s.Source, s.Status,
			s.Fetched, s.Valid, s.Fixed, s.Quarantined)
		switch {
		case s.Status == store.RunHeld:
			line += "  " + s.Error // « held: … », and how to apply it
		case s.Error != "":
			line += "  error: " + s.Error
		}
		fmt.Fprintln(w, line)
		if reasons := topReasons(s.QuarantineReasons, 3); reasons != "" {
			fmt.Fprintf(w, "  %-32s quarantined: %s\n", "", reasons)
		}
	}
	if out != "" {
		fmt.Fprintf(w, "files written to %s\n", out)
	}
}

// parseFlags parses flags placed before or after positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// topReasons writes the n most frequent reasons, most frequent first.
func topReasons(m map[string]int, n int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s (%d)", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
