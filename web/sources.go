package web

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// SourceInfo gives what the sources pages show: the configured sources'
// public statuses, and a source's published quality report (ok false
// when it has none yet).
type SourceInfo interface {
	Statuses(ctx context.Context) ([]pipeline.SourceStatus, error)
	Quality(ctx context.Context, source string) (q *pipeline.SourceQuality, ok bool, err error)
}

// maxShownRecords bounds the records listed on a source's page (the
// downloadable report has them all).
const maxShownRecords = 300

// sourceRow is one source of the dashboard.
type sourceRow struct {
	pipeline.SourceStatus
	State, StateClass string
	Freshness, Next   string
	Current           pipeline.RecordAccount
	HasQuality        bool
	Reasons           []reasonCount
	Href              string
	// Peer says where a peer source stands in its peer's feed.
	Peer string
}

// reasonCount is a quarantine reason, how many records it holds back,
// and one of them as an example.
type reasonCount struct {
	Reason  string
	Count   int
	Example string
}

func (s *Site) sourcesPage(w http.ResponseWriter, r *http.Request) {
	if s.Sources == nil {
		s.render(w, r, http.StatusNotFound, "notfound.html", "sources")
		return
	}
	statuses, err := s.Sources.Statuses(r.Context())
	if err != nil {
		s.failed(w, r, "sources_status_failed", err)
		return
	}
	now := s.Now()
	rows := make([]sourceRow, 0, len(statuses))
	for _, st := range statuses {
		row := sourceRow{SourceStatus: st, Href: sourceHref(st.Name)}
		row.State, row.StateClass = stateText(st)
		row.Freshness, row.Next, row.Peer = sinceText(st.LastSuccess, now), nextText(st.NextRun, now), peerText(st.Peer, now)
		q, ok, err := s.Sources.Quality(r.Context(), st.Name)
		if err != nil {
			s.failed(w, r, "source_quality_failed", err)
			return
		}
		if ok {
			row.HasQuality, row.Current, row.Reasons = true, q.Current, reasonsOf(q, 3)
		}
		rows = append(rows, row)
	}
	s.render(w, r, http.StatusOK, "sources.html", rows)
}

// sourcePage is one source's quality report, line by line.
type sourcePage struct {
	sourceRow
	Quality         *pipeline.SourceQuality
	Records         []recordRow
	More            int
	CSV, JSON       string
	Fixes, Warnings []reasonCount
	Columns         [][2]string
	IgnoredColumns  []string
}

// recordRow is one record of the report: where it is in the file, and
// its issues.
type recordRow struct {
	Where, Key string
	Level      string
	Issues     []schema.Issue
}

func (s *Site) sourceDetail(w http.ResponseWriter, r *http.Request) {
	st, q, ok := s.lookupSource(w, r)
	if !ok {
		return
	}
	now := s.Now()
	page := sourcePage{sourceRow: sourceRow{SourceStatus: st}, Quality: q}
	page.State, page.StateClass = stateText(st)
	page.Freshness, page.Next, page.Peer = sinceText(st.LastSuccess, now), nextText(st.NextRun, now), peerText(st.Peer, now)
	page.CSV, page.JSON = sourceHref(st.Name)+"/rapport.csv", sourceHref(st.Name)+"/rapport.json"
	if q != nil {
		page.HasQuality, page.Current, page.Reasons = true, q.Current, reasonsOf(q, 0)
		page.Fixes, page.Warnings = counted(q.Fixes), counted(q.Warnings)
		for _, rec := range q.QuarantinedRecords {
			if len(page.Records) == maxShownRecords {
				page.More++
				continue
			}
			page.Records = append(page.Records, recordRow{Where: whereText(rec), Key: rec.RecordKey, Level: "Quarantaine", Issues: rec.Reasons})
		}
		if q.Columns != nil {
			for col, field := range q.Columns.Recognised {
				page.Columns = append(page.Columns, [2]string{col, field})
			}
			slices.SortFunc(page.Columns, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
			page.IgnoredColumns = q.Columns.Ignored
		}
	}
	s.render(w, r, http.StatusOK, "source.html", page)
}

// lookupSource finds the source a route names, and its report (nil when
// none yet); it answers 404 itself.
func (s *Site) lookupSource(w http.ResponseWriter, r *http.Request) (pipeline.SourceStatus, *pipeline.SourceQuality, bool) {
	name := chi.URLParam(r, "name")
	if s.Sources == nil {
		s.render(w, r, http.StatusNotFound, "notfound.html", name)
		return pipeline.SourceStatus{}, nil, false
	}
	statuses, err := s.Sources.Statuses(r.Context())
	if err != nil {
		s.failed(w, r, "sources_status_failed", err)
		return pipeline.SourceStatus{}, nil, false
	}
	i := slices.IndexFunc(statuses, func(st pipeline.SourceStatus) bool { return st.Name == name })
	if i < 0 {
		s.render(w, r, http.StatusNotFound, "notfound.html", name)
		return pipeline.SourceStatus{}, nil, false
	}
	q, ok, err := s.Sources.Quality(r.Context(), name)
	if err != nil {
		s.failed(w, r, "source_quality_failed", err)
		return pipeline.SourceStatus{}, nil, false
	}
	if !ok {
		q = nil
	}
	return statuses[i], q, true
}

// download starts the download of the report of the source a route
// names, as a file with an extension; it answers 404 itself.
func (s *Site) download(w http.ResponseWriter, r *http.Request, ext, contentType string) (*pipeline.SourceQuality, bool) {
	_, q, ok := s.lookupSource(w, r)
	if !ok {
		return nil, false
	}
	if q == nil {
		http.Error(w, "Aucun rapport : la source n'a pas encore été moissonnée.", http.StatusNotFound)
		return nil, false
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="rapport-`+fileSafe(q.Source)+`.`+ext+`"`)
	return q, true
}

// qualityJSON is a source's report as published (JSON).
func (s *Site) qualityJSON(w http.ResponseWriter, r *http.Request) {
	q, ok := s.download(w, r, "json", "application/json")
	if !ok {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(q); err != nil {
		s.log.Warn("quality_report_write_failed", "source", q.Source, "error", err)
	}
}

// qualityCSVHeader is the line-by-line report's header, in French for the
// producer.
var qualityCSVHeader = []string{"ligne", "enregistrement", "identifiant", "niveau", "champ", "colonne", "regle", "valeur", "correction", "message"}

// qualityCSV is a source's report line by line: one row per issue of a
// quarantined or warned record. Every cell is free text from the source
// or the report, so a cell that starts like a formula is neutralised.
func (s *Site) qualityCSV(w http.ResponseWriter, r *http.Request) {
	q, ok := s.download(w, r, "csv", "text/csv; charset=utf-8")
	if !ok {
		return
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(qualityCSVHeader)
	for _, part := range []struct {
		level string
		recs  []pipeline.QuarantinedRecord
	}{{"quarantaine", q.QuarantinedRecords}, {"avertissement", q.WarnedRecords}} {
		for _, rec := range part.recs {
			for _, is := range rec.Reasons {
				row := []string{lineText(rec.Line), strconv.Itoa(rec.Index + 1), rec.RecordKey, part.level, is.Field, is.Column, is.Rule, is.Value, is.Fixed, is.Message}
				for i := range row {
					row[i] = schema.NeutraliseFormula(row[i])
				}
				_ = cw.Write(row)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.Warn("quality_report_write_failed", "source", q.Source, "error", err)
	}
}

// sourceHref is the path of a source's page.
func sourceHref(name string) string { return "/sources/" + url.PathEscape(name) }

// failed answers 500 for a failure of ours, logged.
func (s *Site) failed(w http.ResponseWriter, r *http.Request, msg string, err error) {
	s.log.Error(msg, "path", r.URL.Path, "error", err)
	http.Error(w, "Erreur interne : la page ne peut pas être affichée pour le moment.", http.StatusInternalServerError)
}

// stateText says a source's state in French, and its style class.
func stateText(st pipeline.SourceStatus) (string, string) {
	switch st.Status {
	case store.RunOK, store.RunNotModified:
		return "À jour", "ok"
	case store.RunFailed:
		return "En échec : les données précédentes sont conservées", "bad"
	case store.RunHeld:
		return "Retenue : la récolte n'est pas appliquée, les données précédentes sont conservées", "bad"
	case "disabled":
		return "Désactivée", "off"
	case "":
		return "Pas encore moissonnée", "off"
	}
	return st.Status, "off"
}

// reasonsOf counts a report's quarantine reasons, most frequent first,
// each with the first record it holds back; n bounds them (0: all).
func reasonsOf(q *pipeline.SourceQuality, n int) []reasonCount {
	out := counted(q.QuarantineReasons)
	for i := range out {
		for _, rec := range q.QuarantinedRecords {
			if j := slices.IndexFunc(rec.Reasons, func(is schema.Issue) bool { return is.Field+": "+is.Rule == out[i].Reason }); j >= 0 {
				out[i].Example = whereText(rec) + " : " + rec.Reasons[j].Message
				break
			}
		}
	}
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// counted sorts counts, largest first.
func counted(m map[string]int) []reasonCount {
	out := make([]reasonCount, 0, len(m))
	for k, v := range m {
		out = append(out, reasonCount{Reason: k, Count: v})
	}
	slices.SortFunc(out, func(a, b reasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

// whereText says where a record is in its file: its line when known, else
// its position.
func whereText(rec pipeline.QuarantinedRecord) string {
	if rec.Line > 0 {
		return "ligne " + strconv.Itoa(rec.Line)
	}
	return "enregistrement n° " + strconv.Itoa(rec.Index+1)
}

func lineText(line int) string {
	if line <= 0 {
		return ""
	}
	return strconv.Itoa(line)
}

// sinceText is how long ago a time was, in French.
// peerText says where a peer source stands: the instance, the position
// read up to, the snapshot, the last change read and the lag.
func peerText(p *pipeline.PeerStatus, now time.Time) string {
	if p == nil {
		return ""
	}
	snapshot := "instantané en cours"
	if p.Complete {
		snapshot = "instantané complet"
	}
	lag := "jamais à jour"
	if p.CaughtUpAt != nil {
		lag = "à jour " + sinceText(p.CaughtUpAt, now)
	}
	return "instance " + p.Instance + " · position " + strconv.FormatInt(p.Position, 10) + " · " + snapshot +
		" · dernier changement lu : " + sinceText(p.LastEventAt, now) + " · " + lag
}

func sinceText(t *time.Time, now time.Time) string {
	if t == nil {
		return "jamais"
	}
	return "il y a " + durationText(now.Sub(*t))
}

func nextText(t *time.Time, now time.Time) string {
	if t == nil {
		return "—"
	}
	if !t.After(now) {
		return "maintenant"
	}
	return "dans " + durationText(t.Sub(now))
}

// durationText is a duration in French, at its largest unit.
func durationText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "moins d'une minute"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "heure")
	}
	return plural(int(d/(24*time.Hour)), "jour")
}

func plural(n int, unit string) string {
	if n > 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}

// fileSafe keeps letters, digits, dots, dashes and underscores of a name
// for a download's file name.
func fileSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
}
