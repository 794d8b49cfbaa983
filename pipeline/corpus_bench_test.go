package pipeline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
)

// corpusFiles lists the data files of the reference corpus
// (MAILLAGE_CORPUS, default ../../shared/reference), or the bundled
// examples when it is absent.
func corpusFiles(b *testing.B) (string, []string) {
	root := os.Getenv("MAILLAGE_CORPUS")
	if root == "" {
		root = "../../shared/reference"
	}
	if _, err := os.Stat(root); err != nil {
		root = "../examples"
	}
	var files []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		name := strings.ToLower(d.Name())
		switch {
		case err != nil:
			return err
		case d.IsDir() && strings.Contains(name, "data-inclusion-schema"):
			return filepath.SkipDir
		case d.IsDir() || strings.HasSuffix(name, ".config.json") || strings.HasSuffix(name, ".metadata.json") || strings.HasPrefix(name, "schema"):
			return nil
		case strings.HasSuffix(name, ".csv") || strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".geojson"):
			rel, _ := filepath.Rel(root, path)
			files = append(files, rel)
		}
		return nil
	})
	if len(files) == 0 {
		b.Skip("no corpus")
	}
	return root, files
}

// BenchmarkNormaliseCorpus converts every corpus file as `maillage
// convert` does: read, decode, recognise columns, map, normalise, check
// location and coordinates.
func BenchmarkNormaliseCorpus(b *testing.B) {
	root, files := corpusFiles(b)
	h := harvest.New(harvest.Options{BaseDir: root})
	now := time.Now()
	records := 0
	geo.Communes() // the referential loads once per process, not per file
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		records = 0
		for _, f := range files {
			conv, err := pipeline.Convert(context.Background(), h, pipeline.ConvertOptions{Source: harvest.Source{Kind: "file", Location: f}, Now: now})
			if err == nil {
				records += conv.Report.Rows
			}
		}
	}
	b.ReportMetric(float64(records*b.N)/time.Since(start).Seconds(), "records/s")
}

// BenchmarkBareReadCorpus reads the same files with nothing but
// encoding/csv and encoding/json: the floor normalisation is compared to.
func BenchmarkBareReadCorpus(b *testing.B) {
	root, files := corpusFiles(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			raw, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				b.Fatal(err)
			}
			raw = bytes.TrimPrefix(raw, []byte{0xEF, 0xBB, 0xBF})
			if strings.HasSuffix(f, ".csv") {
				r := csv.NewReader(bytes.NewReader(raw))
				r.Comma, r.FieldsPerRecord, r.LazyQuotes = harvest.SniffDelimiter(raw), -1, true
				r.ReadAll()
				continue
			}
			var v any
			json.Unmarshal(raw, &v)
		}
	}
}
