// Command benchscale measures `maillage sync` the way an operator runs
// it: a built binary, a configuration's sources, a fresh store. It runs
// a first sync, then an unchanged re-sync in a new process, each as a
// child process, and prints for each its wall time, CPU time (user +
// system), peak resident memory (the child's ru_maxrss) and the seconds
// of each stage as the run's report says them (timings_s), and whether
// the runs published byte-equal exports (exportFiles).
//
// With -scale, the sources are a scale corpus written by
// internal/scalecorpus (real files of -ref and moved copies of them, about
// 25 000 records per unit of scale), and the bare cost of reading its files
// (encoding/json into any, encoding/csv) is measured beside the sync.
// -expect names a file holding the SHA-256 of each export of the first
// sync (as sha256sum prints them): written when absent, compared when
// present, so that an optimisation is checked to publish the same bytes
// as before it.
//
//	go run ./tools/benchscale -config config.example.yaml [-database postgres://…]
//	go run ./tools/benchscale -ref ../shared/reference -scale 10 [-corpus DIR] [-expect FILE]
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/maillage/maillage/internal/scalecorpus"
)

func main() {
	configPath := flag.String("config", "config.example.yaml", "the configuration whose sources are synced")
	database := flag.String("database", "", "a postgres:// URL (empty: a new SQLite file)")
	runs := flag.Int("resyncs", 1, "unchanged re-syncs after the first sync, each in a new process")
	ref := flag.String("ref", "../shared/reference", "the reference corpus a scale corpus is made from")
	scale := flag.Float64("scale", 0, "sync a scale corpus of about 25 000 × scale records instead of -config's sources")
	corpusDir := flag.String("corpus", "", "where the scale corpus is written (kept; reused when it holds one of the same scale); empty: a temporary directory")
	expect := flag.String("expect", "", "a file holding the SHA-256 of the first sync's exports: written when absent, else compared")
	profile := flag.String("profile", "", "write each sync's CPU and per-phase heap profiles under this directory (runN/; they cost some memory)")
	flag.Parse()
	o := options{config: *configPath, database: *database, resyncs: *runs, ref: *ref, scale: *scale, corpus: *corpusDir, expect: *expect, profile: *profile}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

// measure is one sync process's cost.
type measure struct {
	name    string
	wall    time.Duration
	cpu     time.Duration
	peakRSS int64 // bytes
	timings map[string]float64
	digests string // the exports' SHA-256, as sha256sum prints them
}

type options struct {
	config, database string
	resyncs          int
	ref, corpus      string
	scale            float64
	expect, profile  string
}

func run(ctx context.Context, o options, w io.Writer) error {
	dir, err := os.MkdirTemp("", "benchscale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var sc *scalecorpus.Corpus
	if o.scale > 0 {
		if sc, err = scaleCorpus(ctx, o, dir); err != nil {
			return err
		}
		o.config = sc.Config
		fmt.Fprintf(w, "scale corpus ×%g: %d sets, %d files, %d records (%d of the originals not moved: no commune found)\n\n",
			o.scale, sc.Sets, len(sc.Sources), sc.Records, sc.Dropped)
	}
	bin := filepath.Join(dir, "maillage")
	build := exec.Command("go", "build", "-o", bin, "./cmd/maillage")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building maillage: %w", err)
	}
	env := append(os.Environ(), "MAILLAGE_GEOCODER_URL=off", "MAILLAGE_DB="+filepath.Join(dir, "m.db"), "MAILLAGE_REPORTS="+filepath.Join(dir, "reports"))
	if o.database != "" {
		env = append(env, "DATABASE_URL="+o.database)
	}
	var ms []measure
	syncAs := func(name string) error {
		profile := ""
		if o.profile != "" {
			profile = filepath.Join(o.profile, fmt.Sprint("run", len(ms)))
		}
		m, err := syncOnce(bin, o.config, filepath.Join(dir, "out"), profile, env) // one out/, as an operator re-syncs
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		m.name = name
		ms = append(ms, m)
		return nil
	}
	if err := syncAs("first sync"); err != nil {
		return err
	}
	for i := 0; i < o.resyncs; i++ {
		if err := syncAs("re-sync, nothing changed"); err != nil {
			return err
		}
	}
	if sc != nil {
		touched, changed, err := scalecorpus.Touch(*sc, 100)
		if err != nil {
			return fmt.Errorf("changing 1 %% of the records: %w", err)
		}
		o.config = touched
		if err := syncAs(fmt.Sprintf("re-sync, %d records (1 %%) changed", changed)); err != nil {
			return err
		}
	}
	if err := report(w, ms); err != nil {
		return err
	}
	if sc != nil {
		d, err := bareDecode(sc.Files())
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\nbare decode of the same files (encoding/json into any, encoding/csv): %.2f s; the first sync is %.1f× it\n",
			d.Seconds(), ms[0].wall.Seconds()/d.Seconds())
	}
	return checkExpected(w, o.expect, ms[0].digests)
}

// scaleCorpus writes the scale corpus, or reuses the one o.corpus holds
// when it was written for the same scale.
func scaleCorpus(ctx context.Context, o options, tmp string) (*scalecorpus.Corpus, error) {
	dir := o.corpus
	if dir == "" {
		dir = filepath.Join(tmp, "corpus")
	}
	stamp := filepath.Join(dir, "corpus.json")
	if raw, err := os.ReadFile(stamp); err == nil {
		var c scalecorpus.Corpus
		if json.Unmarshal(raw, &c) == nil && c.Scale == o.scale {
			return &c, nil
		}
	}
	c, err := scalecorpus.Write(ctx, scalecorpus.Options{Ref: o.ref, Dir: dir, Scale: o.scale})
	if err != nil {
		return nil, fmt.Errorf("writing the scale corpus: %w", err)
	}
	raw, _ := json.Marshal(c)
	return &c, os.WriteFile(stamp, raw, 0o644)
}

// bareDecode reads every file as a program that only decodes it would.
func bareDecode(files []string) (time.Duration, error) {
	start := time.Now()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		if strings.HasSuffix(f, ".csv") {
			r := csv.NewReader(bytes.NewReader(data))
			r.LazyQuotes, r.FieldsPerRecord = true, -1
			if bytes.Count(data[:bytes.IndexByte(data, '\n')+1], []byte(";")) > bytes.Count(data[:bytes.IndexByte(data, '\n')+1], []byte(",")) {
				r.Comma = ';'
			}
			if _, err := r.ReadAll(); err != nil {
				return 0, fmt.Errorf("%s: %w", f, err)
			}
			continue
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
	}
	return time.Since(start), nil
}

// exportFiles are the files of out/ whose bytes a sync publishes.
var exportFiles = []string{"lieux.csv", "lieux.geojson", "lieux.parquet", "lieux.xlsx", "provenance.csv"}

// exportDigests is the SHA-256 of each export of out, as sha256sum
// prints them.
func exportDigests(out string) (string, error) {
	var b strings.Builder
	for _, name := range exportFiles {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256(data), name)
	}
	return b.String(), nil
}

// checkExpected compares the exports' digests with those recorded at
// path, or records them.
func checkExpected(w io.Writer, path, digests string) error {
	if path == "" {
		return nil
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		fmt.Fprintf(w, "exports' SHA-256 recorded in %s:\n%s", path, digests)
		return os.WriteFile(path, []byte(digests), 0o644)
	}
	if err != nil {
		return err
	}
	if string(want) != digests {
		return fmt.Errorf("the exports differ from those recorded in %s:\nrecorded:\n%snow:\n%s", path, want, digests)
	}
	fmt.Fprintf(w, "exports byte-equal to those recorded in %s:\n%s", path, digests)
	return nil
}

// syncOnce runs one sync as a child process and measures it.
func syncOnce(bin, configPath, out, profile string, env []string) (measure, error) {
	args := []string{"sync", "--config", configPath, "--out", out}
	if profile != "" {
		args = append(args, "--profile", profile)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return measure{}, fmt.Errorf("%w: %s", err, lastLines(stderr.String(), 5))
	}
	m := measure{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		m.peakRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	raw, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		return m, err
	}
	var rep struct {
		Timings map[string]float64 `json:"timings_s"`
		Sources []struct {
			Source, Status, Error string
		} `json:"sources"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return m, fmt.Errorf("report.json: %w", err)
	}
	// a source that failed measures nothing: the benchmark is void
	for _, s := range rep.Sources {
		if s.Status == "failed" {
			return m, fmt.Errorf("source %s failed: %s", s.Source, s.Error)
		}
	}
	m.timings = rep.Timings
	m.digests, err = exportDigests(out)
	return m, err
}

func report(w io.Writer, ms []measure) error {
	var stages []string
	for _, m := range ms {
		for s := range m.timings {
			if !slices.Contains(stages, s) {
				stages = append(stages, s)
			}
		}
	}
	slices.Sort(stages)
	fmt.Fprintf(w, "| run | wall | CPU | peak RSS | %s | exports as the first |\n|---|---|---|---|%s---|\n",
		strings.Join(stages, " | "), strings.Repeat("---|", len(stages)))
	for _, m := range ms {
		var cells []string
		for _, s := range stages {
			cells = append(cells, fmt.Sprintf("%.2f s", m.timings[s]))
		}
		fmt.Fprintf(w, "| %s | %.2f s | %.2f s | %.2f GB | %s | %v |\n", m.name, m.wall.Seconds(), m.cpu.Seconds(),
			float64(m.peakRSS)/1e9, strings.Join(cells, " | "), m.digests == ms[0].digests)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
