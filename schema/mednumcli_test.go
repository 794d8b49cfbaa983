package schema_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/maillage/maillage/schema"
)

func readConfig(t *testing.T, name string) (schema.Mapping, []string) {
	t.Helper()
	raw, err := os.ReadFile("../testdata/mednumcli/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if !schema.IsMednumCLI(raw) {
		t.Fatalf("%s not seen as a mednum-cli configuration", name)
	}
	m, notes, err := schema.ReadMednumCLI(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m, notes
}

// TestReadMednumCLI: the national pipeline's configurations of real
// sources carry over: columns, choices on terms, hours by week and by
// day, joins and cuts, the id column.
func TestReadMednumCLI(t *testing.T) {
	corse, _ := readConfig(t, "corse.config.json")
	for col, field := range map[string]string{"Structure": "nom", "Adresse": "adresse", "lat": "latitude", "long": "longitude", "Horaires": "horaires"} {
		if got := corse.Columns[col]; got != field {
			t.Errorf("corse: %q → %q, want %q", col, got, field)
		}
	}
	if !slices.ContainsFunc(corse.Choices["typologie"], func(c schema.Choice) bool {
		return c.Value == "RFS" && slices.Equal(c.Columns, []string{"Type"}) && slices.Contains(c.Terms, "France Services")
	}) {
		t.Errorf("corse: typologie choices %+v, want RFS from « France Services » in Type", corse.Choices["typologie"])
	}
	hinaura, _ := readConfig(t, "hinaura.config.json")
	for col, field := range map[string]string{"ouv_lundi": "horaires.mo", "ouv_dimanche": "horaires.su", "bf_titre": "nom"} {
		if got := hinaura.Columns[col]; got != field {
			t.Errorf("hinaura: %q → %q, want %q", col, got, field)
		}
	}
	if hinaura.ID != "id_fiche" || !hinaura.SkipMissing {
		t.Errorf("hinaura: id %q, skip missing %v", hinaura.ID, hinaura.SkipMissing)
	}
	paca, _ := readConfig(t, "paca.config.json")
	if j := paca.Join["adresse"]; !slices.Equal(j.Columns, []string{"adresse_numero", "adresse_rue"}) || j.Separator != " " {
		t.Errorf("paca: adresse joined as %+v", j)
	}
	paris, _ := readConfig(t, "paris.config.json")
	if len(paris.Split) != 1 || paris.Split[0].Column != "geo_point_2d" || !slices.Equal(paris.Split[0].Fields, []string{"latitude", "longitude"}) {
		t.Errorf("paris: splits %+v", paris.Split)
	}
}

// TestReadMednumCLIRefusesWhatItCannotRead: a configuration that is not
// one fails naming the field; what cannot be carried over is noted.
func TestReadMednumCLIRefusesWhatItCannotRead(t *testing.T) {
	if _, _, err := schema.ReadMednumCLI([]byte(`{"nom": {"colonne": 3}}`)); err == nil || !strings.Contains(err.Error(), `"nom"`) {
		t.Errorf("a column given as a number: %v", err)
	}
	_, notes, err := schema.ReadMednumCLI([]byte(`{"nom": {"colonne": "n"}, "services": [{"colonnes": ["s"], "termes": ["x"], "cible": "Cuisine"}], "prive": {"colonne": "p"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 || !strings.Contains(strings.Join(notes, "\n"), "Cuisine") {
		t.Errorf("notes %q", notes)
	}
}
