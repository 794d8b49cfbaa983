package geo_test

import (
	"testing"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
)

// TestPointFarFromCommune runs Locate then CheckCoordinates, as the
// pipeline does, on points of the reference corpus (the first six, from
// ../shared/reference, as published) and on points inside large or
// elongated communes that must stay put.
func TestPointFarFromCommune(t *testing.T) {
	cases := []struct {
		name     string
		in       schema.Lieu
		lat, lon float64
		rule     string // first rule fired by the check; "" when none
		insee    string // code_insee afterwards
		kept     bool   // the point survives
	}{
		{"longitude sign lost, code confirmed", schema.Lieu{CodeINSEE: "16102", CodePostal: "16100", Commune: "COGNAC"}, 45.6915, 0.3331,
			"coordinates-far-from-commune", "16102", false},
		{"homonym in another département", schema.Lieu{CodeINSEE: "84093", CodePostal: "84360", Commune: "PUGET"}, 43.28926791776608, 6.135901582398259,
			"coordinates-far-from-commune", "84093", false},
		{"homonym picked by the producer", schema.Lieu{CodeINSEE: "63236", CodePostal: "98800", Commune: "Mont-Dore"}, -22.22691, 166.52153,
			"insee-from-point", "98817", true},
		{"mistyped code", schema.Lieu{CodeINSEE: "42118", CodePostal: "42000", Commune: "SAINT-ETIENNE"}, 45.47291, 4.39435,
			"insee-from-point", "42218", true},
		{"code of another commune, point and name agree", schema.Lieu{CodeINSEE: "61508", CodePostal: "61120", Commune: "Briouze"}, 48.697978, -0.367817,
			"insee-from-point", "61063", true},
		{"nothing agrees", schema.Lieu{CodeINSEE: "45330", CodePostal: "45330", Commune: "LE MALESHERBOIS COMMUNE DÉLÉGUÉE DE MALESHERBES"}, 48.296529, 2.415394,
			"insee-far-from-point", "45330", true},
		{"delegated commune's name confirms", schema.Lieu{CodeINSEE: "74010", CodePostal: "74940", Commune: "Annecy le Vieux"}, 46.261923956178364, 6.503698838495589,
			"coordinates-far-from-commune", "74010", false},
		{"Paris, Bois de Boulogne", schema.Lieu{CodeINSEE: "75116", CodePostal: "75016"}, 48.8625, 2.2350, "", "75116", true},
		{"Arles, Salin-de-Giraud", schema.Lieu{CodeINSEE: "13004", CodePostal: "13129"}, 43.4108, 4.7293, "", "13004", true},
		{"Maripasoula, far from its centre", schema.Lieu{CodeINSEE: "97353", CodePostal: "97370"}, 3.6406, -54.0300, "", "97353", true},
		{"no centre known (Wallis)", schema.Lieu{CodeINSEE: "98611", CodePostal: "98600"}, -13.2825, -176.1745, "", "98611", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.in
			l.Latitude, l.Longitude = &c.lat, &c.lon
			geo.Locate(&l)
			rule := ""
			for _, is := range geo.CheckCoordinates(&l) {
				if rule == "" {
					rule = is.Rule
				}
			}
			if rule != c.rule || l.CodeINSEE != c.insee || (l.Latitude != nil) != c.kept {
				t.Errorf("rule %q, code_insee %s, point kept %v; want %q, %s, %v", rule, l.CodeINSEE, l.Latitude != nil, c.rule, c.insee, c.kept)
			}
		})
	}
}

// TestCommuneCentres checks the referential's centres: nearly every
// current commune has one (its own or a delegated commune's), and the
// spacing follows commune size.
func TestCommuneCentres(t *testing.T) {
	r := geo.Communes()
	paris, _ := r.Commune("75056")
	arles, _ := r.Commune("13004")
	if paris.Centre == nil || arles.Centre == nil || !(paris.Spacing < arles.Spacing) {
		t.Fatalf("Paris %+v, Arles %+v: want centres, Paris's spacing below Arles's", paris, arles)
	}
	if d, ratio, ok := r.Reach("75056", *paris.Centre); !ok || d != 0 || ratio != 0 {
		t.Errorf("Reach at Paris's centre = %v, %v, %v", d, ratio, ok)
	}
	if _, ratio, ok := r.Reach("75056", *arles.Centre); !ok || ratio <= 1 {
		t.Errorf("Arles's centre is within Paris's reach (%v, %v)", ratio, ok)
	}
}
