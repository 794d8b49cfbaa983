package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

const reviewUsage = `Usage:
  maillage review list      [--config F] [--limit 20]         pairs of records waiting for a verdict, best score first
  maillage review same      A B [--config F] [--by NAME]     A and B are one lieu (wins over the scorer from the next run)
  maillage review different A B [--config F] [--by NAME]     A and B are two lieux, never merged, not even through others
  maillage review reports   [--config F] [--limit 20]         errors people reported on lieux' pages, the latest first
A and B are records ("source/record_key", as in provenance.csv) or lieu ids.
`

func cmdReview(ctx context.Context, env environment, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, reviewUsage)
		return 2
	}
	fs := flag.NewFlagSet("review "+args[0], flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	limit := fs.Int("limit", 20, "pairs to list (0: all)")
	by := fs.String("by", env.getenv("USER"), "who decides (kept with the verdict)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return 2
	}
	verb := args[0]
	if verb != "list" && verb != "reports" && verb != "same" && verb != "different" || (verb == "same" || verb == "different") && len(pos) != 2 {
		fmt.Fprint(env.stderr, reviewUsage)
		return 2
	}
	a, err := wire(ctx, env, *configPath, true)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage review: %v\n", err)
		return 1
	}
	defer a.store.Close()
	switch verb {
	case "list":
		err = listReview(ctx, env.stdout, a.pipeline, a.cfg, *limit)
		if err == nil {
			err = countReports(ctx, env.stdout, a.store)
		}
	case "reports":
		err = listReports(ctx, env.stdout, a.store, *limit)
	default:
		err = decide(ctx, env.stdout, a.pipeline, pos[0], pos[1], verb == "same", *by)
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage review %s: %v\n", verb, err)
		return 1
	}
	return 0
}

// countReports says, after the review queue, how many errors people
// reported.
func countReports(ctx context.Context, w io.Writer, st store.Store) error {
	reports, err := st.Reports(ctx)
	if err != nil || len(reports) == 0 {
		return err
	}
	fmt.Fprintf(w, "\n%d error reports on lieux, the latest on %s: maillage review reports\n", len(reports), reports[0].ReportedAt.Format("2006-01-02"))
	return nil
}

// listReports prints the errors reported on lieux' pages, the latest
// first.
func listReports(ctx context.Context, w io.Writer, st store.Store, limit int) error {
	reports, err := st.Reports(ctx)
	if err != nil {
		return err
	}
	if len(reports) == 0 {
		fmt.Fprintln(w, "no error was reported")
		return nil
	}
	for i, r := range reports {
		if limit > 0 && i == limit {
			fmt.Fprintf(w, "… and %d more (--limit 0: all)\n", len(reports)-limit)
			break
		}
		fmt.Fprintf(w, "%3d. %s  lieu %s\n     %s\n", r.ID, r.ReportedAt.Format("2006-01-02 15:04"), r.LieuID, strings.ReplaceAll(r.Message, "\n", "\n     "))
		if r.Contact != "" {
			fmt.Fprintf(w, "     contact: %s\n", r.Contact)
		}
	}
	return nil
}

func listReview(ctx context.Context, w io.Writer, p *pipeline.Pipeline, cfg *config.Config, limit int) error {
	items, err := p.ReviewList(ctx, cfg, limit)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		fmt.Fprintln(w, "no pair waits for review")
		return nil
	}
	for i, it := range items {
		fmt.Fprintf(w, "%3d. score %.2f\n     %s\n     %s\n", i+1, it.Score, describe(it.A), describe(it.B))
		if why := strongest(it.Features, 3); why != "" {
			fmt.Fprintf(w, "     %s\n", why)
		}
		fmt.Fprintf(w, "     maillage review same %s %s   |   maillage review different …\n", refArg(it.A), refArg(it.B))
	}
	return nil
}

func decide(ctx context.Context, w io.Writer, p *pipeline.Pipeline, a, b string, same bool, by string) error {
	d, err := p.Decide(ctx, a, b, same, by)
	if err != nil {
		return err
	}
	verdict := "two lieux"
	if same {
		verdict = "one lieu"
	}
	fmt.Fprintf(w, "recorded: %s and %s are %s (applied from the next sync)\n", refArg2(d.A), refArg2(d.B), verdict)
	return nil
}

func cmdExplain(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		fmt.Fprintln(env.stderr, "Usage: maillage explain LIEU_OR_RECORD_A LIEU_OR_RECORD_B [--config F]   (records as source/record_key)")
		return 2
	}
	a, err := wire(ctx, env, *configPath, true)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage explain: %v\n", err)
		return 1
	}
	defer a.store.Close()
	ex, err := a.pipeline.Explain(ctx, a.cfg, pos[0], pos[1])
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage explain: %v\n", err)
		return 1
	}
	printExplanation(env.stdout, ex)
	return 0
}

// strongest names the n features that weigh most, either way.
func strongest(features []dedup.Contribution, n int) string {
	fs := slices.Clone(features)
	slices.SortStableFunc(fs, func(a, b dedup.Contribution) int { return cmp.Compare(math.Abs(b.Weight), math.Abs(a.Weight)) })
	var parts []string
	for _, f := range fs[:min(n, len(fs))] {
		parts = append(parts, fmt.Sprintf("%s %+.1f (%s)", f.Feature, f.Weight, f.Detail))
	}
	return strings.Join(parts, " · ")
}

func printExplanation(w io.Writer, ex pipeline.Explanation) {
	fmt.Fprintf(w, "A  %s\nB  %s\n\n", describe(ex.A), describe(ex.B))
	sum := 0.0
	for _, f := range ex.Features {
		sum += f.Weight
		fmt.Fprintf(w, "  %-12s %+6.2f  %-22s %s\n", f.Feature, f.Weight, f.Key, f.Detail)
	}
	fmt.Fprintf(w, "  %-12s %+6.2f  → score %.3f: %s\n", "total", sum, ex.Score, ex.Band)
	if d := ex.Decided; d != nil {
		verdict := "different"
		if d.Same {
			verdict = "same"
		}
		fmt.Fprintf(w, "  decided %q by %s on %s: this wins over the score\n", verdict, d.By, d.DecidedAt.Format("2006-01-02"))
	}
}

func describe(r store.SourceRecord) string {
	if r.Lieu == nil {
		return refArg(r)
	}
	parts := []string{r.Lieu.Nom, r.Lieu.Adresse, strings.TrimSpace(r.Lieu.CodePostal + " " + r.Lieu.Commune)}
	return fmt.Sprintf("%-40s %s", refArg(r), strings.Join(parts, ", "))
}

func refArg(r store.SourceRecord) string { return r.Source + "/" + r.RecordKey }

func refArg2(r store.RecordRef) string { return r.Source + "/" + r.RecordKey }
