package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// cmdExport writes the published lieux, or those of one territory, in
// one format, to a file (atomically) or to standard output (-o -).
func cmdExport(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	territoire := fs.String("territoire", "", "only the lieux of a territory: "+schema.TerritoryForms)
	format := fs.String("format", "", "file format: "+strings.Join(exporters.FormatNames(), ", ")+" (default: the output's extension)")
	out := fs.String("o", "", "output file, or - for standard output")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) > 0 || *out == "" {
		if err == nil {
			fmt.Fprintln(env.stderr, "maillage export: -o FILE is required (- for standard output)")
		}
		return 2
	}
	f, t, err := exportRequest(*format, *territoire, *out)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage export: %v\n", err)
		return 2
	}
	a, err := wire(ctx, env, *configPath, true)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage export: %v\n", err)
		return 1
	}
	defer a.store.Close()
	var n int
	write := func(w io.Writer) error {
		n, err = exporters.WriteLieux(w, f, t, storeLieux(ctx, a.store))
		return err
	}
	if *out == "-" {
		err = write(env.stdout)
	} else {
		err = exporters.WriteFileAtomic(*out, write)
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage export: %v\n", err)
		return 1
	}
	if *out != "-" {
		fmt.Fprintf(env.stderr, "maillage export: %d lieux → %s\n", n, *out)
	}
	return 0
}

// exportRequest reads the format (named, or from the output's extension)
// and the territory of an export.
func exportRequest(format, territoire, out string) (exporters.Format, *schema.Territory, error) {
	if format == "" {
		format = strings.TrimPrefix(filepath.Ext(out), ".")
		if out == "-" || format == "" {
			format = "csv"
		}
	}
	f, err := exporters.FormatNamed(format)
	if err != nil {
		return f, nil, fmt.Errorf("--format: %w", err)
	}
	if territoire == "" {
		return f, nil, nil
	}
	t, err := schema.ParseTerritory(territoire)
	if err != nil {
		return f, nil, fmt.Errorf("--territoire: %w", err)
	}
	return f, &t, nil
}

// storeLieux reads the store's published lieux in id order.
func storeLieux(ctx context.Context, st store.Store) exporters.LieuSource {
	return func(yield func(*schema.Lieu) error) error {
		return st.EachLieu(ctx, func(r store.LieuRow) error { return yield(&r.Lieu) })
	}
}
