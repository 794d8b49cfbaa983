package web_test

import (
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/web"
)

// TestEmbed: /carte shows the lieux of a territory and filters, may be
// framed by any site (and only it), and refuses bad parameters with a
// message naming each.
func TestEmbed(t *testing.T) {
	ts := site(t)
	tests := []struct {
		name, query string
		status      int
		want        []string
		wantNot     []string
	}{
		{"a département", "territoire=dep:05", 200, []string{"3 lieux", `data-tiles="/tiles/lieux.json?departement=05"`, "Médiathèque de Gap", "Centre social de Gap"},
			[]string{"Marseille"}},
		{"filtered", "territoire=dep:05&frais=gratuit", 200, []string{"2 lieux", "departement=05&amp;frais=Gratuit"}, []string{"Espace &#34;&gt;&lt;img"}},
		{"another département", "territoire=dep:13", 200, []string{"1 lieu", "Marseille"}, []string{"Médiathèque"}},
		{"France", "", 200, []string{"4 lieux", `data-tiles="/tiles/lieux.json"`}, nil},
		{"colour and title", "territoire=dep:05&couleur=e1000f&titre=<b>Hub</b>", 200, []string{"couleur=%23e1000f", "&lt;b&gt;Hub&lt;/b&gt;", `data-couleur="#e1000f"`}, []string{"<b>Hub"}},
		{"bad parameters", "territoire=departement:05&couleur=rouge&logo=http://x.fr/l.png&services=Cuisine", 400,
			[]string{"territoire : « departement:05 »", "couleur : « rouge »", "logo : l&#39;adresse d&#39;une image en https", "services : « Cuisine »"}, []string{"data-tiles"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := page(t, ts.URL+"/carte?"+tc.query, browser)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("no %q in\n%s", w, body)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(body, w) {
					t.Errorf("%q in the page", w)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	resp, _ := page(t, ts.URL+"/?adresse=Gap", browser)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self'") {
		t.Errorf("the search page may be framed by others: %q", csp)
	}
	resp, _ = page(t, ts.URL+"/carte?logo=https://hub.example.fr/logo.svg", browser)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' https://hub.example.fr") {
		t.Errorf("the logo's origin is not allowed: %q", csp)
	}
}

// TestEmbedTheme: the hub's colour with the text colour that contrasts
// most (white on dark blue, black on yellow); a bad colour falls back to
// the default.
func TestEmbedTheme(t *testing.T) {
	ts := site(t)
	for q, want := range map[string]string{
		"couleur=%230b4f9c": "--hub: #0b4f9c; --hub-text: #ffffff;",
		"couleur=ffd700":    "--hub: #ffd700; --hub-text: #000000;",
		"couleur=fff":       "--hub: #ffffff; --hub-text: #000000;",
		"couleur=;}body{":   "--hub: #0b4f9c; --hub-text: #ffffff;",
	} {
		resp, body := page(t, ts.URL+"/carte/theme.css?"+q, "")
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, want) {
			t.Errorf("%s: %s %q, want %q", q, resp.Header.Get("Content-Type"), body, want)
		}
	}
}

// TestEmbedBuilder: « Intégrer la carte » turns the choices into a
// snippet pointing at the public URL, and previews it.
func TestEmbedBuilder(t *testing.T) {
	s := web.New(func() *readmodel.Model { return readmodel.Empty() }, http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.PublicURL = "https://lieux.example.fr"
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, body := page(t, ts.URL+"/integrer?territoire=dep:05&services=Aide+aux+d%C3%A9marches+administratives&couleur=%23E1000F&hauteur=500", browser)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, w := range []string{
		`&lt;iframe src=&#34;https://lieux.example.fr/carte?couleur=%23e1000f&amp;amp;services=Aide&#43;aux&#43;d%C3%A9marches&#43;administratives&amp;amp;territoire=dep%3A05&#34;`,
		`height=&#34;500&#34;`, `<iframe class="preview" src="/carte?couleur=%23e1000f&amp;services=`, `value="#e1000f"`, `value="Aide aux démarches administratives" checked`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("no %s in\n%s", w, body)
		}
	}
	resp, body = page(t, ts.URL+"/integrer?hauteur=5000", browser)
	if resp.StatusCode != 400 || !strings.Contains(body, "hauteur : un nombre de pixels entre 300 et 1200") || strings.Contains(body, "extrait") {
		t.Errorf("a bad height: %d\n%s", resp.StatusCode, body)
	}
}

// TestSourcesPages: the dashboard and a source's report escape what the
// source sent, the CSV report neutralises cells that start like a
// formula, an unknown source is 404.
func TestSourcesPages(t *testing.T) {
	ts, _ := browserSite(t)
	_, body := page(t, ts.URL+"/sources", browser)
	for _, w := range []string{"hub-test", "À jour", "il y a 3 heures", "dans 21 heures", "nom: required : 1", "ligne 8 : le nom est obligatoire",
		"instance b6f1c7e0-national · position 1234 · instantané complet · dernier changement lu : il y a 2 heures · à jour il y a 10 minutes"} {
		if !strings.Contains(body, w) {
			t.Errorf("dashboard: no %q in\n%s", w, body)
		}
	}
	_, body = page(t, ts.URL+"/sources/hub-test", browser)
	if !strings.Contains(body, "&lt;b&gt;vide&lt;/b&gt;") || strings.Contains(body, "<b>vide") {
		t.Errorf("the source's value is not escaped:\n%s", body)
	}
	resp, body := page(t, ts.URL+"/sources/hub-test/rapport.csv", "")
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="rapport-hub-test.csv"`) {
		t.Errorf("headers %v", resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV %v %q", err, body)
	}
	if got := strings.Join(rows[1], "|"); got != `8|7|ligne-8|quarantaine|nom|Nom|required|'=HYPERLINK("http://x.fr";"<b>vide</b>")||le nom est obligatoire` {
		t.Errorf("row %q", got)
	}
	resp, _ = page(t, ts.URL+"/sources/inconnue", browser)
	if resp.StatusCode != 404 {
		t.Errorf("unknown source: %d", resp.StatusCode)
	}
}
