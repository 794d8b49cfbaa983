package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/maillage/maillage/api"
	"github.com/maillage/maillage/internal/browsertest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/web"
)

// artefactDir is where the browser tests leave their screenshots and the
// printed list (MAILLAGE_ARTEFACTS, else test-artefacts/browser at the
// repository's root, which git ignores).
func artefactDir(t *testing.T) string {
	dir := os.Getenv("MAILLAGE_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", "test-artefacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	t.Logf("screenshots in %s", abs)
	return dir
}

// requestLog records the paths the pages asked for.
type requestLog struct {
	mu    sync.Mutex
	paths []string
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.paths = append(l.paths, r.URL.RequestURI())
		l.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// seen says whether a path starting with prefix was asked for.
func (l *requestLog) seen(prefix string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.paths, func(p string) bool { return strings.HasPrefix(p, prefix) })
}

// staticSources is the sources dashboard's data: one source with a
// quarantined record whose value carries HTML.
type staticSources struct{}

func (staticSources) Statuses(context.Context) ([]pipeline.SourceStatus, error) {
	at := tuesday.Add(-3 * time.Hour)
	next := tuesday.Add(21 * time.Hour)
	caught, event := tuesday.Add(-10*time.Minute), tuesday.Add(-2*time.Hour)
	lag := int64(600)
	return []pipeline.SourceStatus{
		{Name: "hub-test", Kind: "file", Schedule: "@daily", Status: store.RunOK, LastSuccess: &at, Records: 7, NextRun: &next},
		{Name: "national", Kind: "peer", Schedule: "@hourly", Status: store.RunNotModified, LastSuccess: &caught, Records: 7, NextRun: &next,
			Peer: &pipeline.PeerStatus{Instance: "b6f1c7e0-national", Position: 1234, Complete: true, LastEventAt: &event, CaughtUpAt: &caught, LagSeconds: &lag}},
	}, nil
}

func (staticSources) Quality(_ context.Context, name string) (*pipeline.SourceQuality, bool, error) {
	q := &pipeline.SourceQuality{Schema: schema.CurrentVersion}
	q.Source, q.Status = name, store.RunOK
	q.Current = pipeline.RecordAccount{Records: 7, Linked: 6, Quarantined: 1}
	q.QuarantineReasons = map[string]int{"nom: required": 1}
	q.QuarantinedRecords = []pipeline.QuarantinedRecord{{RecordKey: "ligne-8", Index: 6, Line: 8, Reasons: []schema.Issue{
		{Field: "nom", Column: "Nom", Rule: "required", Value: `=HYPERLINK("http://x.fr";"<b>vide</b>")`, Message: "le nom est obligatoire", Level: schema.LevelError}}}}
	return q, true, nil
}

// browserSite serves the pages and the real API over a SQLite store, both
// on the fixed clock, and records the paths asked for.
func browserSite(t *testing.T) (*httptest.Server, *requestLog) {
	t.Helper()
	_, st := siteAndStore(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := api.New(st, log)
	srv.Now = func() time.Time { return tuesday }
	if err := srv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := web.New(srv.Model, srv.Handler(), log)
	s.Now = func() time.Time { return tuesday }
	s.Reports, s.Sources, s.Stats = st, staticSources{}, srv.StatsReport
	requests := &requestLog{}
	ts := httptest.NewServer(requests.wrap(s.Handler()))
	t.Cleanup(ts.Close)
	return ts, requests
}

// press types a key into the focused element as a keyboard does: its
// keydown carries the text, so a default the page does not prevent (a
// form's implicit submission) happens.
func press(key string, code int64, text string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		down := input.DispatchKeyEvent(input.KeyDown).WithKey(key).WithCode(key).WithWindowsVirtualKeyCode(code).WithNativeVirtualKeyCode(code)
		if text != "" {
			down = down.WithText(text).WithUnmodifiedText(text)
		} else {
			down.Type = input.KeyRawDown
		}
		if err := down.Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey(key).WithCode(key).WithWindowsVirtualKeyCode(code).WithNativeVirtualKeyCode(code).Do(ctx)
	})
}

// TestInBrowser walks the pages in headless Chromium as a prescriber and
// a hub would: the search with its suggestions, filters, a lieu, the
// printed list, the embedded map on another site, the sources; axe-core
// checks every page, and no page may log an error.
func TestInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ts, requests := browserSite(t)
	b := browsertest.Start(t)
	axe := browsertest.Axe(t)
	dir := artefactDir(t)
	ctx, cancel := context.WithTimeout(b.Ctx, 3*time.Minute)
	defer cancel()
	b.Ctx = ctx

	run := func(t *testing.T, what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// follow runs an action that loads another page and waits for it
	follow := func(t *testing.T, what string, a chromedp.Action) {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if resp == nil || resp.Status != http.StatusOK {
			t.Fatalf("%s: the new page answered %v", what, resp)
		}
	}
	// check audits the page, keeps its screenshot and fails on any error
	// the page logged
	check := func(t *testing.T, step string) {
		t.Helper()
		for _, v := range b.Audit(t, axe) {
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Errorf("%s: axe %s (%s): %s on %v", step, v.ID, v.Impact, v.Help, v.Nodes)
			} else {
				t.Logf("%s: axe %s (%s): %s on %v", step, v.ID, v.Impact, v.Help, v.Nodes)
			}
		}
		b.Screenshot(t, dir, step)
		for _, e := range b.Errors() {
			t.Errorf("%s: the page logged %s", step, e)
		}
	}
	text := func(t *testing.T, sel string) string {
		t.Helper()
		var s string
		run(t, "text of "+sel, chromedp.Text(sel, &s, chromedp.ByQuery))
		return s
	}
	results := func(t *testing.T) []string {
		t.Helper()
		var names []string
		run(t, "results", chromedp.Evaluate(`[...document.querySelectorAll(".list .lieu h3")].map(h => h.textContent)`, &names))
		return names
	}
	waitMap := func(t *testing.T) int {
		t.Helper()
		var n string
		run(t, "map drawn", chromedp.WaitVisible("#carte[data-rendu]", chromedp.ByQuery),
			chromedp.AttributeValue("#carte", "data-rendu", &n, nil, chromedp.ByQuery))
		var count int
		fmt.Sscan(n, &count)
		// the keyboard reaches the map, and it is named
		var keyboard bool
		run(t, "map keyboard", chromedp.Evaluate(`(() => { const c = document.querySelector("#carte canvas"); return c.tabIndex === 0 && c.getAttribute("aria-label").length > 0; })()`, &keyboard))
		if !keyboard {
			t.Error("the map's canvas is not focusable or has no name")
		}
		return count
	}

	t.Run("search with a suggestion", func(t *testing.T) {
		run(t, "home", chromedp.Navigate(ts.URL+"/"), browsertest.WaitVisible("#adresse"))
		check(t, "1-accueil")
		run(t, "type Gap", chromedp.SendKeys("#adresse", "Gap", chromedp.ByQuery), browsertest.WaitVisible("#adresse-suggestions li"))
		var expanded string
		run(t, "combobox", chromedp.AttributeValue("#adresse", "aria-expanded", &expanded, nil, chromedp.ByQuery))
		if expanded != "true" {
			t.Errorf("aria-expanded = %q with suggestions shown", expanded)
		}
		if first := text(t, "#adresse-suggestions li"); !strings.HasPrefix(first, "Gap (05000)") {
			t.Errorf("first suggestion = %q, want Gap (05000)", first)
		}
		check(t, "2-suggestions")
		// the keyboard picks it: down arrow, then Enter
		var value string
		var loc string
		run(t, "pick", press("ArrowDown", 40, ""), press("Enter", 13, "\r"), chromedp.Value("#adresse", &value, chromedp.ByQuery), chromedp.Location(&loc))
		if value != "05000 Gap" {
			t.Fatalf("the field holds %q after picking, want 05000 Gap", value)
		}
		if strings.Contains(loc, "adresse=") {
			t.Fatalf("Enter on a suggestion sent the form (%s): it should only pick", loc)
		}
		follow(t, "search", chromedp.Click(".search button[type=submit]", chromedp.ByQuery))
		run(t, "searched", browsertest.WaitVisible(".list .lieu"))
		if got := text(t, ".count"); !strings.Contains(got, "3 lieux trouvés") {
			t.Errorf("count = %q, want 3 lieux trouvés", got)
		}
		if n := waitMap(t); n < 1 {
			t.Errorf("the map shows %d lieux", n)
		}
		if !requests.seen("/tiles/lieux/") {
			t.Error("the map asked for no tile")
		}
		check(t, "3-resultats")
	})

	t.Run("free and open now", func(t *testing.T) {
		var ticked bool
		run(t, "tick", chromedp.Click(`input[name=frais][value="Gratuit"]`, chromedp.ByQuery, chromedp.NodeVisible), chromedp.Click("#ouvert", chromedp.ByQuery, chromedp.NodeVisible),
			chromedp.Evaluate(`document.querySelector('input[name=frais][value="Gratuit"]').checked && document.querySelector("#ouvert").checked`, &ticked))
		if !ticked {
			t.Fatal("the clicks did not tick the boxes")
		}
		follow(t, "send", chromedp.Click(".search button[type=submit]", chromedp.ByQuery, chromedp.NodeVisible))
		run(t, "sent", browsertest.WaitVisible(".count"))
		var loc string
		run(t, "url", chromedp.Location(&loc))
		if !strings.Contains(loc, "frais=Gratuit") || !strings.Contains(loc, "ouvert=maintenant") {
			t.Errorf("the URL %s does not hold the search", loc)
		}
		if got := results(t); !slices.Equal(got, []string{"Médiathèque de Gap"}) {
			t.Errorf("free and open on Tuesday 11:30: %q, want the médiathèque only", got)
		}
		if got := text(t, ".list .status"); got != "Ouvert · ferme à 12 h" {
			t.Errorf("status = %q", got)
		}
		waitMap(t)
		if !requests.seen("/tiles/lieux.json?frais=Gratuit&ouvert_maintenant=true") {
			t.Error("the map's tiles do not carry the filters")
		}
		check(t, "4-gratuit-ouvert")
	})

	t.Run("open on Saturday", func(t *testing.T) {
		var back string
		run(t, "where", chromedp.Location(&back))
		follow(t, "saturday", chromedp.Navigate(ts.URL+"/?adresse=05000+Gap&samedi=1"))
		if got := results(t); !slices.Equal(got, []string{`<script>alert("x")</script> Espace "><img src=x onerror=alert(1)>`}) {
			t.Errorf("open on Saturday: %q", got)
		}
		if n := waitMap(t); n != 1 {
			t.Errorf("the map shows %d lieux, the list 1", n)
		}
		if !requests.seen("/tiles/lieux.json?ouvert_le=2026-12-12") {
			t.Error("the map's tiles do not carry « ouvert le samedi »")
		}
		check(t, "5-samedi")
		follow(t, "back", chromedp.Navigate(back))
	})

	t.Run("print", func(t *testing.T) {
		run(t, "print media", emulation.SetEmulatedMedia().WithMedia("print"))
		var hidden bool
		run(t, "form hidden", chromedp.Evaluate(`getComputedStyle(document.querySelector("form.search")).display === "none" && getComputedStyle(document.querySelector("#carte")).display === "none"`, &hidden))
		if !hidden {
			t.Error("the printed list shows the form or the map")
		}
		b.Screenshot(t, dir, "6-impression")
		var pdf []byte
		run(t, "pdf", chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			pdf, _, err = cdppage.PrintToPDF().WithPreferCSSPageSize(true).Do(ctx)
			return err
		}))
		if err := os.WriteFile(filepath.Join(dir, "6-impression.pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, "screen media", emulation.SetEmulatedMedia().WithMedia(""))
	})

	t.Run("reflow at 320 px", func(t *testing.T) {
		var width int
		run(t, "narrow", emulation.SetDeviceMetricsOverride(320, 800, 1, true), chromedp.Sleep(200*time.Millisecond),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &width))
		if width > 320 {
			t.Errorf("the page is %d px wide at 320 px: it does not reflow", width)
		}
		b.Screenshot(t, dir, "7-320px")
		run(t, "wide", emulation.ClearDeviceMetricsOverride())
	})

	t.Run("a lieu", func(t *testing.T) {
		follow(t, "open", chromedp.Click(".list .lieu h3 a", chromedp.ByQuery))
		if got := text(t, "h1"); got != "Médiathèque de Gap" {
			t.Errorf("h1 = %q", got)
		}
		check(t, "8-lieu")
	})

	t.Run("embed on a hub's site", func(t *testing.T) {
		run(t, "builder", chromedp.Navigate(ts.URL+"/integrer?territoire=dep:05&couleur=%23e1000f&titre=Hub+test"), browsertest.WaitVisible("#extrait"))
		var snippet string
		run(t, "snippet", chromedp.Value("#extrait", &snippet, chromedp.ByQuery))
		if !strings.Contains(snippet, ts.URL+"/carte?") || !strings.Contains(snippet, "territoire=dep%3A05") {
			t.Fatalf("snippet %s", snippet)
		}
		check(t, "9-integrer")
		// another origin shows it, as a hub's page would
		hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Hub</title></head><body><main><h1>Notre carte</h1>`+snippet+`</main></body></html>`)
		}))
		defer hub.Close()
		run(t, "hub", chromedp.Navigate(hub.URL), browsertest.WaitVisible("iframe"))
		deadline := time.Now().Add(30 * time.Second)
		for !requests.seen("/tiles/lieux/") || !requests.seen("/carte/theme.css") {
			if time.Now().After(deadline) {
				t.Fatal("the embedded map asked for no tile within 30 s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(time.Second) // the tiles drawn before the screenshot
		b.Screenshot(t, dir, "10-carte-sur-un-site")
		for _, e := range b.Errors() {
			t.Errorf("hub page: %s", e)
		}
		run(t, "carte", chromedp.Navigate(ts.URL+"/carte?territoire=dep:05&couleur=%23e1000f"), browsertest.WaitVisible("#carte"))
		if n := waitMap(t); n < 1 {
			t.Errorf("the embedded map shows %d lieux", n)
		}
		check(t, "11-carte")
	})

	t.Run("other pages", func(t *testing.T) {
		for i, c := range []struct {
			path   string
			status int
		}{
			{"/lieux/inconnu", 404}, {"/lieux/gap-supprime", 410}, {"/lieux/gap-mediatheque?signalement=merci", 200},
			{"/carte?couleur=rouge", 400}, {"/?adresse=Nulle-Part", 422}, {"/?adresse=05000", 200},
			{"/observatoire", 200}, {"/observatoire?territoire=dep:05", 200}, {"/observatoire?territoire=dep:5", 400},
		} {
			resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(ts.URL+c.path))
			if err != nil || resp.Status != int64(c.status) {
				t.Fatalf("%s: %v %v, want %d", c.path, resp, err, c.status)
			}
			for _, v := range b.Audit(t, axe) {
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("%s: axe %s (%s): %s on %v", c.path, v.ID, v.Impact, v.Help, v.Nodes)
				}
			}
			b.Screenshot(t, dir, fmt.Sprintf("12-page-%d", i))
			for _, e := range b.Errors() {
				// the browser logs the page's own status when it is an error
				if c.status >= 400 && strings.Contains(e, "status of "+fmt.Sprint(c.status)) && strings.HasSuffix(e, c.path) {
					continue
				}
				t.Errorf("%s: the page logged %s", c.path, e)
			}
		}
	})

	t.Run("sources", func(t *testing.T) {
		run(t, "dashboard", chromedp.Navigate(ts.URL+"/sources"), browsertest.WaitVisible("table.sources"))
		check(t, "13-sources")
		follow(t, "source", chromedp.Click("table.sources a", chromedp.ByQuery))
		if got := text(t, ".summary"); !strings.Contains(got, "1 en quarantaine") {
			t.Errorf("summary = %q", got)
		}
		check(t, "14-source")
	})
}
