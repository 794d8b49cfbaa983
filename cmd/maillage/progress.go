package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/maillage/maillage/pipeline"
)

// newProgress shows each source's harvest on w: a bar per source redrawn
// in place on a terminal, one plain line per stage otherwise (a log, CI).
func newProgress(w io.Writer) pipeline.Progress {
	out := w
	if l, ok := w.(*lockedWriter); ok {
		out = l.w
	}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return &barProgress{w: w, line: map[string]int{}}
		}
	}
	return &lineProgress{w: w}
}

// lineProgress writes « source: stage (n records) » lines.
type lineProgress struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *lineProgress) Stage(source, stage string, records int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if records > 0 {
		fmt.Fprintf(p.w, "%s: %s %d records\n", source, stage, records)
		return
	}
	fmt.Fprintf(p.w, "%s: %s\n", source, stage)
}

func (p *lineProgress) Done(source, status, err string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != "" {
		status += ": " + err
	}
	fmt.Fprintf(p.w, "%s: %s\n", source, status)
}

// barProgress keeps one line per source and redraws it with ANSI cursor
// moves: « name ▕███░░▏ normalising 1,234 records ».
type barProgress struct {
	mu    sync.Mutex
	w     io.Writer
	line  map[string]int // source → its line, from the top
	lines int
}

func (p *barProgress) Stage(source, stage string, records int) {
	step := slices.Index(pipeline.Stages, stage) + 1
	bar := strings.Repeat("█", step) + strings.Repeat("░", len(pipeline.Stages)-step)
	text := stage
	if records > 0 {
		text = fmt.Sprintf("%s %d records", stage, records)
	}
	p.draw(source, fmt.Sprintf("%-32.32s ▕%s▏ %s", source, bar, text))
}

func (p *barProgress) Done(source, status, err string) {
	if err != "" {
		status += ": " + err
	}
	p.draw(source, fmt.Sprintf("%-32.32s ▕%s▏ %.90s", source, strings.Repeat("█", len(pipeline.Stages)), status))
}

// draw writes a source's line, adding it below the others the first time.
func (p *barProgress) draw(source, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.line[source]
	if !ok {
		n, p.line[source] = p.lines, p.lines
		p.lines++
		fmt.Fprintf(p.w, "%s\n", text)
		return
	}
	up := p.lines - n
	fmt.Fprintf(p.w, "\x1b[%dA\r\x1b[2K%s\x1b[%dB\r", up, text, up)
}
