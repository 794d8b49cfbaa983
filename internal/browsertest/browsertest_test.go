package browsertest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/maillage/maillage/internal/browsertest"
)

// TestCatchesFaults shows that the harness can fail a page: axe-core
// finds an image without text and a field without a label, and the
// console error and the exception a script raises are recorded.
func TestCatchesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Faute</title><link rel="icon" href="data:,"></head>`+
				`<body><main><h1>Faute</h1><img src="/x.png"><input type="text"><script src="/faute.js"></script></main></body></html>`)
		case "/faute.js":
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, `console.error("erreur voulue"); setTimeout(function () { throw new Error("exception voulue"); }, 0);`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	b := browsertest.Start(t)
	axe := browsertest.Axe(t)
	if err := chromedp.Run(b.Ctx, chromedp.Navigate(ts.URL), browsertest.WaitVisible("h1"), chromedp.Sleep(100e6)); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range b.Audit(t, axe) {
		ids = append(ids, v.ID+"/"+v.Impact)
	}
	for _, want := range []string{"image-alt/critical", "label/critical"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe found %v, not %s", ids, want)
		}
	}
	errs := strings.Join(b.Errors(), "\n")
	for _, want := range []string{"erreur voulue", "exception voulue", "404"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors recorded:\n%s\nnothing about %q", errs, want)
		}
	}
}
