package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/stats"
	"github.com/maillage/maillage/web"
)

// TestObservatoirePage: the page shows the figures of France and of a
// territory, each table with its CSV link, the charts as SVG images with
// a title and a description, and names a bad territory.
func TestObservatoirePage(t *testing.T) {
	_, st := siteAndStore(t)
	m, err := readmodel.Build(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	var cache stats.Cache
	s := web.New(func() *readmodel.Model { return m }, http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Stats = func(scope stats.Scope) (*stats.Report, []stats.Lieu) { return cache.Report(m, scope), cache.Lieux(m) }
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/observatoire", []string{"<h1>Observatoire des lieux de médiation numérique : France</h1>", `role="img"`, "<title id=\"graphique-couverture-titre\">",
			`href="/api/v1/stats/couverture.csv"`, `href="/api/v1/stats/repartition.csv"`, "Provence-Alpes-Côte d&#39;Azur", "<caption>"}},
		{"/observatoire?territoire=dep:05", []string{"Hautes-Alpes", `href="/api/v1/stats/territoires.csv?territoire=dep%3A05"`, `scope="col"`}},
	} {
		resp, body := page(t, ts.URL+tc.path, "text/html")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", tc.path, resp.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q", tc.path, w)
			}
		}
	}
	if resp, body := page(t, ts.URL+"/observatoire?territoire=dep:5", "text/html"); resp.StatusCode != 400 || !strings.Contains(body, "département") {
		t.Errorf("a bad territory: %d", resp.StatusCode)
	}
}
