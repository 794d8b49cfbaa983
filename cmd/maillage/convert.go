package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

func cmdConvert(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	out := fs.String("o", "", "output CSV of the national standard (required)")
	mappingPath := fs.String("mapping", "", "mapping: maillage's YAML (id, columns, constants…) or a mednum-cli source configuration (JSON) (optional)")
	format := fs.String("format", "", "csv, json or geojson (default: detect)")
	delimiter := fs.String("delimiter", "", "CSV separator (default: sniff)")
	recordsKey := fs.String("records-key", "", "member of a JSON object holding the records")
	maxBytes := fs.Int64("max-bytes", 100<<20, "refuse inputs larger than this")
	geocoder := fs.String("geocoder", "off", "geocode records without a usable point with the Géoplateforme at this base URL (e.g. https://data.geopf.fr/geocodage)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *out == "" {
		fmt.Fprintln(env.stderr, "maillage convert: usage: maillage convert INPUT [--mapping F] -o OUT.csv")
		return 2
	}
	m, notes, err := loadMapping(*mappingPath)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage convert: %v\n", err)
		return 1
	}
	for _, n := range notes {
		fmt.Fprintf(env.stderr, "maillage convert: mapping %s: %s\n", *mappingPath, n)
	}
	keepWithinBudget(env, pos[0])
	src := harvest.Source{Kind: "file", Location: pos[0], Format: *format, Delimiter: *delimiter, RecordsKey: *recordsKey}
	h := harvest.New(harvest.Options{MaxBytes: *maxBytes})
	gc := config.Defaults().Geocoder
	gc.URL = *geocoder
	opts := pipeline.ConvertOptions{Source: src, Mapping: m, Now: time.Now().UTC(), Placer: newPlacer(gc)}
	reportPath := strings.TrimSuffix(*out, ".csv") + ".report.json"
	rep, err := convertTo(ctx, h, opts, *out, reportPath)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage convert: %v\n", err)
		return 1
	}
	printConversion(env.stderr, rep, *out, reportPath)
	return 0
}

// The memory budget of a conversion: the runtime collects garbage as the
// heap nears baseHeap plus heapPerByte times the input's size (a soft
// limit: the conversion goes on past it, collecting more often). What a
// conversion keeps is about 6 times its input (the raw records); without
// a limit the collector lets the heap grow to twice that.
const (
	baseHeap    = 32 << 20
	heapPerByte = 7
)

// keepWithinBudget sets the soft memory limit for converting the file at
// path, unless GOMEMLIMIT says otherwise.
func keepWithinBudget(env environment, path string) {
	if env.getenv("GOMEMLIMIT") != "" {
		return
	}
	st, err := os.Stat(path)
	if err != nil {
		return // the conversion says why it cannot read it
	}
	debug.SetMemoryLimit(baseHeap + heapPerByte*st.Size())
}

func loadMapping(path string) (schema.Mapping, []string, error) {
	if path == "" {
		return schema.Mapping{}, nil, nil
	}
	return config.ReadMapping(path)
}

// convertTo converts a file into the CSV at csvPath as its records are
// read, then writes the report; on an error neither file is written.
func convertTo(ctx context.Context, h *harvest.Harvester, opts pipeline.ConvertOptions, csvPath, reportPath string) (*pipeline.ConvertReport, error) {
	var rep *pipeline.ConvertReport
	err := exporters.WriteFileAtomic(csvPath, func(w io.Writer) error {
		cw, err := exporters.NewCSVWriter(w)
		if err != nil {
			return err
		}
		rep, err = pipeline.ConvertStream(ctx, h, opts, func(_ *store.SourceRecord, l *schema.Lieu) error {
			if l == nil {
				return nil
			}
			return cw.Write(l)
		})
		if err != nil {
			return err
		}
		return cw.Close()
	})
	if err != nil {
		return nil, err
	}
	return rep, exporters.WriteFileAtomic(reportPath, func(w io.Writer) error { return exporters.WriteJSON(w, rep) })
}

// printConversion is the readable summary of a conversion.
func printConversion(w io.Writer, r *pipeline.ConvertReport, out, reportPath string) {
	fmt.Fprintf(w, "%s → %s: %d rows in: %d valid, %d valid after fixes, %d quarantined\n",
		r.Input, out, r.Rows, r.Valid, r.Fixed, r.Quarantined)
	if reasons := r.TopReasons(5); len(reasons) > 0 {
		fmt.Fprintf(w, "  quarantined: %s\n", strings.Join(reasons, ", "))
	}
	var rec []string
	for col, field := range r.Columns.Recognised {
		rec = append(rec, field+" ← "+col)
	}
	sort.Strings(rec)
	fmt.Fprintf(w, "  columns recognised (%d): %s\n", len(rec), strings.Join(rec, "; "))
	fmt.Fprintf(w, "  columns ignored (%d): %s\n", len(r.Columns.Ignored), strings.Join(r.Columns.Ignored, "; "))
	g := r.Geo
	fmt.Fprintf(w, "  points: %d kept, %d fixed, %d geocoded at address level, %d at commune centre, %d not placed\n",
		g.Kept, g.Fixed, g.GeocodedAddress, g.GeocodedCommune, g.NotPlaced)
	if r.GeocoderError != "" {
		fmt.Fprintf(w, "  geocoder unavailable, records left unplaced: %s\n", r.GeocoderError)
	}
	fmt.Fprintf(w, "  report: %s\n", reportPath)
}
