package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// profiler writes the profiles of `maillage sync --profile DIR`: cpu.pprof
// for the whole sync, and heap-N-PHASE.pprof (live objects after a
// collection) as each phase ends, so that the memory each phase holds
// can be read with go tool pprof.
type profiler struct {
	dir    string
	cpu    *os.File
	phases int
	err    error // the first heap profile that could not be written
}

func startProfile(dir string) (*profiler, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the profile directory: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return nil, fmt.Errorf("creating the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting the CPU profile: %w", err)
	}
	return &profiler{dir: dir, cpu: f}, nil
}

// heap writes the heap profile of the phase that just ended.
func (p *profiler) heap(phase string) {
	p.phases++
	runtime.GC()
	f, err := os.Create(filepath.Join(p.dir, fmt.Sprintf("heap-%d-%s.pprof", p.phases, phase)))
	if err == nil {
		err = pprof.Lookup("heap").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("writing the heap profile of %s: %w", phase, err)
	}
}

func (p *profiler) stop() error {
	pprof.StopCPUProfile()
	if err := p.cpu.Close(); err != nil {
		return fmt.Errorf("writing the CPU profile: %w", err)
	}
	return p.err
}
