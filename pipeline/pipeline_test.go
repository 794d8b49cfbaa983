package pipeline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openStore(tb testing.TB) store.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "m.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func newPipeline(st store.Store, cfg *config.Config) *pipeline.Pipeline {
	return pipeline.New(st, harvest.New(harvest.Options{BaseDir: cfg.Dir, MaxBytes: 1 << 26}), quiet)
}

func exampleConfig(tb testing.TB) *config.Config {
	tb.Helper()
	cfg, err := config.Load("../config.example.yaml", func(string) string { return "" })
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// inputRecords decodes a source on its own, to count its records without
// the pipeline's help.
func inputRecords(t *testing.T, cfg *config.Config, src config.Source) int {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(cfg.Dir, src.Location))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := harvest.Decode(&harvest.Payload{Body: body}, harvest.DecodeOptions{Name: src.Location})
	if err != nil {
		t.Fatal(err)
	}
	return len(tab.Records)
}

// TestNothingIsSilentlyDropped: every input record of every example is
// either linked to a lieu in provenance.csv or listed in report.json with
// its reasons, and the published CSV is valid.
func TestNothingIsSilentlyDropped(t *testing.T) {
	cfg := exampleConfig(t)
	st := openStore(t)
	p := newPipeline(st, cfg)
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := p.WriteFiles(context.Background(), out, rep); err != nil {
		t.Fatal(err)
	}
	linked := map[string]int{}
	for _, row := range readCSV(t, filepath.Join(out, "provenance.csv")) {
		linked[row[1]]++
	}
	private := t.TempDir()
	if err := pipeline.WriteOperatorReport(private, rep.Report); err != nil {
		t.Fatal(err)
	}
	var report, published pipeline.Report
	raw, _ := os.ReadFile(filepath.Join(private, "report.json"))
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(raw, &published); err != nil {
		t.Fatal(err)
	}
	for _, s := range published.Sources {
		for _, q := range append(s.QuarantinedRecords, s.WarnedRecords...) {
			if len(q.Fields) > 0 {
				t.Fatalf("the published report.json carries raw fields: %s/%s", s.Source, q.RecordKey)
			}
		}
	}
	if fi, err := os.Stat(filepath.Join(private, "report.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the operator's report: %v, mode %v", err, fi.Mode())
	}
	total := 0
	var enabled []config.Source
	for _, src := range cfg.Sources {
		if src.On() {
			enabled = append(enabled, src)
		}
	}
	for i, src := range enabled {
		in := inputRecords(t, cfg, src)
		total += in
		sr := report.Sources[i]
		if pub := published.Sources[i]; len(pub.QuarantinedRecords) != len(sr.QuarantinedRecords) || pub.Current != sr.Current {
			t.Errorf("%s: the published report counts otherwise: %+v, %+v", src.Name, pub.Current, sr.Current)
		}
		for _, q := range sr.QuarantinedRecords {
			if len(q.Reasons) == 0 || len(q.Fields) == 0 {
				t.Errorf("%s: quarantined record %s: %d reasons, %d raw fields", src.Name, q.RecordKey, len(q.Reasons), len(q.Fields))
			}
		}
		if sr.Columns == nil || len(sr.Columns.Recognised) == 0 || sum(sr.QuarantineReasons) < len(sr.QuarantinedRecords) {
			t.Errorf("%s: columns %+v, reasons %v", src.Name, sr.Columns, sr.QuarantineReasons)
		}
		if got := linked[src.Name] + len(sr.QuarantinedRecords); got != in || sr.Status != "ok" {
			t.Errorf("%s: %d input records, %d linked + %d quarantined (status %s)", src.Name, in,
				linked[src.Name], len(sr.QuarantinedRecords), sr.Status)
		}
	}
	if report.Totals.Records != total || report.Totals.Linked+report.Totals.Quarantined != total {
		t.Errorf("totals %+v, want %d records", report.Totals, total)
	}
	t.Logf("%d input records → %d lieux, %d quarantined", total, report.Lieux.Total, report.Totals.Quarantined)
	assertValidCSV(t, filepath.Join(out, "lieux.csv"), report.Lieux.Total)
}

func assertValidCSV(t *testing.T, path string, rows int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := schema.ReadCSVTable(f)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := schema.NewValidator(schema.Current())
	rep := v.Validate(tab)
	if !rep.Valid() || len(rep.Findings) > 0 || rep.Rows != rows {
		t.Errorf("%s: %d rows, findings %+v", path, rep.Rows, rep.Findings[:min(5, len(rep.Findings))])
	}
}

// TestIDsSurviveReruns: a second run over the same sources publishes the
// same lieux with the same ids, and reports them unchanged.
func TestIDsSurviveReruns(t *testing.T) {
	cfg := exampleConfig(t)
	st := openStore(t)
	p := newPipeline(st, cfg)
	ctx := context.Background()
	var exports [2]bytes.Buffer
	for i := range exports {
		rep, err := p.Run(ctx, cfg, pipeline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && (rep.Lieux.Created != 0 || rep.Lieux.Updated != 0 || rep.Lieux.Unchanged != rep.Lieux.Total) {
			t.Errorf("second run changed lieux: %+v", rep.Lieux)
		}
		if err := pipeline.WriteLieuxCSV(ctx, st, &exports[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(exports[0].Bytes(), exports[1].Bytes()) {
		t.Error("the export changed between two identical runs")
	}
	// A rebuilt database mints the same ids (UUIDv5 of the first record).
	var rebuilt bytes.Buffer
	st2 := openStore(t)
	if _, err := newPipeline(st2, cfg).Run(ctx, cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	pipeline.WriteLieuxCSV(ctx, st2, &rebuilt)
	if !bytes.Equal(exports[0].Bytes(), rebuilt.Bytes()) {
		t.Error("a rebuilt database published different ids")
	}
}

func BenchmarkSyncExamples(b *testing.B) {
	cfg := exampleConfig(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		st := openStore(b)
		b.StartTimer()
		p := newPipeline(st, cfg)
		rep, err := p.Run(ctx, cfg, pipeline.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.WriteFiles(ctx, b.TempDir(), rep); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResyncUnchanged measures a sync whose sources did not change
// (the common case of a scheduled run).
func BenchmarkResyncUnchanged(b *testing.B) {
	cfg := exampleConfig(b)
	ctx := context.Background()
	st := openStore(b)
	p := newPipeline(st, cfg)
	if _, err := p.Run(ctx, cfg, pipeline.Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := p.Run(ctx, cfg, pipeline.Options{})
		if err != nil || rep.Lieux.Unchanged != rep.Lieux.Total {
			b.Fatal(err, rep.Lieux)
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
