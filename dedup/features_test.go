package dedup

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/maillage/maillage/schema"
)

// runSettings are the keys of data/weights.json that are not a feature's
// weight: thresholds and bounds of the run.
var runSettings = []string{"merge_at", "review_at", "max_cluster_size", "max_review_per_territory", "learn"}

// TestEveryWeightKeyHasOneFeature: each weight key of data/weights.json
// is read by exactly one row of the feature table, and each row's keys
// are weight keys; each row that reads the population gives the memo its
// part of the context.
func TestEveryWeightKeyHasOneFeature(t *testing.T) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(weightsJSON, &doc); err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for _, f := range features {
		if (f.reads == "") != (f.context == nil) {
			t.Errorf("feature %q: reads %q but context %v: the memo would not see what it reads", f.name, f.reads, f.context != nil)
		}
		for _, k := range f.keys {
			if _, ok := doc[k]; !ok {
				t.Errorf("feature %q: key %q is not in data/weights.json", f.name, k)
			}
			if o, dup := owner[k]; dup {
				t.Errorf("key %q read by features %q and %q", k, o, f.name)
			}
			owner[k] = f.name
		}
	}
	for k := range doc {
		if _, ok := owner[k]; !ok && k[0] != '_' && !slices.Contains(runSettings, k) {
			t.Errorf("weight key %q is read by no feature of the table", k)
		}
	}
}

// TestContributionsComeFromTheTable: explaining every pair of a
// population made to meet each feature (names, addresses, points,
// identifiers, contacts, kinds, buses, a hosted France services), each
// contribution is a row's under one of its keys (tally.add panics
// otherwise), and every row contributes somewhere.
func TestContributionsComeFromTheTable(t *testing.T) {
	at := func(lat, lon float64) (*float64, *float64) { return &lat, &lon }
	lieu := func(nom, adresse string, set func(l *schema.Lieu)) *schema.Lieu {
		l := &schema.Lieu{Nom: nom, Adresse: adresse, CodePostal: "84130", CodeINSEE: "84092"}
		if set != nil {
			set(l)
		}
		return l
	}
	lieux := []*schema.Lieu{
		lieu("France services Le Pontet", "1 Avenue Pasteur", func(l *schema.Lieu) {
			l.Latitude, l.Longitude = at(43.9606, 4.8606)
			l.Telephone, l.Courriels, l.SiteWeb = "0490000001", []string{"fs@lepontet.fr"}, []string{"https://lepontet.fr"}
			l.ComplementAdresse, l.Typologie = "Bureau de poste", []string{"MUNI"}
		}),
		lieu("France Services - Le Pontet", "1 avenue pasteur", func(l *schema.Lieu) {
			l.Latitude, l.Longitude = at(43.9607, 4.8607)
			l.Telephone, l.Courriels = "+33490000001", []string{"fs@lepontet.fr"}
			l.Pivot, l.Typologie = "35600000000048", []string{"ASSO"}
		}),
		lieu("La Poste Le Pontet", "1 avenue Pasteur", func(l *schema.Lieu) { l.Pivot = "35600000012345" }),
		lieu("MSAP du Pontet", "12 rue de la Gare", func(l *schema.Lieu) {
			l.Latitude, l.Longitude = at(43.9650, 4.8700)
			l.Courriels = []string{"msap@lepontet.fr"}
		}),
		lieu("CCAS du Pontet", "3 avenue Pasteur", func(l *schema.Lieu) { l.Pivot, l.Telephone = "26840095900014", "0490000002" }),
		lieu("Médiathèque Jean Giono", "3 avenue Pasteur", func(l *schema.Lieu) {
			l.Pivot, l.Courriels, l.SiteWeb = "21840092000011", []string{"media@mairie-lepontet.fr"}, []string{"https://mairie-lepontet.fr/media"}
		}),
		lieu("Médiathèque Jean Giono", "3 avenue Pasteur", func(l *schema.Lieu) {
			l.Pivot, l.SiteWeb = "21840092000011", []string{"https://mairie-lepontet.fr/media"}
		}),
		lieu("Bus France services du Pontet", "1 avenue Pasteur", func(l *schema.Lieu) { l.Itinerance = []string{"Itinérant"} }),
		lieu("Espace numérique", "5 avenue Pasteur", func(l *schema.Lieu) { l.Itinerance = []string{"Itinérant"} }),
		lieu("Cyber-base", "2 rue Pasteur", func(l *schema.Lieu) { l.CodeINSEE, l.CodePostal = "84007", "84000" }),
		lieu("Association Pasteur", "1 avenue Pasteur", func(l *schema.Lieu) { l.Pivot = "44306184100047" }),
		lieu("Atelier numérique", "8 rue Pasteur", func(l *schema.Lieu) { l.StructureParente = "Association Pasteur" }),
		lieu("Croix-Rouge Le Pontet", "1 avenue Pasteur", func(l *schema.Lieu) { l.Pivot = "77567227200018" }),
	}
	members := make([]Member, len(lieux))
	for i, l := range lieux {
		members[i] = Member{Ref: Ref{Source: fmt.Sprintf("s%d", i%3), RecordKey: fmt.Sprint(i)}, ProducerID: fmt.Sprintf("lieu-%02d", i%6), Lieu: l}
	}
	members[5].ProducerID, members[6].ProducerID = "a1b2c3d4e5f6", "a1b2c3d4e5f6"
	e := NewEngine(members, DefaultWeights())
	seen := map[string]bool{}
	for i := range e.ps {
		for j := i + 1; j < len(e.ps); j++ {
			_, parts := e.s.score(&e.ps[i], &e.ps[j], true)
			for _, c := range parts {
				seen[c.Feature] = true
			}
		}
	}
	for _, f := range features {
		if !seen[f.name] {
			t.Errorf("feature %q never contributed", f.name)
		}
	}
}

// TestWeightsAreHundredths: the token weights live in a byte each
// (hundredths), which holds only if every weight the vocabulary gives is
// a hundredth from 0 to 1 and comes back as the very same float64.
func TestWeightsAreHundredths(t *testing.T) {
	all := []float64{areaWordWeight, tokenWeight("123"), tokenWeight("ordinaire"), streetWeight("rue"), streetWeight("pasteur")}
	for _, w := range words.Generic {
		all = append(all, w)
	}
	for _, w := range all {
		if w < 0 || w > 1 || float64(hundredths(w))/100 != w {
			t.Errorf("weight %v is not kept exactly as hundredths (%d)", w, hundredths(w))
		}
	}
}
