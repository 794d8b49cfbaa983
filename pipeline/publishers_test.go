package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// Faults a publisher can show, one at a time.
const (
	faultNone      = ""
	faultShrunk    = "shrunk file"            // a third of the records
	faultErrorPage = "error page, status 200" // a maintenance page served as the data
	faultTruncated = "truncated body"         // half the announced bytes, then the connection ends
	faultRenamed   = "renamed columns"        // nom and adresse under other names: read by their values
	faultDropped   = "dropped columns"        // nom and adresse gone
	faultFail500   = "500 once"               // then served as usual
	faultLimit429  = "429 with Retry-After"   // once, then served as usual
	faultShortPage = "short first page"       // the paged API's first page holds 5 records, its count all
)

// publisher is a fake of every kind of upstream maillage harvests,
// serving the records of one real file the way each real one does: a
// plain file, a data.gouv.fr dataset (API metadata, then the resource's
// stable URL that redirects to the file), an OpenDataSoft v2.1 export, a
// paged JSON API (Django REST framework: count, results, next), a
// YesWiki Bazar form (entries keyed by id), a GoGoCarto map (data, with
// nested geo) and an HTML directory (list pages linking detail pages).
type publisher struct {
	records []map[string]any
	mu      sync.Mutex
	fault   string
	faulted bool // the one-time faults were shown
}

const apiPageSize = 25

func newPublisher(t *testing.T, path string) (*publisher, *httptest.Server) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := &publisher{}
	if err := json.Unmarshal(raw, &p.records); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files/lieux.json", func(w http.ResponseWriter, r *http.Request) { p.writeJSON(w, p.current()) })
	mux.HandleFunc("GET /api/1/datasets/lieux-nc/", p.dataGouvDataset)
	mux.HandleFunc("GET /fr/datasets/r/5e1f", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/files/lieux.json", http.StatusFound)
	})
	mux.HandleFunc("GET /api/explore/v2.1/catalog/datasets/lieux-nc/exports/json", func(w http.ResponseWriter, r *http.Request) {
		p.writeJSON(w, p.current())
	})
	mux.HandleFunc("GET /api/lieux/", p.drfPage)
	mux.HandleFunc("GET /wiki/", p.bazarEntries)
	mux.HandleFunc("GET /carte/api/elements.json", p.goGoCartoElements)
	mux.HandleFunc("GET /annuaire", p.listPage)
	mux.HandleFunc("GET /lieu/{n}", p.detailPage)
	srv := httptest.NewServer(p.withFaults(mux))
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *publisher) set(fault string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault, p.faulted = fault, false
}

// withFaults answers with the fault when it is one of the protocol.
func (p *publisher) withFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		p.mu.Lock()
		fault, once := p.fault, !p.faulted
		if fault == faultFail500 || fault == faultLimit429 {
			p.faulted = true
		}
		p.mu.Unlock()
		switch {
		case fault == faultFail500 && once:
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		case fault == faultLimit429 && once:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
		case fault == faultErrorPage:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Site en maintenance</h1></body></html>"))
		case fault == faultTruncated:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(rec.Code)
			w.Write(body[:len(body)/2])
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// current is the records as the publisher has them now.
func (p *publisher) current() []map[string]any {
	p.mu.Lock()
	fault := p.fault
	p.mu.Unlock()
	recs := p.records
	if fault == faultShrunk {
		recs = recs[:len(recs)/3]
	}
	out := make([]map[string]any, len(recs))
	for i, r := range recs {
		c := make(map[string]any, len(r))
		for k, v := range r {
			if fault == faultRenamed && (k == "nom" || k == "adresse") {
				k = "champ_" + strconv.Itoa(len(k))
			}
			if fault == faultDropped && (k == "nom" || k == "adresse") {
				continue
			}
			c[k] = v
		}
		out[i] = c
	}
	return out
}

func (p *publisher) writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// dataGouvDataset answers GET /api/1/datasets/{id}/ as data.gouv.fr does,
// with the fields the harvester reads and others beside them.
func (p *publisher) dataGouvDataset(w http.ResponseWriter, r *http.Request) {
	p.writeJSON(w, map[string]any{
		"id": "64f1c2e5b3a1", "title": "Lieux de médiation numérique en Nouvelle-Calédonie", "slug": "lieux-nc",
		"resources": []map[string]any{
			{"id": "0a1b", "title": "Notice", "format": "pdf", "url": "/files/notice.pdf", "latest": "/fr/datasets/r/0a1b",
				"last_modified": "2024-03-20T10:00:00.000000+00:00", "schema": map[string]any{"name": nil}},
			{"id": "5e1f", "title": "Lieux de médiation numérique", "format": "json", "url": "/files/lieux.json",
				"latest": "/fr/datasets/r/5e1f", "last_modified": "2024-03-20T10:00:00.000000+00:00",
				"schema": map[string]any{"name": "LaMednum/standard-mediation-num", "version": "1.0.2"}},
		},
	})
}

// drfPage serves ?page=N (from 1) as Django REST framework's
// PageNumberPagination: count, next (absolute URL or null), results.
func (p *publisher) drfPage(w http.ResponseWriter, r *http.Request) {
	recs := p.current()
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	from := min((n-1)*apiPageSize, len(recs))
	to := min(from+apiPageSize, len(recs))
	p.mu.Lock()
	if p.fault == faultShortPage && n == 1 {
		to = min(from+5, len(recs))
	}
	p.mu.Unlock()
	body := map[string]any{"count": len(recs), "previous": nil, "next": nil, "results": recs[from:to]}
	if to < len(recs) {
		body["next"] = fmt.Sprintf("http://%s/api/lieux/?page=%d", r.Host, n+1)
	}
	p.writeJSON(w, body)
}

// bazarEntries answers ?api/forms/3/entries: the entries keyed by their
// id, with the Bazar's own members beside the form's fields.
func (p *publisher) bazarEntries(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "api/forms/3/entries" {
		http.NotFound(w, r)
		return
	}
	out := map[string]any{}
	for i, rec := range p.current() {
		e := map[string]any{"id_typeannonce": "3", "id_fiche": fmt.Sprintf("Lieu%03d", i), "date_creation_fiche": "2024-03-20 10:00:00"}
		for k, v := range rec {
			e[k] = v
		}
		out[fmt.Sprintf("Lieu%03d", i)] = e
	}
	p.writeJSON(w, out)
}

// goGoCartoElements answers /api/elements.json: data, each element's
// point nested under geo.
func (p *publisher) goGoCartoElements(w http.ResponseWriter, r *http.Request) {
	var data []map[string]any
	for _, rec := range p.current() {
		e := map[string]any{}
		for k, v := range rec {
			if k != "latitude" && k != "longitude" {
				e[k] = v
			}
		}
		e["geo"] = map[string]any{"latitude": rec["latitude"], "longitude": rec["longitude"]}
		data = append(data, e)
	}
	p.writeJSON(w, map[string]any{"licence": "https://opendatacommons.org/licenses/odbl/summary/", "ontology": "gogofull", "data": data})
}

// htmlFields are the record members the directory shows, by CSS class.
var htmlFields = []string{"id", "nom", "adresse", "code_postal", "commune", "latitude", "longitude"}

// listPage serves ?page=N (from 1): links to 30 detail pages and a link
// to the next page.
func (p *publisher) listPage(w http.ResponseWriter, r *http.Request) {
	recs := p.current()
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html lang=\"fr\"><head><title>Annuaire</title></head><body><ul>")
	for i := (n - 1) * 30; i < min(n*30, len(recs)); i++ {
		fmt.Fprintf(&b, "<li><a class=\"fiche\" href=\"/lieu/%d\">%s</a></li>", i, html.EscapeString(fmt.Sprint(recs[i]["nom"])))
	}
	b.WriteString("</ul>")
	if n*30 < len(recs) {
		fmt.Fprintf(&b, "<a class=\"suivant\" href=\"/annuaire?page=%d\">Page suivante</a>", n+1)
	}
	b.WriteString("</body></html>")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// detailPage serves one place; a renamed column shows as another class.
func (p *publisher) detailPage(w http.ResponseWriter, r *http.Request) {
	recs := p.current()
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= len(recs) {
		http.NotFound(w, r)
		return
	}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html lang=\"fr\"><head><title>Fiche</title></head><body><article class=\"lieu\">")
	for _, f := range htmlFields {
		v, ok := recs[n][f]
		class := f
		if !ok { // renamed
			class, v = "champ-"+f, recs[n]["champ_"+strconv.Itoa(len(f))]
		}
		fmt.Fprintf(&b, "<span class=\"%s\">%s</span>", class, html.EscapeString(fmt.Sprint(v)))
	}
	b.WriteString("</article></body></html>")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// publisherSources configures one source of each kind on the publisher.
func publisherSources(base string) []harvest.Source {
	fields := map[string]string{}
	for _, f := range htmlFields {
		fields[f] = "." + f
	}
	return []harvest.Source{
		{Kind: "http", Location: base + "/files/lieux.json"},
		{Kind: "datagouv", Location: "lieux-nc", DataGouv: harvest.DataGouvOptions{API: base, Schema: "LaMednum/standard-mediation-num"}},
		{Kind: "ods", Location: base, ODS: harvest.ODSOptions{Dataset: "lieux-nc"}},
		{Kind: "http-json", Location: base + "/api/lieux/", JSONAPI: harvest.JSONAPIOptions{Records: "results", Paging: "next"}},
		{Kind: "yeswiki", Location: base + "/wiki/", YesWiki: harvest.YesWikiOptions{Form: 3}},
		{Kind: "gogocarto", Location: base + "/carte"},
		{Kind: "html", Location: base + "/annuaire", HTML: harvest.HTMLOptions{Links: "a.fiche", Next: "a.suivant", Items: "article.lieu",
			Fields: fields, Delay: time.Millisecond}},
	}
}

// TestPublisherFaults is acceptance point 2 of issue 16: every source
// kind, against a fake publisher serving a real file, meets each fault
// after a clean harvest; lieux.csv stays byte-identical through all of
// them, the faults of the protocol (500 once, 429 with Retry-After) end
// ok, as does a renaming of columns whose values say what they are
// (issue 22), the others fail or are held, and the clean harvest after each
// fault finds the data as it was.
func TestPublisherFaults(t *testing.T) {
	want := map[string][]string{
		faultShrunk:    {store.RunHeld},
		faultErrorPage: {store.RunFailed},
		faultTruncated: {store.RunFailed},
		faultRenamed:   {store.RunOK},
		faultDropped:   {store.RunHeld, store.RunFailed},
		faultFail500:   {store.RunOK, store.RunNotModified},
		faultLimit429:  {store.RunOK, store.RunNotModified},
	}
	faults := []string{faultShrunk, faultErrorPage, faultTruncated, faultRenamed, faultDropped, faultFail500, faultLimit429}
	pub, srv := newPublisher(t, "../examples/nouvelle-caledonie-20240320.json")
	for _, src := range publisherSources(srv.URL) {
		t.Run(src.Kind, func(t *testing.T) {
			pub.set(faultNone)
			src.Name = "hub-" + src.Kind
			cfg := &config.Config{Dir: t.TempDir(), Harvest: config.Harvest{HoldBelow: 0.5}, Sources: []config.Source{{Source: src}}}
			st := openStore(t)
			p := pipeline.New(st, harvest.New(harvest.Options{Timeout: 10 * time.Second, Retries: 2, RetryBackoff: 10 * time.Millisecond}), quiet)
			ctx := context.Background()
			run := func(label string, allowed ...string) string {
				t.Helper()
				rep, err := p.Run(ctx, cfg, pipeline.Options{})
				if err != nil {
					t.Fatalf("%s: %v", label, err)
				}
				s := rep.Sources[0]
				ok := false
				for _, a := range allowed {
					ok = ok || s.Status == a
				}
				if !ok {
					t.Errorf("%s: status %s (%s), want one of %v", label, s.Status, s.Error, allowed)
				}
				return writtenCSV(t, p, rep)
			}
			clean := run("first harvest", store.RunOK)
			if n := bytes.Count([]byte(clean), []byte("\n")); n < 80 {
				t.Fatalf("the first harvest published %d lines", n)
			}
			for _, fault := range faults {
				pub.set(fault)
				allowed := want[fault]
				if fault == faultRenamed && src.Kind == "html" {
					// its fields are read by the configured selectors: renamed
					// classes leave no value to recognise
					allowed = want[faultDropped]
				}
				if got := run(fault, allowed...); got != clean {
					t.Errorf("%s changed lieux.csv", fault)
				}
				pub.set(faultNone)
				if got := run("clean harvest after "+fault, store.RunOK, store.RunNotModified); got != clean {
					t.Errorf("the clean harvest after %s changed lieux.csv", fault)
				}
			}
		})
	}
}
