// Command maillage harvests lieux de médiation numérique, normalises them to
// the national standard, deduplicates them and republishes them.
//
//	maillage sync     --config F --out DIR [--source NAME]
//	maillage serve    --config F [--addr :8080]
//	maillage validate FILE [--schema v1.0.2]
//	maillage convert  INPUT [--mapping F] -o OUT.csv
//	maillage review   list|same|different [A B] [--config F]
//	maillage explain  A B [--config F]
//	maillage migrate  up|status [--config F]
//	maillage sources  [--config F]
//	maillage export   [--territoire dep:05] [--format F] -o OUT [--config F]
//	maillage publish  [--dry-run] [--config F]
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

const usage = `maillage — lieux de médiation numérique, moissonnés, normalisés, republiés

Usage:
  maillage sync     --config FILE [--out DIR] [--source NAME]   harvest once and write the open-data files
  maillage serve    --config FILE [--addr :8080]                sync on schedule and serve the API
  maillage validate FILE [--schema v1.0.2]                     check a CSV/JSON file against the standard
  maillage convert  INPUT [--mapping F] -o OUT.csv             any supported file → national CSV + OUT.report.json
  maillage review   list|same|different [A B] [--config FILE]  settle the pairs deduplication left in doubt
  maillage explain  A B [--config FILE]                         how the scorer compares two records or lieux
  maillage migrate  up|status [--config FILE]                   apply or list the store's schema migrations
  maillage sources  [--config FILE]                             each source: kind, schedule, last success, errors, holds, next run
  maillage export   [--territoire dep:05] [--format csv|geojson|parquet|xlsx] -o OUT [--config FILE]
                                                                the published lieux (of one territory) in one format (-o - : stdout)
  maillage publish  [--dry-run] [--config FILE]                 update the configured data.gouv.fr datasets in place

Environment: DATABASE_URL, MAILLAGE_DB, MAILLAGE_ADDR, MAILLAGE_OUT, MAILLAGE_GEOCODER_URL,
MAILLAGE_ADMIN_TOKEN, MAILLAGE_DATAGOUV_API_KEY, MAILLAGE_LOG_LEVEL.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run dispatches a sub-command and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// the logger and the progress of sources harvested at once share stderr
	env := environment{stdout: stdout, stderr: &lockedWriter{w: stderr}, getenv: getenv}
	switch args[0] {
	case "sync":
		return cmdSync(ctx, env, args[1:])
	case "serve":
		return cmdServe(ctx, env, args[1:])
	case "validate":
		return cmdValidate(env, args[1:])
	case "convert":
		return cmdConvert(ctx, env, args[1:])
	case "review":
		return cmdReview(ctx, env, args[1:])
	case "explain":
		return cmdExplain(ctx, env, args[1:])
	case "migrate":
		return cmdMigrate(ctx, env, args[1:])
	case "sources":
		return cmdSources(ctx, env, args[1:])
	case "export":
		return cmdExport(ctx, env, args[1:])
	case "publish":
		return cmdPublish(ctx, env, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "maillage: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// environment is the process's outside world, passed down explicitly.
// lockedWriter serialises writes to w: each Write reaches it whole.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type environment struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}
