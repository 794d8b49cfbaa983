package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// Report is what one run did; it is written as report.json.
type Report struct {
	RunID      int64          `json:"run_id"`
	Schema     string         `json:"schema"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt time.Time      `json:"finished_at"`
	Status     string         `json:"status"`
	Totals     Totals         `json:"totals"`
	Lieux      LieuSummary    `json:"lieux"`
	Sources    []SourceReport `json:"sources"`
	// Timings are the seconds the run spent in each stage: the sources'
	// harvest stages summed (fetching, decoding, normalising, geocoding,
	// storing), then the publication's (dedup, saving).
	Timings map[string]float64 `json:"timings_s,omitempty"`
}

// Totals account for every current record of the configured sources:
// records = linked + quarantined.
type Totals struct {
	Records     int `json:"records"`
	Linked      int `json:"linked"`
	Quarantined int `json:"quarantined"`
}

// LieuSummary counts the published lieux.
type LieuSummary struct {
	store.LieuStats
	Total   int `json:"total"`
	Retired int `json:"retired"`
	// Review counts the pairs left for `maillage review`; Capped those
	// of them the cluster-size cap kept apart.
	Review int `json:"review"`
	// ReviewByTerritory counts them by département; ReviewOverCap the
	// pairs past dedup.max_review_per_territory, left for a later run.
	ReviewByTerritory map[string]int `json:"review_by_territory,omitempty"`
	ReviewOverCap     int            `json:"review_over_cap,omitempty"`
	Capped            int            `json:"capped"`
}

// SourceReport is one source's part of the report.
type SourceReport struct {
	store.SourceRun
	Licence     string   `json:"licence,omitempty"`
	Attribution string   `json:"attribution,omitempty"`
	Notes       []string `json:"notes,omitempty"`
	// Timings are the seconds its harvest spent in each stage.
	Timings map[string]float64 `json:"timings_s,omitempty"`
	// Columns says which columns fed which field in this run (absent when
	// the run did not read the source).
	Columns *ColumnReport `json:"columns,omitempty"`
	// QuarantineReasons counts the current quarantined records by
	// "field: rule".
	QuarantineReasons map[string]int `json:"quarantine_reasons,omitempty"`
	// Current describes the records the source currently has in the store
	// (this run's when it succeeded, the last good ones when it failed).
	Current            RecordAccount       `json:"current"`
	Fixes              map[string]int      `json:"fixes,omitempty"`
	Warnings           map[string]int      `json:"warnings,omitempty"`
	QuarantinedRecords []QuarantinedRecord `json:"quarantined_records"`
	// WarnedRecords are published records of which a value was dropped or
	// kept in doubt: what the producer should look at.
	WarnedRecords []QuarantinedRecord `json:"warned_records,omitempty"`
}

// ColumnReport tells how a source's columns were read.
type ColumnReport struct {
	Recognised map[string]string `json:"recognised"`
	Ignored    []string          `json:"ignored"`
	// ByContent says, for the columns recognised by their values rather
	// than their names, why (« x, y → Lambert-93 latitude/longitude: 98 %
	// of rows in range »).
	ByContent []string `json:"by_content,omitempty"`
}

// RecordAccount counts a source's current records.
type RecordAccount struct {
	Records     int `json:"records"`
	Linked      int `json:"linked"`
	Quarantined int `json:"quarantined"`
}

// QuarantinedRecord is a record that could not be published, and why (or,
// in WarnedRecords, a published record and what it lost).
type QuarantinedRecord struct {
	RecordKey string         `json:"record_key"`
	Index     int            `json:"index"`
	Line      int            `json:"line,omitempty"`
	Reasons   []schema.Issue `json:"reasons"`
	// Fields are the record's raw fields (quarantined records only).
	Fields []harvest.Field `json:"fields,omitempty"`
}

// Public is the report as it is published with the open data: errors
// without URLs, addresses nor paths, quarantined records without their
// raw fields, and the values of contact fields left out of the reasons
// (a rejected e-mail or phone may be a person's). The operator's report
// (WriteJSON of the report itself) keeps them.
func (r *Report) Public() *Report {
	out := *r
	out.Sources = make([]SourceReport, len(r.Sources))
	for i, s := range r.Sources {
		s.Error = PublicError(s.Error)
		s.QuarantinedRecords, s.WarnedRecords = publicRecords(s.QuarantinedRecords), publicRecords(s.WarnedRecords)
		out.Sources[i] = s
	}
	return &out
}

// contactFields hold values that may be a person's.
var contactFields = map[string]bool{"courriels": true, "telephone": true}

func publicRecords(recs []QuarantinedRecord) []QuarantinedRecord {
	if recs == nil {
		return nil
	}
	out := make([]QuarantinedRecord, len(recs))
	for i, q := range recs {
		q.Fields = nil
		reasons := make([]schema.Issue, len(q.Reasons))
		for j, is := range q.Reasons {
			if contactFields[is.Field] {
				is.Value, is.Fixed = "", ""
			}
			reasons[j] = is
		}
		q.Reasons = reasons
		out[i] = q
	}
	return out
}

// WriteJSON writes the report as indented JSON, one source at a time: the
// bytes of encoding it whole, without holding all of them (the records
// the sources list make it large).
func (r *Report) WriteJSON(w io.Writer) error {
	head := *r
	head.Sources = nil
	var buf bytes.Buffer
	if err := newIndenter(&buf, "").Encode(&head); err != nil {
		return fmt.Errorf("pipeline: report: %w", err)
	}
	const tail = "null\n}\n" // "sources": null
	if len(r.Sources) == 0 || !bytes.HasSuffix(buf.Bytes(), []byte(tail)) {
		return exporters.WriteJSON(w, r)
	}
	bw := bufio.NewWriter(w)
	bw.Write(buf.Bytes()[:buf.Len()-len(tail)])
	bw.WriteString("[\n")
	enc := newIndenter(&buf, "    ") // one encoder and buffer: their room serves every source
	for i := range r.Sources {
		buf.Reset()
		if err := enc.Encode(&r.Sources[i]); err != nil {
			return fmt.Errorf("pipeline: report: %w", err)
		}
		bw.WriteString("    ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if i < len(r.Sources)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

// newIndenter encodes as exporters.WriteJSON does, each line after the
// first led by prefix.
func newIndenter(w io.Writer, prefix string) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc
}

func (r *Report) status() string {
	if r.failedSources() > 0 {
		return "partial"
	}
	return "ok"
}

func (r *Report) failedSources() int {
	n := 0
	for _, s := range r.Sources {
		if s.Status == store.RunFailed {
			n++
		}
	}
	return n
}

// account fills per-source accounting from the records now in the store.
func (r *Report) account(recs []store.SourceRecord, priority map[string]int, linked func(source, key string) bool) {
	r.Schema = schema.CurrentVersion
	r.Status = r.status()
	bySource := map[string]*SourceReport{}
	for i := range r.Sources {
		s := &r.Sources[i]
		s.Fixes, s.Warnings, s.QuarantinedRecords, s.QuarantineReasons = map[string]int{}, map[string]int{}, []QuarantinedRecord{}, map[string]int{}
		bySource[s.Source] = s
	}
	for _, rec := range recs {
		if _, ok := priority[rec.Source]; !ok {
			continue
		}
		r.Totals.Records++
		s := bySource[rec.Source]
		isLinked := linked(rec.Source, rec.RecordKey)
		if isLinked {
			r.Totals.Linked++
		} else {
			r.Totals.Quarantined++
		}
		if s != nil {
			s.addRecord(rec, isLinked)
		}
	}
	for i := range r.Sources {
		for _, q := range [][]QuarantinedRecord{r.Sources[i].QuarantinedRecords, r.Sources[i].WarnedRecords} {
			sort.Slice(q, func(a, b int) bool { return q[a].Index < q[b].Index })
		}
	}
}

func (s *SourceReport) addRecord(rec store.SourceRecord, linked bool) {
	s.Current.Records++
	errs, warns := tally(rec.Issues, s.Fixes, s.Warnings, s.QuarantineReasons)
	entry := QuarantinedRecord{RecordKey: rec.RecordKey, Index: rec.Index, Line: rec.Line}
	if linked {
		s.Current.Linked++
		if len(warns) > 0 {
			entry.Reasons = warns
			s.WarnedRecords = append(s.WarnedRecords, entry)
		}
		return
	}
	s.Current.Quarantined++
	entry.Reasons = errs
	s.QuarantinedRecords = append(s.QuarantinedRecords, entry)
}

// tally counts a record's issues by rule (fixes, warnings, and errors as
// "field: rule" quarantine reasons) and returns its errors and warnings.
func tally(issues []schema.Issue, fixes, warnings, reasons map[string]int) (errs, warns []schema.Issue) {
	for _, is := range issues {
		switch is.Level {
		case schema.LevelFix:
			fixes[is.Rule]++
		case schema.LevelWarning:
			warnings[is.Rule]++
			warns = append(warns, is)
		case schema.LevelError:
			reasons[is.Field+": "+is.Rule]++
			errs = append(errs, is)
		}
	}
	return errs, warns
}

// attachRawFields gives every quarantined record its raw fields, so the
// report shows what the producer sent; fields reads them.
func (r *Report) attachRawFields(ctx context.Context, fields func(ctx context.Context, source, key string) ([]harvest.Field, error)) error {
	for i := range r.Sources {
		q := r.Sources[i].QuarantinedRecords
		for j := range q {
			f, err := fields(ctx, r.Sources[i].Source, q[j].RecordKey)
			if err != nil {
				return fmt.Errorf("pipeline: quarantined record %s/%s: %w", r.Sources[i].Source, q[j].RecordKey, err)
			}
			q[j].Fields = f
		}
	}
	return nil
}
