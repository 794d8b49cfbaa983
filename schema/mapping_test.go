package schema_test

import (
	"strings"
	"testing"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

func record(pairs ...string) harvest.Record {
	var r harvest.Record
	for i := 0; i+1 < len(pairs); i += 2 {
		r.Fields = append(r.Fields, harvest.Field{Name: pairs[i], Value: pairs[i+1]})
	}
	return r
}

func columns(r harvest.Record) []string {
	var c []string
	for _, f := range r.Fields {
		c = append(c, f.Name)
	}
	return c
}

func mapOne(t *testing.T, m schema.Mapping, r harvest.Record) schema.Mapped {
	t.Helper()
	mp, err := schema.NewMapper(m, columns(r), []harvest.Record{r})
	if err != nil {
		t.Fatal(err)
	}
	return mp.Map(r)
}

// TestUpgrade0x checks every rename and value mapping family of
// SCHEMA-NOTES §1.6 on a 0.x record.
func TestUpgrade0x(t *testing.T) {
	cases := []struct {
		column, value, field, want string
	}{
		{"services", "Prendre en main un ordinateur;Accéder à du matériel;S'équiper en matériel informatique", "services",
			"Maîtrise des outils numériques du quotidien|Accès internet et matériel informatique|Acquisition de matériel informatique à prix solidaire"},
		{"services", "Approfondir ma culture numérique;Promouvoir la citoyenneté numérique", "services", "Compréhension du monde numérique"},
		{"services", "S’équiper en matériel informatique", "services", "Acquisition de matériel informatique à prix solidaire"},
		{"publics_accueillis", "Adultes;Familles/enfants;Jeunes (16-26 ans);Seniors (+ 65 ans)", "publics_specifiquement_adresses", "Familles et/ou enfants|Jeunes|Seniors"},
		{"publics_accueillis", "Surdité;Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales;Personnes en situation d'illettrisme", "prise_en_charge_specifique", "Surdité|Handicaps mentaux|Illettrisme"},
		{"publics_accueillis", "Public langues étrangères", "prise_en_charge_specifique", "Langues étrangères (autres)"},
		{"conditions_acces", "Gratuit : Je peux accéder gratuitement au lieu et à ses services", "frais_a_charge", "Gratuit"},
		{"conditions_access", "Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder au lieu", "frais_a_charge", "Gratuit sous condition"},
		{"conditions_acces", "Adhésion", "frais_a_charge", "Payant"},
		{"labels_nationaux", "CNFS;France Services;Grande école du numérique;Point relais CAF", "dispositif_programmes_nationaux", "Conseillers numériques|France Services|Grande école du numérique|Point d'accès numérique CAF"},
		{"labels_nationaux", "Fabriques de Territoire", "formations_labels", "Fabriques de Territoire"},
		{"labels_nationaux", "APTIC;French Tech", "autres_formations_labels", "APTIC|French Tech"},
		{"labels", "FRANCE SERVICES", "dispositif_programmes_nationaux", "France Services"}, // Région Sud's column: a programme among labels
		{"formations_labels", "CNFS;Fabriques de Territoire", "dispositif_programmes_nationaux", "Conseillers numériques"},
		{"modalites_accompagnement", "Seul : j’ai accès à du matériel et une connexion;A ma place : une personne habilitée fait les démarches à ma place", "modalites_accompagnement", "En autonomie|Accompagnement individuel"},
		{"modalites_accompagnement", "Dans un atelier", "modalites_accompagnement", "Dans un atelier collectif"},
		{"courriel", "contact@exemple.fr", "courriels", "contact@exemple.fr"},
		{"labels_autres", "SudLabs;Nièvre médiation numérique", "autres_formations_labels", "SudLabs|Nièvre médiation numérique"},
		{"accessibilite", "https://acceslibre.beta.gouv.fr/x", "fiche_acces_libre", "https://acceslibre.beta.gouv.fr/x"},
		{"presentation_resumee", "Un résumé", "presentation_resume", "Un résumé"},
		{"site_web", "https://a.fr,https://b.fr", "site_web", "https://a.fr|https://b.fr"},
		{"typologie", "TIERS_LIEUX;ASSO", "typologie", "TIERS_LIEUX|ASSO"},
	}
	for _, c := range cases {
		t.Run(c.column+"="+c.value, func(t *testing.T) {
			m := mapOne(t, schema.Mapping{}, record(c.column, c.value))
			if got := m.Lieu.Get(c.field); got != c.want {
				t.Errorf("%s = %q, want %q (issues %+v)", c.field, got, c.want, m.Issues)
			}
		})
	}
}

func TestV1ColumnWinsOverLeftover0x(t *testing.T) {
	m := mapOne(t, schema.Mapping{}, record(
		"publics_accueillis", "Seniors (+ 65 ans)",
		"publics_specifiquement_adresses", "Jeunes",
		"labels_nationaux", "CNFS"))
	if got := m.Lieu.Get("publics_specifiquement_adresses"); got != "Jeunes" {
		t.Errorf("publics = %q, want the v1 column's value", got)
	}
	if got := m.Lieu.Get("dispositif_programmes_nationaux"); got != "Conseillers numériques" {
		t.Errorf("dispositifs = %q, want the upgraded leftover", got)
	}
}

func TestUnknownValuesAreReported(t *testing.T) {
	m := mapOne(t, schema.Mapping{}, record("services", "Aide aux démarches administratives|Cours de cuisine", "cle_ban", "13001_3079_00001"))
	if got := m.Lieu.Get("services"); got != "Aide aux démarches administratives" {
		t.Errorf("services = %q", got)
	}
	rules := map[string]bool{}
	for _, is := range m.Issues {
		rules[is.Rule] = true
	}
	if !rules["unknown-value"] || !rules["dropped-0x-field"] {
		t.Errorf("issues %+v", m.Issues)
	}
}

func TestMappingColumnsConstantsAndID(t *testing.T) {
	rec := record("id_fs", "42", "lib_fs", "France services de Guise", "mail", "a@b.fr", "itinerance", "Non", "code_postal", "02120")
	m := mapOne(t, schema.Mapping{
		ID:        "id_fs",
		Columns:   map[string]string{"lib_fs": "nom", "mail": "courriels", "itinerance": schema.Ignore},
		Constants: map[string]string{"typologie": "RFS", "nom": "ignored: the column fills it"},
	}, rec)
	l := m.Lieu
	if m.ProducerID != "42" || l.Nom != "France services de Guise" || l.Get("courriels") != "a@b.fr" ||
		l.Get("typologie") != "RFS" || l.Get("itinerance") != "" || l.CodePostal != "02120" {
		t.Errorf("got %+v (producer id %q)", l, m.ProducerID)
	}
}

func TestMappingErrors(t *testing.T) {
	cols := []string{"nom", "ville"}
	cases := []struct {
		name string
		m    schema.Mapping
		want string
	}{
		{"unknown column", schema.Mapping{Columns: map[string]string{"commune": "commune"}}, `column "commune" not found`},
		{"unknown field", schema.Mapping{Columns: map[string]string{"ville": "city"}}, `not a field of the standard`},
		{"unknown constant", schema.Mapping{Constants: map[string]string{"horaire": "x"}}, `constant "horaire"`},
		{"unknown id column", schema.Mapping{ID: "identifiant"}, `id column "identifiant"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := schema.NewMapper(c.m, cols, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestGeoJSONGeometryGivesCoordinates(t *testing.T) {
	point := `{"type":"Point","coordinates":[5.825644,46.105747]}`
	cases := []struct {
		name     string
		rec      harvest.Record
		lon, lat float64
	}{
		{"geometry only", record("nom", "x", "geometry", point), 5.825644, 46.105747},
		{"explicit columns win", record("latitude", "46.1", "longitude", "5.8", "geometry", point), 5.8, 46.1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mapOne(t, schema.Mapping{}, c.rec)
			lon, lat, ok := m.Lieu.Point()
			if !ok || lon != c.lon || lat != c.lat {
				t.Errorf("point %v %v %v", lon, lat, ok)
			}
		})
	}
}

func TestPlaceholdersAreEmpty(t *testing.T) {
	for _, v := range []string{"-", "NC", "Néant", "non renseigné", "N/A", " / "} {
		m := mapOne(t, schema.Mapping{}, record("courriels", v, "telephone", v))
		if m.Lieu.Get("courriels") != "" || m.Lieu.Telephone != "" || len(m.Issues) != 2 || m.Issues[0].Rule != "placeholder" {
			t.Errorf("%q: %+v %+v", v, m.Lieu, m.Issues)
		}
	}
	if schema.IsPlaceholder("Non") || schema.IsPlaceholder("Paris") {
		t.Error("real values are not placeholders")
	}
}

func TestValuesFromFreeText(t *testing.T) {
	cases := []struct{ column, value, field, want string }{
		{"Tarifs", "Gratuit pour les adhérents", "frais_a_charge", "Gratuit sous condition"},
		{"Tarifs", "Accès libre et gratuit", "frais_a_charge", "Gratuit"},
		{"Tarifs", "5€ l'heure", "frais_a_charge", "Payant"},
		{"Tarifs", "Gratuit, Payant", "frais_a_charge", "Gratuit|Payant"},
		{"services", "Initiation à l'informatique, aide aux démarches CAF", "services", "Maîtrise des outils numériques du quotidien|Aide aux démarches administratives"},
		{"publics", "Seniors, personnes âgées et familles", "publics_specifiquement_adresses", "Seniors|Familles et/ou enfants"},
		{"itinerance", "Oui", "itinerance", "Itinérant"},
		{"itinerance", "Non", "itinerance", "Fixe"},
		{"frais_a_charge", "Sur devis", "frais_a_charge", ""},
		{"labels", "Labellisé Fabrique de territoire et étapes numériques", "formations_labels", "Fabriques de Territoire|Étapes numériques(La Poste)"},
	}
	for _, c := range cases {
		t.Run(c.value, func(t *testing.T) {
			m := mapOne(t, schema.Mapping{Columns: map[string]string{c.column: c.field}}, record(c.column, c.value))
			if got := m.Lieu.Get(c.field); got != c.want {
				t.Errorf("%s = %q, want %q (issues %+v)", c.field, got, c.want, m.Issues)
			}
		})
	}
}

func TestMappingJoinSplitValues(t *testing.T) {
	rec := record("N°", "12", "Voie", "rue des Lilas", "Geo", "45.75;4.85", "Bus", "Oui", "Nom", "EPN", "Accueil", "Sur convocation")
	m := schema.Mapping{
		Join:    map[string]schema.Join{"adresse": {Columns: []string{"N°", "Voie"}, Separator: " "}},
		Split:   []schema.Split{{Column: "Geo", Separator: ";", Fields: []string{"latitude", "longitude"}}},
		Columns: map[string]string{"Bus": "itinerance", "Accueil": "modalites_acces"},
		Values: map[string][]schema.ValueRule{
			"itinerance":      {{Value: "Fixe", Any: []string{"oui"}}}, // this source's "Bus: Oui" means a fixed bus stop
			"modalites_acces": {{Value: "Envoyer un mail avec une fiche de prescription", Any: []string{"convocation"}}},
		},
	}
	got := mapOne(t, m, rec).Lieu
	lon, lat, _ := got.Point()
	if got.Adresse != "12 rue des Lilas" || lat != 45.75 || lon != 4.85 || got.Get("itinerance") != "Fixe" ||
		got.Get("modalites_acces") != "Envoyer un mail avec une fiche de prescription" {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []schema.Mapping{
		{Join: map[string]schema.Join{"adresse": {Columns: []string{"absent"}}}},
		{Split: []schema.Split{{Column: "Geo", Fields: []string{"lat"}}}},
		{Values: map[string][]schema.ValueRule{"itinerance": {{Value: "Volant"}}}},
	} {
		if _, err := schema.NewMapper(bad, columns(rec), nil); err == nil {
			t.Errorf("mapping %+v: want an error", bad)
		}
	}
}
