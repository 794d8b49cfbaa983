package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/migrations"
	"github.com/maillage/maillage/store/postgres"
	"github.com/maillage/maillage/store/sqlite"
)

const migrateUsage = `Usage:
  maillage migrate up     [--config F]   apply the pending migrations (sync and serve also do, at start, under a lock)
  maillage migrate status [--config F]   list the migrations and when the database applied them
`

func cmdMigrate(ctx context.Context, env environment, args []string) int {
	if len(args) == 0 || args[0] != "up" && args[0] != "status" {
		fmt.Fprint(env.stderr, migrateUsage)
		return 2
	}
	fs := flag.NewFlagSet("migrate "+args[0], flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	if pos, err := parseFlags(fs, args[1:]); err != nil || len(pos) > 0 {
		fmt.Fprint(env.stderr, migrateUsage)
		return 2
	}
	cfg, err := config.Load(*configPath, env.getenv)
	if err == nil && args[0] == "up" {
		err = migrateUp(ctx, cfg)
	}
	var states []migrations.State
	if err == nil {
		states, err = migrationStates(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage migrate %s: %v\n", args[0], err)
		return 1
	}
	printMigrations(env.stdout, cfg, states)
	return 0
}

// migrateUp opens the store, which migrates it, and closes it.
func migrateUp(ctx context.Context, cfg *config.Config) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	return st.Close()
}

func migrationStates(ctx context.Context, cfg *config.Config) ([]migrations.State, error) {
	if cfg.Database.URL != "" {
		return postgres.Migrations(ctx, cfg.Database.URL)
	}
	return sqlite.Migrations(ctx, cfg.Database.Path)
}

func printMigrations(w io.Writer, cfg *config.Config, states []migrations.State) {
	where := "sqlite " + cfg.Database.Path
	if cfg.Database.URL != "" {
		where = "postgres (DATABASE_URL)"
	}
	pending := 0
	for _, s := range states {
		at := "pending"
		if !s.AppliedAt.IsZero() {
			at = "applied " + s.AppliedAt.UTC().Format(time.RFC3339)
		} else {
			pending++
		}
		fmt.Fprintf(w, "%04d  %-28s %s\n", s.Version, s.Name, at)
	}
	fmt.Fprintf(w, "%s: %d migrations, %d pending\n", where, len(states), pending)
}
