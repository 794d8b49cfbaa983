package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
)

// nationalMapping is one data file of the reference corpus converted with
// the national pipeline's configuration of its source (mednum-cli's
// <source>.config.json beside it) and without any mapping.
type nationalMapping struct {
	file, config           string
	rows, plain, published int
	notes                  int
	err                    error
}

// convertWithNational converts every data file that has a mednum-cli
// configuration in its directory, with it and without any mapping.
func convertWithNational(ctx context.Context, root string, files []string, placer *pipeline.Placer) []nationalMapping {
	h := harvest.New(harvest.Options{BaseDir: root})
	now := time.Now().UTC()
	var out []nationalMapping
	for _, f := range files {
		dir := filepath.Dir(f)
		cfg := filepath.Join(dir, filepath.Base(dir)+".config.json")
		raw, err := os.ReadFile(filepath.Join(root, cfg))
		if err != nil || strings.HasSuffix(f, ".config.json") || strings.HasSuffix(f, ".metadata.json") {
			continue
		}
		r := nationalMapping{file: f, config: cfg}
		m, notes, err := schema.ReadMednumCLI(raw)
		r.notes = len(notes)
		src := harvest.Source{Kind: "file", Location: f}
		if err == nil {
			var conv *pipeline.Conversion
			conv, err = pipeline.Convert(ctx, h, pipeline.ConvertOptions{Source: src, Mapping: m, Now: now, Placer: placer, Cache: pipeline.MemoryCache{}})
			if err == nil {
				r.rows, r.published = conv.Report.Rows, conv.Report.Valid+conv.Report.Fixed
			}
		}
		if plain, perr := pipeline.Convert(ctx, h, pipeline.ConvertOptions{Source: src, Now: now, Placer: placer, Cache: pipeline.MemoryCache{}}); perr == nil {
			r.plain = plain.Report.Valid + plain.Report.Fixed
			if r.rows == 0 {
				r.rows = plain.Report.Rows
			}
		}
		r.err = err
		out = append(out, r)
	}
	return out
}

// writeNational adds the table of the national pipeline's mappings.
func writeNational(b *strings.Builder, rs []nationalMapping) {
	section(b, "With the national pipeline's mappings", "Each data file beside a mednum-cli source configuration (`<source>.config.json`, read by `--mapping` and a source's `mapping_file:`) converted with it, and with no mapping: the share of rows published each way. *Notes* counts what the configuration says that maillage does not carry over (a column feeding two fields, a value outside the standard), listed by `maillage convert`.")
	tableHeader(b, "file", "configuration", "rows", "published, no mapping", "published, national mapping", "notes")
	var rows, plain, mapped int
	for _, r := range rs {
		if r.err != nil {
			fmt.Fprintf(b, "| `%s` | `%s` | %d | %s | error: %s | %d |\n", r.file, filepath.Base(r.config), r.rows, pct(r.plain, r.rows), escape(r.err.Error()), r.notes)
			continue
		}
		rows, plain, mapped = rows+r.rows, plain+r.plain, mapped+r.published
		fmt.Fprintf(b, "| `%s` | `%s` | %d | %s | %s | %d |\n", r.file, filepath.Base(r.config), r.rows, pct(r.plain, r.rows), pct(r.published, r.rows), r.notes)
	}
	fmt.Fprintf(b, "\n**Files with a national mapping:** %d, %d rows: %s published with no mapping, %s with the national mapping.\n", len(rs), rows, pct(plain, rows), pct(mapped, rows))
}
