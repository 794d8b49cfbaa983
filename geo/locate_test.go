package geo_test

import (
	"testing"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
)

func TestLocate(t *testing.T) {
	cases := []struct {
		name               string
		in                 schema.Lieu
		commune, cp, insee string
		rule               string
	}{
		{"commune from INSEE code", schema.Lieu{CodeINSEE: "23075", CodePostal: "23800"}, "Dun-le-Palestel", "23800", "23075", "commune-from-insee"},
		{"arrondissement gives its city", schema.Lieu{CodeINSEE: "75107", CodePostal: "75007"}, "Paris", "75007", "75107", "commune-from-insee"},
		{"single postcode from INSEE", schema.Lieu{CodeINSEE: "01001"}, "L'Abergement-Clémenciat", "01400", "01001", "commune-from-insee"},
		{"INSEE from postcode and fuzzy name", schema.Lieu{CodePostal: "42220", Commune: "BOURG ARGENTAL"}, "BOURG ARGENTAL", "42220", "42023", "insee-from-commune"},
		{"St spelt out", schema.Lieu{CodePostal: "42100", Commune: "St-Etienne"}, "St-Etienne", "42100", "42218", "insee-from-commune"},
		{"CEDEX ignored", schema.Lieu{CodePostal: "87000", Commune: "LIMOGES CEDEX 1"}, "LIMOGES CEDEX 1", "87000", "87085", "insee-from-commune"},
		{"Corsican former code", schema.Lieu{CodeINSEE: "20001", Commune: "Afa", CodePostal: "20167"}, "Afa", "20167", "2A001", "insee-former-code"},
		{"unknown code dropped", schema.Lieu{CodeINSEE: "99999", Commune: "X", CodePostal: "75001"}, "X", "75001", "", "insee-unknown"},
		{"commune from a single-commune postcode", schema.Lieu{CodePostal: "01400"}, "", "01400", "", ""},
		{"mismatch reported", schema.Lieu{CodeINSEE: "33063", CodePostal: "75001", Commune: "Bordeaux"}, "Bordeaux", "75001", "33063", "postcode-insee-mismatch"},
		{"Nouméa", schema.Lieu{CodePostal: "98800", Commune: "Nouméa"}, "Nouméa", "98800", "98818", "insee-from-commune"},
		{"characters lost to a wrong charset", schema.Lieu{CodePostal: "84450", Commune: "SAINT-SATURNIN-L\uFFFDS-AVIGNON"},
			"SAINT-SATURNIN-L\uFFFDS-AVIGNON", "84450", "84119", "insee-from-commune"},
		{"lost character and a typo, single-commune postcode", schema.Lieu{CodePostal: "84310", Commune: "MORI\uFFFDRES-LE-SAVIGNON"},
			"MORI\uFFFDRES-LE-SAVIGNON", "84310", "84081", "insee-from-commune"},
		{"a longer customary name", schema.Lieu{CodePostal: "84390", Commune: "SAINT-CHRISTOL-D'ALBION"},
			"SAINT-CHRISTOL-D'ALBION", "84390", "84107", "insee-from-commune"},
		{"the postcode field holds the INSEE code", schema.Lieu{CodePostal: "84036", Commune: "CHÂTEAUNEUF-DE-GADAGNE"},
			"CHÂTEAUNEUF-DE-GADAGNE", "84470", "84036", "postcode-was-insee"},
		{"no commune, shared postcode, the name says which", schema.Lieu{CodePostal: "84450", Nom: "Médiathèque de Saint-Saturnin-lès-Avignon"},
			"Saint-Saturnin-lès-Avignon", "84450", "84119", "insee-from-name"},
		{"an INSEE code of another département, the name says the postcode's commune", schema.Lieu{CodeINSEE: "57490", CodePostal: "04150", Commune: "Moyenvic", Nom: "France Services Banon", Adresse: "5261 PL DE LA REPUBLIQUE"},
			"Banon", "04150", "04018", "insee-from-postcode-and-name"},
		{"an INSEE code of another département, the name says nothing", schema.Lieu{CodeINSEE: "57490", CodePostal: "04150", Commune: "Moyenvic", Nom: "France Services"},
			"Moyenvic", "04150", "57490", "postcode-insee-mismatch"},
		{"a town hall named after another commune of its postcode", schema.Lieu{CodeINSEE: "84054", CodePostal: "84800", Commune: "L'Isle-sur-la-Sorgue", Nom: "Mairie de Lagnes service Population"},
			"Lagnes", "84800", "84062", "insee-from-town-hall-name"},
		{"a town hall of its own commune", schema.Lieu{CodeINSEE: "84054", CodePostal: "84800", Commune: "L'Isle-sur-la-Sorgue", Nom: "MAIRIE DE L'ISLE SUR LA SORGUE"},
			"L'Isle-sur-la-Sorgue", "84800", "84054", ""},
		{"a town hall named after a commune of another postcode", schema.Lieu{CodeINSEE: "84054", CodePostal: "84800", Commune: "L'Isle-sur-la-Sorgue", Nom: "Mairie de Cavaillon, permanence"},
			"L'Isle-sur-la-Sorgue", "84800", "84054", ""},
		{"no commune, shared postcode, the name says none", schema.Lieu{CodePostal: "84450", Nom: "Médiathèque", Adresse: "1 rue de la Mairie"}, "", "84450", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.in
			issues := geo.Locate(&l)
			rule := ""
			if len(issues) > 0 {
				rule = issues[0].Rule
			}
			if l.Commune != c.commune || l.CodePostal != c.cp || l.CodeINSEE != c.insee || rule != c.rule {
				t.Errorf("got %q %q %q (%s), want %q %q %q (%s)", l.Commune, l.CodePostal, l.CodeINSEE, rule, c.commune, c.cp, c.insee, c.rule)
			}
		})
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{"Saint-Étienne": "saint etienne", "ST ETIENNE CEDEX 2": "saint etienne",
		"Havre (Le)": "le havre", "L'Abergement-Clémenciat": "l abergement clemenciat"} {
		if got := geo.FoldName(in); got != want {
			t.Errorf("FoldName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTerritoire(t *testing.T) {
	cases := []struct {
		name string
		in   schema.Lieu
		want *schema.Territoire
	}{
		{"arrondissement takes its city's EPCI", schema.Lieu{CodeINSEE: "75112"}, &schema.Territoire{Departement: "75", Region: "11", EPCI: "200054781"}},
		{"Marseille 1er", schema.Lieu{CodeINSEE: "13201"}, &schema.Territoire{Departement: "13", Region: "93", EPCI: "200054807"}},
		{"rural commune", schema.Lieu{CodeINSEE: "01001"}, &schema.Territoire{Departement: "01", Region: "84", EPCI: "200069193"}},
		{"island outside any EPCI", schema.Lieu{CodeINSEE: "29083"}, &schema.Territoire{Departement: "29", Region: "53"}},
		{"found from postcode and name", schema.Lieu{CodePostal: "42100", Commune: "St-Etienne"}, &schema.Territoire{Departement: "42", Region: "84", EPCI: "244200770"}},
		{"unknown commune", schema.Lieu{CodePostal: "99999", Commune: "Atlantide"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.in
			geo.Locate(&l)
			if (l.Territoire == nil) != (c.want == nil) || c.want != nil && *l.Territoire != *c.want {
				t.Errorf("got %+v, want %+v", l.Territoire, c.want)
			}
		})
	}
}

// TestReferentialAreasAndPopulation: the embedded referential names the
// régions, départements and EPCI, and carries the communes' populations
// (INSEE's, about 68 million for France as a whole).
func TestReferentialAreasAndPopulation(t *testing.T) {
	for _, tc := range []struct{ kind, code, name string }{
		{"reg", "93", "Provence-Alpes-Côte d'Azur"}, {"dep", "05", "Hautes-Alpes"}, {"dep", "2A", "Corse-du-Sud"},
		{"epci", "200067452", "CC du Guillestrois et du Queyras"},
	} {
		if a, ok := geo.AreaNamed(tc.kind, tc.code); !ok || a.Name != tc.name {
			t.Errorf("%s:%s = %+v %v, want %q", tc.kind, tc.code, a, ok, tc.name)
		}
	}
	if _, ok := geo.AreaNamed("dep", "99"); ok {
		t.Error("dep:99 exists")
	}
	total := 0
	for _, c := range geo.Communes().CurrentCommunes() {
		total += c.Population
	}
	gap, _ := geo.Communes().Commune("05061")
	if total < 66e6 || total > 70e6 || gap.Population < 38000 || gap.Population > 45000 {
		t.Errorf("population: France %d, Gap %d", total, gap.Population)
	}
}

// TestCedexPostcode: a postcode no commune has (a CEDEX, « 05010 ») with
// a commune name that is one commune's in that département gives its
// INSEE code; a name two communes of the département share gives none.
func TestCedexPostcode(t *testing.T) {
	cases := []struct{ cp, commune, want string }{
		{"05010", "GAP", "05061"},
		{"84918", "Avignon", "84007"},
		{"05010", "Lyon", ""},
	}
	for _, c := range cases {
		l := &schema.Lieu{CodePostal: c.cp, Commune: c.commune}
		geo.Locate(l)
		if l.CodeINSEE != c.want {
			t.Errorf("%s %s: INSEE %q, want %q", c.cp, c.commune, l.CodeINSEE, c.want)
		}
	}
}
