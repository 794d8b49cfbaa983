// Package scalecorpus writes the source files of the end-to-end scale
// benchmark: real files of the reference corpus (data/base.tsv: several
// overlapping sources, JSON, CSV and GeoJSON in their own layouts), then
// copies of them in which every place is moved to another commune of
// France. A copy keeps each file's layout, encoding, columns and noise and
// the cross-source duplicates inside the set; its INSEE codes, postcodes,
// commune names and points go with the commune, and its phones, SIRET,
// e-mail and web domains and opaque identifiers are made its own, so that
// copies are distinct places and one copy's sources agree as the
// originals did. The same options give the same files.
package scalecorpus

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/maillage/maillage/geo"
)

//go:embed data/base.tsv
var baseTSV string

func baseFiles() []Source {
	var out []Source
	for _, line := range strings.Split(baseTSV, "\n") {
		if name, path, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			out = append(out, Source{name, path})
		}
	}
	return out
}

// Options says what corpus to write.
type Options struct {
	Ref   string  // the reference corpus directory (../shared/reference)
	Dir   string  // where the files and maillage.yaml go
	Scale float64 // 1 is about 25 000 records (national), 10 about 250 000
	// Base, when set, replaces data/base.tsv: the files of a set (paths
	// under Ref) and the names of their sources.
	Base []Source
}

// RecordsPerScale is the size of a scale-1 corpus: about the records the
// national cartography publishes from its sources.
const RecordsPerScale = 25000

// Corpus is what Write wrote.
type Corpus struct {
	Scale   float64
	Config  string   // the maillage configuration listing every file as a source
	Sources []Source // in the configuration's order
	Sets    int      // the original set and its moved copies
	Records int      // records written
	Dropped int      // records of the originals left out of the copies: no commune to move them from
}

// Source is one file of the corpus and the name of the source that reads it.
type Source struct{ Name, Path string }

// Files lists the corpus' files.
func (c Corpus) Files() []string {
	out := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		out[i] = s.Path
	}
	return out
}

// Write writes the corpus: the original set, then moved copies until the
// records reach Scale × RecordsPerScale.
func Write(ctx context.Context, o Options) (Corpus, error) {
	files := o.Base
	if files == nil {
		files = baseFiles()
	}
	originals := make([][]byte, len(files))
	c := Corpus{Scale: o.Scale}
	perSet := 0
	for i, f := range files {
		data, err := os.ReadFile(filepath.Join(o.Ref, f.Path))
		if err != nil {
			return c, fmt.Errorf("reading the base file %s: %w", f.Name, err)
		}
		n, err := countRecords(f.Path, data)
		if err != nil {
			return c, fmt.Errorf("counting the records of %s: %w", f.Path, err)
		}
		originals[i], perSet = data, perSet+n
	}
	c.Sets = max(1, int(math.Round(o.Scale*RecordsPerScale/float64(perSet))))
	ref := geo.Communes()
	dests := destinations(ref)
	results := make([][]setFile, c.Sets)
	errs := make([]error, c.Sets)
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for set := range c.Sets {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if errs[set] = ctx.Err(); errs[set] == nil {
				results[set], errs[set] = writeSet(filepath.Join(o.Dir, fmt.Sprintf("set%02d", set)), files, originals, newMover(ref, dests, set), set)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	for _, written := range results {
		for _, f := range written {
			c.Records, c.Dropped = c.Records+f.records, c.Dropped+f.dropped
			c.Sources = append(c.Sources, f.Source)
		}
	}
	c.Config = filepath.Join(o.Dir, "maillage.yaml")
	return c, writeConfig(c.Config, c.Sources)
}

// setFile is one file of a set, written.
type setFile struct {
	Source
	counts
}

// writeSet writes the files of one set into dir.
func writeSet(dir string, files []Source, originals [][]byte, m *mover, set int) ([]setFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	var out []setFile
	for i, f := range files {
		path := filepath.Join(dir, filepath.Base(f.Path))
		n, err := writeSetFile(path, f.Path, originals[i], m, set)
		if err != nil {
			return nil, fmt.Errorf("set %d, %s: %w", set, f.Name, err)
		}
		out = append(out, setFile{Source{Name: fmt.Sprintf("%s-%02d", f.Name, set), Path: path}, n})
	}
	return out, nil
}

// writeConfig writes a maillage configuration reading sources, their
// locations relative to the configuration's directory (maillage resolves
// a relative location from there, so the corpus can be made anywhere).
func writeConfig(path string, sources []Source) error {
	var b strings.Builder
	b.WriteString("# Written by internal/scalecorpus: the scale benchmark's sources.\nsync_on_start: false\nsources:\n")
	for _, s := range sources {
		loc, err := locationFrom(filepath.Dir(path), s.Path)
		if err != nil {
			return fmt.Errorf("writing %s: source %s: %w", path, s.Name, err)
		}
		fmt.Fprintf(&b, "  - name: %s\n    kind: file\n    location: %q\n", s.Name, loc)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeSetFile writes one file of a set: the original as is for set 0, a
// moved copy for the others.
func writeSetFile(path, origin string, data []byte, m *mover, set int) (counts, error) {
	if set == 0 {
		n, err := countRecords(origin, data)
		if err != nil {
			return counts{}, err
		}
		return counts{records: n}, os.WriteFile(path, data, 0o644)
	}
	f, err := os.Create(path)
	if err != nil {
		return counts{}, err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	var n counts
	if strings.HasSuffix(origin, ".csv") {
		n, err = rewriteCSV(data, bw, m)
	} else {
		n, err = rewriteJSON(data, bw, m)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// locationFrom is path as the configuration in dir names it.
func locationFrom(dir, path string) (string, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	absPath, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.Rel(absDir, absPath)
}
