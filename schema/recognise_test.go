package schema_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

// table builds records with one column repeated over n rows of values.
func table(n int, cols map[string]func(i int) string) ([]string, []harvest.Record) {
	var names []string
	for c := range cols {
		names = append(names, c)
	}
	recs := make([]harvest.Record, n)
	for i := range recs {
		for _, c := range names {
			recs[i].Fields = append(recs[i].Fields, harvest.Field{Name: c, Value: cols[c](i)})
		}
	}
	return names, recs
}

func TestRecogniseHeaders(t *testing.T) {
	names := func(i int) string { return fmt.Sprintf("Médiathèque %d", i) }
	values := map[string]func(int) string{
		"nom": names, "code_postal": func(i int) string { return fmt.Sprintf("%05d", 1000+i) },
		"commune": func(i int) string { return fmt.Sprintf("Ville %c", 'A'+i%26) }, "adresse": func(i int) string { return fmt.Sprintf("%d rue X", i+1) },
		"courriels": func(i int) string { return fmt.Sprintf("c%d@exemple.fr", i) }, "telephone": func(i int) string { return fmt.Sprintf("04 50 56 87 %02d", i) },
		"site_web": func(i int) string { return fmt.Sprintf("https://lieu%d.fr", i) }, "code_insee": func(i int) string { return fmt.Sprintf("%05d", 1000+i) },
		"coordonnees": func(i int) string { return "45.75, 4.85" }, "latitude": func(int) string { return "45.75" },
		"-":           func(int) string { return "Rhône" },
		"horaires.mo": func(int) string { return "09:00 - 12:00 / 14:00 - 17:00" }, "horaires.tu": func(int) string { return "9h-12h" },
		"horaires.we": func(int) string { return "Fermé" },
	}
	cases := []struct{ header, field string }{
		{"Nom de votre structure ?", "nom"},
		{"Nom du lieu ou de la structure *", "nom"},
		{"nomstructure", "nom"},
		{"Nomdelastructure", "nom"},
		{"NOM DU LIEUX", "nom"},
		{"etablissem", "nom"},
		{"lib_fs", "nom"},
		{"Code Postal", "code_postal"},
		{"CP", "code_postal"},
		{"Zip Code", "code_postal"},
		{"code_post", "code_postal"},
		{"adresse_code_postal", "code_postal"},
		{"Codepostal", "code_postal"},
		{"adresse_commune", "commune"},
		{"Ville *", "commune"},
		{"lib_com", "commune"},
		{"City", "commune"},
		{"City Insee Code", "code_insee"},
		{"Code commune INSEE", "code_insee"},
		{"Adresse postale *", "adresse"},
		{"USER_ADRES", "adresse"},
		{"Adressenumeronomdelavoie", "adresse"},
		{"E-mail", "courriels"},
		{"Adresse e-mail de votre structure", "courriels"},
		{"Adressemail", "courriels"},
		{"Téléphone 1", "telephone"},
		{"Numéro de téléphone de votre structure", "telephone"},
		{"SiteWeb", "site_web"},
		{"Site internet de votre structure", "site_web"},
		{"Geo Point", "coordonnees"},
		{"pointgeo", "coordonnees"},
		{"bf_latitude", "latitude"},
		{"h_lundi", "horaires.mo"},
		{"HORAIRES MARDI", "horaires.tu"},
		{"Mercredi", "horaires.we"},
		{"adresse_departement", "-"},
		{"Intercommunalité", "-"},
	}
	for _, c := range cases {
		t.Run(c.header, func(t *testing.T) {
			cols, recs := table(30, map[string]func(int) string{c.header: values[c.field]})
			mp, err := schema.NewMapper(schema.Mapping{}, cols, recs)
			if err != nil {
				t.Fatal(err)
			}
			got := mp.Recognised()[c.header]
			if c.field == "-" {
				if got != "" {
					t.Errorf("%q → %q, want ignored", c.header, got)
				}
				return
			}
			if got != c.field {
				t.Errorf("%q → %q, want %q", c.header, got, c.field)
			}
		})
	}
}

func TestShapeRejectsWrongColumns(t *testing.T) {
	cases := []struct {
		name   string
		header string
		values func(int) string
	}{
		{"yes/no column named like a name", "France services", func(i int) string { return []string{"Oui", "Non"}[i%2] }},
		{"postcode header with names", "Code postal", func(i int) string { return "Lyon" }},
		{"latitude out of range", "Coord lat", func(i int) string { return "6543210" }},
		{"one repeated value as a name", "Nom du lieu", func(int) string { return "Mairie" }},
		{"two alternating values as a name", "Nom de la structure", func(i int) string { return []string{"A", "B"}[i%2] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cols, recs := table(30, map[string]func(int) string{c.header: c.values})
			mp, _ := schema.NewMapper(schema.Mapping{}, cols, recs)
			if got := mp.Recognised()[c.header]; got != "" {
				t.Errorf("%q → %q, want ignored", c.header, got)
			}
		})
	}
}

// TestContentOverridesALyingHeader: a column whose name says one field
// and whose values say another is read as its values say, and the
// mapper says why; never as its name says.
func TestContentOverridesALyingHeader(t *testing.T) {
	cases := []struct {
		name, header, field string
		values              func(int) string
	}{
		{"e-mail header with phone numbers", "Mail", "telephone", func(i int) string { return fmt.Sprintf("04 50 56 %02d 49", i) }},
		{"latitude header with postcodes", "latitude", "code_postal", func(i int) string { return []string{"84000", "04100", "13100", "05000"}[i%4] }},
		{"postcode header with INSEE codes beside postcodes", "Code postal", "code_insee", func(i int) string { return []string{"84007", "04112", "13055", "05061"}[i%4] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cols, recs := table(30, map[string]func(int) string{c.header: c.values,
				"cp": func(i int) string { return []string{"84000", "04100", "13001", "05000"}[i%4] }})
			if c.field == "code_postal" {
				cols, recs = table(30, map[string]func(int) string{c.header: c.values})
			}
			mp, err := schema.NewMapperFor(schema.Mapping{}, cols, recs, geo.Communes())
			if err != nil {
				t.Fatal(err)
			}
			if got := mp.Recognised()[c.header]; got != c.field {
				t.Errorf("%q → %q, want %q (by its values)", c.header, got, c.field)
			}
			if reasons := strings.Join(mp.Reasons(cols), "\n"); !strings.Contains(reasons, c.header+" → "+c.field) {
				t.Errorf("no reason given for %q: %q", c.header, reasons)
			}
		})
	}
}

func TestRepeatedPlacesStillRecognised(t *testing.T) {
	// One row per service: each place appears five times.
	cols, recs := table(50, map[string]func(int) string{"nom_org": func(i int) string { return fmt.Sprintf("Association %d", i/5) }})
	mp, _ := schema.NewMapper(schema.Mapping{}, cols, recs)
	if got := mp.Recognised()["nom_org"]; got != "nom" {
		t.Errorf("nom_org → %q", got)
	}
}

func TestAddressPartsAndFallbackColumns(t *testing.T) {
	cols, recs := table(20, map[string]func(int) string{
		"N° voie":        func(i int) string { return fmt.Sprint(i + 1) },
		"Type voie":      func(int) string { return "rue" },
		"Nom voie":       func(i int) string { return fmt.Sprintf("des Lilas %d", i) },
		"Nom":            func(i int) string { return map[bool]string{true: "", false: fmt.Sprintf("EPN %d", i)}[i == 3] },
		"Raison sociale": func(i int) string { return fmt.Sprintf("Association %d", i) },
	})
	mp, err := schema.NewMapper(schema.Mapping{}, cols, recs)
	if err != nil {
		t.Fatal(err)
	}
	l := mp.Map(recs[3]).Lieu
	if l.Adresse != "4 rue des Lilas 3" || l.Nom != "Association 3" {
		t.Errorf("adresse %q, nom %q (recognised %v)", l.Adresse, l.Nom, mp.Recognised())
	}
	if l := mp.Map(recs[4]).Lieu; l.Nom != "EPN 4" {
		t.Errorf("the first name column wins when filled: %q", l.Nom)
	}
}

func TestParseCoordinates(t *testing.T) {
	cases := []struct {
		in       string
		lat, lon float64
		ok       bool
	}{
		{"42.35473, 9.04258", 42.35473, 9.04258, true},
		{"47.7698,7.32193", 47.7698, 7.32193, true},
		{"43,52609;5,41423", 43.52609, 5.41423, true},
		{`{"type":"Point","coordinates":[5.8,46.1]}`, 46.1, 5.8, true},
		{"POINT (2.35 48.85)", 48.85, 2.35, true},
		{"[45.1, 4.8]", 45.1, 4.8, true},
		{"Lyon", 0, 0, false},
		{"123456, 654321", 0, 0, false},
		{`{"type":"Polygon","coordinates":[]}`, 0, 0, false},
	}
	for _, c := range cases {
		lat, lon, ok := schema.ParseCoordinates(c.in)
		if ok != c.ok || lat != c.lat || lon != c.lon {
			t.Errorf("ParseCoordinates(%q) = %v, %v, %v; want %v, %v, %v", c.in, lat, lon, ok, c.lat, c.lon, c.ok)
		}
	}
}

func TestHalfDayColumnsBecomeOSM(t *testing.T) {
	cols, recs := table(12, map[string]func(int) string{
		"Nom":                 func(i int) string { return fmt.Sprintf("EPN %d", i) },
		"c_jours_semaine":     func(int) string { return "{Lundi,Mardi,Jeudi}" },
		"c_heure_debut_matin": func(int) string { return "9h" }, "c_heure_fin_matin": func(int) string { return "12h" },
		"c_heure_debut_aprem": func(int) string { return "14h" }, "c_heure_fin_aprem": func(int) string { return "17h" },
	})
	mp, err := schema.NewMapper(schema.Mapping{}, cols, recs)
	if err != nil {
		t.Fatal(err)
	}
	if got := mp.Map(recs[0]).Lieu.Horaires; got != "Mo,Tu,Th 09:00-12:00,14:00-17:00" {
		t.Errorf("horaires %q (recognised %v)", got, mp.Recognised())
	}
}

func TestDayColumnsBecomeOSM(t *testing.T) {
	cols, recs := table(12, map[string]func(int) string{
		"Nom":     func(i int) string { return fmt.Sprintf("EPN %d", i) },
		"h_lundi": func(int) string { return "09:00 - 12:00 / 13:30 - 17:00" }, "h_mardi": func(int) string { return "09:00 - 12:00 / 13:30 - 17:00" },
		"h_mercredi": func(int) string { return "-" }, "h_samedi": func(int) string { return "9h-12h" },
	})
	mp, err := schema.NewMapper(schema.Mapping{}, cols, recs)
	if err != nil {
		t.Fatal(err)
	}
	if got := mp.Map(recs[0]).Lieu.Horaires; got != "Mo,Tu 09:00-12:00,13:30-17:00; Sa 09:00-12:00" {
		t.Errorf("horaires %q (recognised %v)", got, mp.Recognised())
	}
}

// TestBlindColumns: columns named c1…cN are read by their values alone:
// the lieux's names beside a column of hours and one of communes, a
// second address column as a fallback, the bodies running the lieux, a
// column with two stray values left alone, whole numbers with a dot
// never web addresses.
func TestBlindColumns(t *testing.T) {
	communes := []string{"Gap", "Digne-les-Bains", "Manosque", "Briançon"}
	cols, recs := table(40, map[string]func(int) string{
		"c1": func(i int) string {
			return []string{"Médiathèque Jean Giono", "Espace France services", "Centre social Les Aires", "Cyber-base"}[i%4] + fmt.Sprintf(" %c", 'A'+i)
		},
		"c2": func(i int) string { return "Lundi au vendredi 9h-12h" },
		"c4": func(i int) string { return communes[i%4] },
		"c5": func(i int) string { return fmt.Sprintf("%d rue de la Gare 05000 Gap", i+1) },
		"c6": func(i int) string { return fmt.Sprintf("%d avenue Jean Jaurès, Gap", i+1) },
		"c7": func(i int) string {
			return []string{"Communauté de communes du Guillestrois", "Association Les Petits Débrouillards"}[i%2]
		},
		"c8": func(i int) string {
			if i < 2 {
				return "contact@exemple.fr"
			}
			return ""
		},
		"c9": func(i int) string { return fmt.Sprintf("%d.0", i+1) },
	})
	mp, err := schema.NewMapperFor(schema.Mapping{}, cols, recs, geo.Communes())
	if err != nil {
		t.Fatal(err)
	}
	got := mp.Recognised()
	want := map[string]string{"c1": "nom", "c2": "horaires", "c4": "commune", "c7": "structure_parente", "c8": ""}
	for c, f := range want {
		if got[c] != f {
			t.Errorf("%s → %q, want %q (%s)", c, got[c], f, strings.Join(mp.Reasons(cols), "; "))
		}
	}
	if a, b := got["c5"], got["c6"]; !(a == "adresse" && b == "~adresse" || a == "~adresse" && b == "adresse") {
		t.Errorf("two address columns → %q, %q: want one the address, the other its fallback", a, b)
	}
	if got["c9"] == "site_web" {
		t.Errorf("c9 (1.0, 2.0…) read as web addresses")
	}
}

// TestLookAlikeColumnsAreNotTheField: columns whose values contain a
// field's shape but are something else — a map's pop-up that includes
// the address with the contacts, an image or directions link, an edit
// timestamp — are not that field, not even as its fallback.
func TestLookAlikeColumnsAreNotTheField(t *testing.T) {
	cases := []struct {
		name, column, field string
		values              func(int) string
	}{
		{"a pop-up with the address and contacts", "infobulle", "adresse", func(i int) string {
			return fmt.Sprintf(`<div style="font-weight:bold">EPN %d</div><td>%d rue de la Gare</td><td><a href="mailto:epn%d@exemple.fr">epn%d@exemple.fr</a></td>`, i, i+1, i, i)
		}},
		{"the same card as plain text", "fiche", "adresse", func(i int) string {
			return fmt.Sprintf("Accès à Internet EPN %d %d place du Marché 05 55 00 00 %02d / epn%d@exemple.fr", i, i+1, i, i)
		}},
		{"a photo", "c_photo", "site_web", func(i int) string { return fmt.Sprintf("https://exemple.fr/uploads/lieu-%d.JPG", i) }},
		{"directions on a map", "trajet", "site_web", func(i int) string {
			return fmt.Sprintf("https://www.google.com/maps/dir/?api=1&destination=45.%d,1.15", 100+i)
		}},
		{"an edit timestamp", "c__edit_datemaj", "horaires", func(i int) string { return fmt.Sprintf("2020/06/%02d 14:16:50.898", 1+i%28) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cols, recs := table(30, map[string]func(int) string{
				"c_nom": func(i int) string { return fmt.Sprintf("EPN %d", i) },
				// the field's own column, empty in some rows: a look-alike
				// would become its fallback
				"c_" + c.field: func(i int) string { return "" },
				c.column:       c.values,
			})
			mp, err := schema.NewMapper(schema.Mapping{}, cols, recs)
			if err != nil {
				t.Fatal(err)
			}
			if got := mp.Recognised()[c.column]; strings.TrimPrefix(got, "~") == c.field {
				t.Errorf("%s → %q (%s)", c.column, got, strings.Join(mp.Reasons(cols), "; "))
			}
		})
	}
	t.Run("an edit timestamp is the update date", func(t *testing.T) {
		cols, recs := table(30, map[string]func(int) string{
			"c_nom":           func(i int) string { return fmt.Sprintf("EPN %d", i) },
			"c__edit_datemaj": func(i int) string { return fmt.Sprintf("2020/06/%02d 14:16:50.898", 1+i%28) },
		})
		mp, err := schema.NewMapper(schema.Mapping{}, cols, recs)
		if err != nil {
			t.Fatal(err)
		}
		if got := mp.Recognised()["c__edit_datemaj"]; got != "date_maj" {
			t.Errorf("c__edit_datemaj → %q (%s)", got, strings.Join(mp.Reasons(cols), "; "))
		}
		if d, is := schema.NormaliseDate("2020/06/30 14:16:50.898", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); d != "2020-06-30" || is == nil || is.Level != schema.LevelFix {
			t.Errorf("NormaliseDate = %q, %+v", d, is)
		}
	})
}
