package harvest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maillage/maillage/harvest"
)

// fakeSite is a directory of places: two list pages linking detail pages
// (one of them under a path robots.txt disallows), each detail page one
// place. It records the requests it gets.
type fakeSite struct {
	mu       sync.Mutex
	paths    []string
	agents   []string
	at       []time.Time
	failPage string // a path answering 500
}

func (f *fakeSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths, f.agents, f.at = append(f.paths, r.URL.Path), append(f.agents, r.UserAgent()), append(f.at, time.Now())
	f.mu.Unlock()
	if r.URL.Path == f.failPage {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch {
	case r.URL.Path == "/robots.txt":
		w.Write([]byte("User-agent: *\nDisallow: /prive/\n"))
	case r.URL.Path == "/annuaire" && r.URL.Query().Get("page") != "2":
		w.Write([]byte(`<html><body><ul>
<li><a class="fiche" href="/lieu/1">Médiathèque</a></li>
<li><a class="fiche" href="/lieu/2">EPN</a></li>
</ul><a class="suivant" href="/annuaire?page=2">Suivant</a></body></html>`))
	case r.URL.Path == "/annuaire":
		w.Write([]byte(`<html><body><ul>
<li><a class="fiche" href="lieu/3">Centre social</a></li>
<li><a class="fiche" href="/prive/4">Réservé</a></li>
</ul></body></html>`))
	case strings.HasPrefix(r.URL.Path, "/lieu/"):
		n := strings.TrimPrefix(r.URL.Path, "/lieu/")
		fmt.Fprintf(w, `<html><body><article class="lieu">
<h1 class="nom">  Lieu   numéro %s </h1>
<p class="adresse">%s rue de la Paix</p><p class="ville">26000 Valence</p>
<a class="site" href="https://lieu%s.example.fr">site</a></article></body></html>`, n, n, n)
	default:
		http.NotFound(w, r)
	}
}

func TestHTMLCrawl(t *testing.T) {
	site := &fakeSite{}
	srv := httptest.NewServer(site)
	defer srv.Close()
	h := harvest.New(harvest.Options{UserAgent: "maillage/0.1 (+https://github.com/maillage/maillage)", Timeout: 5 * time.Second})
	src := harvest.Source{Name: "annuaire", Kind: "html", Location: srv.URL + "/annuaire", HTML: harvest.HTMLOptions{
		Links: "a.fiche", Next: "a.suivant", Items: "article.lieu", Delay: 50 * time.Millisecond,
		Fields: map[string]string{"nom": "h1.nom", "adresse": ".adresse", "commune": ".ville", "site_web": "a.site@href"}}}
	p, err := h.Fetch(context.Background(), src, harvest.Conditional{})
	if err != nil {
		t.Fatal(err)
	}
	var places []map[string]string
	json.Unmarshal(p.Body, &places)
	if len(places) != 3 || places[0]["nom"] != "Lieu numéro 1" || places[2]["site_web"] != "https://lieu3.example.fr" || places[1]["adresse"] != "2 rue de la Paix" {
		t.Fatalf("places: %v", places)
	}
	if places[2]["url"] != srv.URL+"/annuaire/lieu/3" && places[2]["url"] != srv.URL+"/lieu/3" {
		t.Errorf("the page's URL is kept: %q", places[2]["url"])
	}
	site.mu.Lock()
	defer site.mu.Unlock()
	for i, path := range site.paths {
		if strings.HasPrefix(path, "/prive/") {
			t.Errorf("robots.txt disallows %s, it was fetched", path)
		}
		if !strings.Contains(site.agents[i], "maillage") {
			t.Errorf("User-Agent %q does not name maillage", site.agents[i])
		}
		if i > 1 && site.at[i].Sub(site.at[i-1]) < 40*time.Millisecond {
			t.Errorf("requests %d and %d %v apart: the host's delay is not kept", i-1, i, site.at[i].Sub(site.at[i-1]))
		}
	}
	table, err := h.Decode(src, p)
	if err != nil || len(table.Records) != 3 {
		t.Errorf("decode: %v %d", err, len(table.Records))
	}
}

func TestHTMLCrawlErrors(t *testing.T) {
	site := &fakeSite{failPage: "/lieu/2"}
	srv := httptest.NewServer(site)
	defer srv.Close()
	h := harvest.New(harvest.Options{Timeout: 5 * time.Second})
	src := harvest.Source{Name: "annuaire", Kind: "html", Location: srv.URL + "/annuaire", HTML: harvest.HTMLOptions{
		Links: "a.fiche", Next: "a.suivant", Items: "article.lieu", Delay: time.Millisecond, Fields: map[string]string{"nom": "h1.nom"}}}
	if _, err := h.Fetch(context.Background(), src, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), "/lieu/2: HTTP 500") {
		t.Errorf("a failing page fails the crawl (its data would be partial): %v", err)
	}
	src.HTML.MaxPages = 2
	site.failPage = ""
	if _, err := h.Fetch(context.Background(), src, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), "max_pages") {
		t.Errorf("max pages: %v", err)
	}
	src.HTML.MaxPages, src.HTML.Items = 0, "article.fiche-inconnue"
	want := `no detail page matching html.items "article.fiche-inconnue" (html.links "a.fiche")`
	if _, err := h.Fetch(context.Background(), src, harvest.Conditional{}); !errors.Is(err, harvest.ErrNoItems) || !strings.Contains(err.Error(), want) ||
		!strings.Contains(err.Error(), srv.URL+"/annuaire") {
		t.Errorf("no item: %v, want %q and the first page's URL", err, want)
	}
	if err := harvest.ValidateSource(harvest.Source{Kind: "html", Location: srv.URL}); err == nil || !strings.Contains(err.Error(), "html.fields") {
		t.Errorf("fields are needed: %v", err)
	}
}
