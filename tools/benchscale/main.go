// Command benchscale measures `maillage sync` the way an operator runs
// it: a built binary, a configuration's sources, a fresh store. It runs
// a first sync, then an unchanged re-sync in a new process, each as a
// child process, and prints for each its wall time, CPU time (user +
// system), peak resident memory (the child's ru_maxrss) and the seconds
// of each stage as the run's report says them (timings_s), and whether
// the two runs published byte-equal lieux.csv.
//
//	go run ./tools/benchscale -config config.example.yaml [-database postgres://…]
package main

import (
	"bytes"
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
)

func main() {
	configPath := flag.String("config", "config.example.yaml", "the configuration whose sources are synced")
	database := flag.String("database", "", "a postgres:// URL (empty: a new SQLite file)")
	runs := flag.Int("resyncs", 1, "unchanged re-syncs after the first sync, each in a new process")
	flag.Parse()
	if err := run(*configPath, *database, *runs, os.Stdout); err != nil {
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
	csv     []byte
}

func run(configPath, database string, resyncs int, w io.Writer) error {
	dir, err := os.MkdirTemp("", "benchscale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "maillage")
	build := exec.Command("go", "build", "-o", bin, "./cmd/maillage")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building maillage: %w", err)
	}
	env := append(os.Environ(), "MAILLAGE_GEOCODER_URL=off", "MAILLAGE_DB="+filepath.Join(dir, "m.db"), "MAILLAGE_REPORTS="+filepath.Join(dir, "reports"))
	if database != "" {
		env = append(env, "DATABASE_URL="+database)
	}
	var ms []measure
	for i := 0; i <= resyncs; i++ {
		name := "first sync"
		if i > 0 {
			name = "re-sync, nothing changed"
		}
		m, err := syncOnce(bin, configPath, filepath.Join(dir, fmt.Sprint("out", i)), env)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		m.name = name
		ms = append(ms, m)
	}
	return report(w, ms)
}

// syncOnce runs one sync as a child process and measures it.
func syncOnce(bin, configPath, out string, env []string) (measure, error) {
	cmd := exec.Command(bin, "sync", "--config", configPath, "--out", out)
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
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return m, fmt.Errorf("report.json: %w", err)
	}
	m.timings = rep.Timings
	m.csv, err = os.ReadFile(filepath.Join(out, "lieux.csv"))
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
	fmt.Fprintf(w, "| run | wall | CPU | peak RSS | %s | lieux.csv as the first |\n|---|---|---|---|%s---|\n",
		strings.Join(stages, " | "), strings.Repeat("---|", len(stages)))
	for _, m := range ms {
		var cells []string
		for _, s := range stages {
			cells = append(cells, fmt.Sprintf("%.2f s", m.timings[s]))
		}
		fmt.Fprintf(w, "| %s | %.2f s | %.2f s | %.2f GB | %s | %v |\n", m.name, m.wall.Seconds(), m.cpu.Seconds(),
			float64(m.peakRSS)/1e9, strings.Join(cells, " | "), bytes.Equal(m.csv, ms[0].csv))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
