package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
	"github.com/maillage/maillage/web"
)

// tuesday is the pages' clock: Tuesday 8 December 2026, 11:30 in Paris.
var tuesday = time.Date(2026, 12, 8, 10, 30, 0, 0, time.UTC)

func lieu(id, nom string, lon, lat float64, hours string, fill func(*schema.Lieu)) schema.Lieu {
	l := schema.Lieu{ID: id, Nom: nom, Adresse: "1 rue de la Paix", CodePostal: "05000", Commune: "Gap", CodeINSEE: "05061",
		Longitude: &lon, Latitude: &lat, Horaires: hours, DateMaj: "2026-11-02", Source: "hub-test",
		Services: []string{"Aide aux démarches administratives"}, FraisACharge: []string{"Gratuit"},
		Territoire: &schema.Territoire{Departement: "05", Region: "93", EPCI: "200067452"}}
	if fill != nil {
		fill(&l)
	}
	return l
}

// site serves pages over a real SQLite store: lieux around Gap (one with
// a name carrying HTML and a javascript: link), one in Marseille, one
// merged into another, one deleted.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	ts, _ := siteAndStore(t)
	return ts
}

func siteAndStore(t *testing.T) (*httptest.Server, store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lieux := []schema.Lieu{
		lieu("gap-mediatheque", "Médiathèque de Gap", 6.0800, 44.5600, "Mo-Fr 09:00-12:00,14:00-17:00", func(l *schema.Lieu) {
			l.Telephone = "+33 4 92 00 00 00"
			l.PriseRdv = "https://rdv.example.fr/gap"
		}),
		lieu("gap-evil", `<script>alert("x")</script> Espace "><img src=x onerror=alert(1)>`, 6.0900, 44.5700, "Sa 10:00-12:00", func(l *schema.Lieu) {
			l.PriseRdv = "javascript:alert(1)"
			l.FraisACharge = []string{"Payant"}
		}),
		lieu("gap-sans-horaires", "Centre social de Gap", 6.0700, 44.5500, "", nil),
		lieu("marseille", "Espace numérique de Marseille", 5.3698, 43.2965, "Mo-Fr 09:00-17:00", func(l *schema.Lieu) {
			l.CodePostal, l.Commune, l.CodeINSEE, l.Territoire = "13001", "Marseille", "13055", &schema.Territoire{Departement: "13", Region: "93"}
		}),
		lieu("gap-ancien", "Ancienne fiche", 6.0810, 44.5610, "", nil),
		lieu("gap-supprime", "Fiche supprimée", 6.0820, 44.5620, "", nil),
	}
	var set store.LieuSet
	for _, l := range lieux {
		set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: l})
	}
	if _, err := st.SaveLieux(ctx, set, tuesday); err != nil {
		t.Fatal(err)
	}
	set.Lieux, set.Redirects = set.Lieux[:4], map[string]string{"gap-ancien": "gap-mediatheque"}
	if _, err := st.SaveLieux(ctx, set, tuesday); err != nil {
		t.Fatal(err)
	}
	m, err := readmodel.Build(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"api":true}`)
	})
	s := web.New(func() *readmodel.Model { return m }, api, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Now = func() time.Time { return tuesday }
	s.Reports = st
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, st
}

func page(t *testing.T, u string, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return do(t, req)
}

// do sends a request without following redirects and reads the answer.
func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func TestHomeNegotiates(t *testing.T) {
	ts := site(t)
	for _, c := range []struct {
		accept, query string
		html          bool
	}{
		{browser, "", true},
		{"", "", false},
		{"application/json", "", false},
		{"*/*", "", false},
		{"application/json, text/html", "", false},
		{"", "?f=html", true},
		{browser, "?f=json", false},
	} {
		resp, body := page(t, ts.URL+"/"+c.query, c.accept)
		isHTML := strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")
		if resp.StatusCode != 200 || isHTML != c.html || !c.html && body != `{"api":true}` {
			t.Errorf("Accept %q %s: %d %s, want HTML %v", c.accept, c.query, resp.StatusCode, resp.Header.Get("Content-Type"), c.html)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
			t.Errorf("Accept %q: no Vary: Accept", c.accept)
		}
	}
	resp, body := page(t, ts.URL+"/", browser)
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	for _, want := range []string{`<html lang="fr">`, `<label for="adresse">`, `name="frais" type="checkbox" value="Gratuit"`, `Ouvert maintenant`} {
		if !strings.Contains(body, want) {
			t.Errorf("the search page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Error("the search page has an inline script or style")
	}
}

var resultIDs = regexp.MustCompile(`<h3><a href="/lieux/([^"]+)">`)

func ids(body string) []string {
	var out []string
	for _, m := range resultIDs.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestSearchList(t *testing.T) {
	ts := site(t)
	for _, c := range []struct {
		name, query string
		want        []string
		says        []string
	}{
		{"around Gap, by distance", "adresse=Gap", []string{"gap-mediatheque", "gap-evil", "gap-sans-horaires"},
			[]string{"3 lieux trouvés", "Ouvert · ferme à 12 h", "Horaires non communiqués", "Fermé · ouvre samedi à 10 h",
				`href="tel:&#43;33492000000"`, `href="https://rdv.example.fr/gap"`}},
		{"by postcode and name", "adresse=05000%20Gap", []string{"gap-mediatheque", "gap-evil", "gap-sans-horaires"}, nil},
		// 05000 is Gap's and its neighbours': the one with lieux is searched
		{"by postcode alone", "adresse=05000", []string{"gap-mediatheque", "gap-evil", "gap-sans-horaires"},
			[]string{"de Gap (05000)", "Autres communes du code postal 05000 : ", `href="/?adresse=05000&#43;La&#43;B%C3%A2tie-Vieille"`}},
		{"free", "adresse=Gap&frais=Gratuit", []string{"gap-mediatheque", "gap-sans-horaires"}, []string{"2 lieux trouvés"}},
		{"open now", "adresse=Gap&ouvert=maintenant", []string{"gap-mediatheque"},
			[]string{"1 lieu trouvé", "1 autre lieu n'a pas communiqué ses horaires", "Liste établie le 8 décembre 2026 à 11 h 30"}},
		{"open on Saturday", "adresse=Gap&samedi=1", []string{"gap-evil"}, nil},
		{"Marseille within 50 km", "adresse=Marseille&rayon=50", []string{"marseille"}, nil},
		{"nothing near", "adresse=Briançon&rayon=2", nil, []string{"Aucun lieu trouvé"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := page(t, ts.URL+"/?"+c.query, browser)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if got := ids(body); strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("lieux %v, want %v", got, c.want)
			}
			for _, s := range c.says {
				if !strings.Contains(body, s) {
					t.Errorf("the page does not say %s", s)
				}
			}
			if !strings.Contains(body, `role="status"`) {
				t.Error("no status message")
			}
		})
	}
	resp, body := page(t, ts.URL+"/?adresse=Nulle-Part-Sur-Mer", browser)
	if resp.StatusCode != 422 || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "Aucune commune ne correspond à « Nulle-Part-Sur-Mer »") {
		t.Errorf("an unknown place: %d, %s", resp.StatusCode, body)
	}
}

// TestSourceContentIsEscaped: a name carrying HTML is shown as text, and
// a link of another scheme than http(s) is not a link.
func TestSourceContentIsEscaped(t *testing.T) {
	ts := site(t)
	for _, u := range []string{"/?adresse=Gap", "/lieux/gap-evil"} {
		_, body := page(t, ts.URL+u, browser)
		for _, bad := range []string{`<script>alert`, `<img src=x`, `javascript:alert`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s holds %s", u, bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not show the name as text", u)
		}
	}
}

func TestLieuPage(t *testing.T) {
	ts := site(t)
	resp, body := page(t, ts.URL+"/lieux/gap-mediatheque", browser)
	if resp.StatusCode != 200 {
		t.Fatalf("%d", resp.StatusCode)
	}
	for _, want := range []string{"<h1>Médiathèque de Gap</h1>", `<th scope="row">lundi</th><td>9 h – 12 h, 14 h – 17 h</td>`,
		`<th scope="row">samedi</th><td>Fermé</td>`, "<li>Aide aux démarches administratives</li>", "Mis à jour le 2026-11-02 · source : hub-test",
		"Itinéraire pour s'y rendre", `href="tel:&#43;33492000000"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the lieu page lacks %s", want)
		}
	}
	if resp, _ := page(t, ts.URL+"/lieux/gap-ancien", browser); resp.StatusCode != 301 || resp.Header.Get("Location") != "/lieux/gap-mediatheque" {
		t.Errorf("a merged lieu: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := page(t, ts.URL+"/lieux/gap-supprime", browser); resp.StatusCode != 410 || !strings.Contains(body, "n'est plus publié") {
		t.Errorf("a deleted lieu: %d", resp.StatusCode)
	}
	if resp, _ := page(t, ts.URL+"/lieux/nope", browser); resp.StatusCode != 404 {
		t.Errorf("an unknown lieu: %d", resp.StatusCode)
	}
	if resp, body := page(t, ts.URL+"/static/style.css", ""); resp.StatusCode != 200 || !strings.Contains(body, "@media print") {
		t.Errorf("the stylesheet: %d", resp.StatusCode)
	}
	if resp, _ := page(t, ts.URL+"/static/", ""); resp.StatusCode != 404 {
		t.Errorf("the assets' directory: %d, want 404 (no listing)", resp.StatusCode)
	}
	if resp, body := page(t, ts.URL+"/collections", ""); body != `{"api":true}` {
		t.Errorf("another route: %d %s, want the API's", resp.StatusCode, body)
	}
}

// TestWeightBudget: the search page's first load (its HTML with results,
// the stylesheet, the map's script of ours; MapLibre itself aside),
// gzip-compressed, stays under 60 KB.
// TestWeightBudget: the search page's first load, the HTML and every
// stylesheet and script of ours it links (MapLibre excluded), stays under
// 60 KB compressed.
func TestWeightBudget(t *testing.T) {
	ts := site(t)
	_, html := page(t, ts.URL+"/?adresse=Gap", browser)
	assets := regexp.MustCompile(`(?:src|href)="(/static/[^"]+\.(?:js|css))"`).FindAllStringSubmatch(html, -1)
	urls := []string{"/?adresse=Gap"}
	for _, a := range assets {
		if !strings.HasPrefix(a[1], "/static/maplibre/") {
			urls = append(urls, a[1])
		}
	}
	if len(urls) < 4 {
		t.Fatalf("the page links %v: the style sheet and the two scripts are expected", urls)
	}
	total := 0
	for _, u := range urls {
		_, body := page(t, ts.URL+u, browser)
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
		w.Write([]byte(body))
		w.Close()
		t.Logf("%s: %d bytes, %d gzipped", u, len(body), z.Len())
		total += z.Len()
	}
	t.Logf("first load: %d bytes gzipped", total)
	if total > 60<<10 {
		t.Errorf("first load %d bytes gzipped, over the 60 KB budget", total)
	}
}

func post(t *testing.T, u string, form url.Values, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, req)
}

// TestReportAnError: « Signaler une erreur » stores a report and thanks;
// a report too short or too long is refused with the text kept; another
// site cannot post one; an address sending many is held back.
func TestReportAnError(t *testing.T) {
	ts, st := siteAndStore(t)
	u := ts.URL + "/lieux/gap-mediatheque/signaler"
	resp, _ := post(t, u, url.Values{"message": {"Le numéro de téléphone a changé en 2026."}, "contact": {"agent@mairie-gap.fr"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/lieux/gap-mediatheque?signalement=merci#signaler" {
		t.Fatalf("a report: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := page(t, ts.URL+"/lieux/gap-mediatheque?signalement=merci", browser); !strings.Contains(body, `class="thanks" role="status"`) {
		t.Error("no thanks after a report")
	}
	reports, err := st.Reports(context.Background())
	if err != nil || len(reports) != 1 || reports[0].LieuID != "gap-mediatheque" || reports[0].Contact != "agent@mairie-gap.fr" || !reports[0].ReportedAt.Equal(tuesday) {
		t.Fatalf("stored reports %+v %v", reports, err)
	}
	for _, c := range []struct {
		message string
		status  int
		says    string
	}{
		{"court", 422, "10 caractères au moins"},
		{strings.Repeat("é", 2001), 422, "2 000 caractères au plus"},
		{strings.Repeat("a", 20000), 413, "trop long"},
	} {
		resp, body := post(t, u, url.Values{"message": {c.message}})
		if resp.StatusCode != c.status || !strings.Contains(body, c.says) || !strings.Contains(body, `role="alert"`) {
			t.Errorf("message of %d bytes: %d, want %d saying %q", len(c.message), resp.StatusCode, c.status, c.says)
		}
		if c.status == 422 && !strings.Contains(body, c.message[:5]) {
			t.Errorf("message of %d bytes: the text typed is lost", len(c.message))
		}
	}
	if resp, _ := post(t, u, url.Values{"message": {"Un message venu d'ailleurs."}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); resp.StatusCode != 403 {
		t.Errorf("a report posted by another site: %d, want 403", resp.StatusCode)
	}
	if resp, _ := post(t, ts.URL+"/lieux/nope/signaler", url.Values{"message": {"Ce lieu n'existe pas du tout."}}); resp.StatusCode != 404 {
		t.Errorf("a report on an unknown lieu: %d", resp.StatusCode)
	}
	held := 0
	for range 6 {
		if resp, _ := post(t, u, url.Values{"message": {"Encore une erreur dans la fiche."}}); resp.StatusCode == 429 {
			held++
		}
	}
	if held != 2 { // 5 at once: the first report above, 4 more, then held
		t.Errorf("%d of 6 more reports held back, want 2", held)
	}
}
