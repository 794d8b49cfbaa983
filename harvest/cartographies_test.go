package harvest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

// fakeCartographies answers like YesWiki (GET /?api/forms/{id}/entries:
// entries keyed by their id) and GoGoCarto (GET /api/elements.json:
// {"data": [...]}, address and point nested).
func fakeCartographies(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/" && r.URL.RawQuery == "api/forms/4/entries":
			w.Write([]byte(`{
  "EspaceNumeriqueDeCrest": {"id_typeannonce": "4", "id_fiche": "EspaceNumeriqueDeCrest", "bf_titre": "Espace numérique de Crest",
    "bf_adresse": "2 rue Sainte-Euphémie", "bf_code_postal": "26400", "bf_ville": "Crest", "bf_mail": "epn@crest.fr",
    "geolocation": {"bf_latitude": "44.7282", "bf_longitude": "5.0224"}, "date_creation_fiche": "2023-02-01 10:00:00"},
  "CentreSocialLaMaisonDeDie": {"id_typeannonce": "4", "id_fiche": "CentreSocialLaMaisonDeDie", "bf_titre": "Centre social de Die",
    "bf_adresse": "Place de la République", "bf_code_postal": "26150", "bf_ville": "Die",
    "geolocation": {"bf_latitude": "44.7535", "bf_longitude": "5.3700"}, "date_creation_fiche": "2023-02-03 10:00:00"}
}`))
		case r.URL.Path == "/api/elements.json":
			w.Write([]byte(`{"licence": "https://opendatacommons.org/licenses/odbl/summary/", "ontology": "gogofull", "data": [
  {"id": "5dG", "name": "La Turbine", "geo": {"latitude": 45.1885, "longitude": 5.7245},
   "address": {"streetAddress": "5 esplanade Andry-Farcy", "addressLocality": "Grenoble", "postalCode": "38000", "addressCountry": "FR"},
   "categories": ["Tiers-lieu"], "email": "contact@laturbine.fr", "telephone": "04 76 00 00 00", "website": "https://laturbine.fr"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCartographies: both engines' records decode into columns the
// standard's mapping recognises with no mapping in the config.
func TestCartographies(t *testing.T) {
	srv := fakeCartographies(t)
	h := harvest.New(harvest.Options{})
	cases := []struct {
		src   harvest.Source
		n     int
		want  map[string]string // field → value of the first record
		where string
	}{
		{harvest.Source{Name: "drome", Kind: "yeswiki", Location: srv.URL + "/", YesWiki: harvest.YesWikiOptions{Form: 4}}, 2,
			map[string]string{"nom": "Centre social de Die", "code_postal": "26150", "commune": "Die", "latitude": "44.7535"}, "yeswiki"},
		{harvest.Source{Name: "isere", Kind: "gogocarto", Location: srv.URL}, 1,
			map[string]string{"nom": "La Turbine", "adresse": "5 esplanade Andry-Farcy", "code_postal": "38000", "commune": "Grenoble",
				"longitude": "5.7245", "site_web": "https://laturbine.fr"}, "gogocarto"},
	}
	for _, c := range cases {
		t.Run(c.where, func(t *testing.T) {
			p, err := h.Fetch(context.Background(), c.src, harvest.Conditional{})
			if err != nil {
				t.Fatal(err)
			}
			table, err := h.Decode(c.src, p)
			if err != nil || len(table.Records) != c.n {
				t.Fatalf("%v: %d records, want %d", err, len(table.Records), c.n)
			}
			mp, err := schema.NewMapper(schema.Mapping{}, table.Columns, table.Records)
			if err != nil {
				t.Fatal(err)
			}
			l := mp.Map(table.Records[0]).Lieu
			for field, want := range c.want {
				if got := l.Get(field); got != want {
					t.Errorf("%s = %q, want %q (columns %v)", field, got, want, table.Columns)
				}
			}
		})
	}
	bad := harvest.Source{Name: "x", Kind: "gogocarto", Location: srv.URL + "/nothing"}
	if _, err := h.Fetch(context.Background(), bad, harvest.Conditional{}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("no map there: %v", err)
	}
	if err := harvest.ValidateSource(harvest.Source{Kind: "yeswiki", Location: srv.URL}); err == nil || !strings.Contains(err.Error(), "yeswiki.form") {
		t.Errorf("a Bazar form is needed: %v", err)
	}
}
