package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// hourPatterns are opening hours as hubs publish them, from always open
// on weekdays to a few half-days; one lieu in eight has none.
var hourPatterns = []string{
	"Mo-Fr 09:00-12:00,14:00-17:00",
	"Mo-Fr 08:30-12:30,13:30-17:30; Sa 09:00-12:00",
	"Tu-Sa 10:00-18:00",
	"Mo,We,Fr 09:00-12:00",
	"Mo-Th 09:00-17:00; Fr 09:00-12:00",
	"We 14:00-18:00; Sa 10:00-12:30,14:00-17:00",
	"Mo-Fr 09:00-17:00; PH off",
	"",
}

// PublishedLieux makes about n published lieux: the true places of a
// synthetic national corpus (real names and streets, communes drawn by
// density), each with enumerated fields drawn from the
// standard's values (services, publics, frais, modalités, dispositifs,
// typologie) and opening hours, the same for the same n and seed.
func PublishedLieux(n int, seed uint64) []store.PublishedLieu {
	members, places := Corpus(n*3, seed) // about 2.5 records a place, and some places have no point
	byRef := map[string]int{}
	for i, m := range members {
		byRef[m.Source+"\x00"+m.RecordKey] = i
	}
	rnd := rand.New(rand.NewPCG(seed, 7))
	ts := schema.Current()
	enum := func(field string) []string {
		def, _ := ts.Field(field)
		return def.EnumValues()
	}
	services, publics, frais := enum("services"), enum("publics_specifiquement_adresses"), enum("frais_a_charge")
	acces, dispositifs, typologies := enum("modalites_acces"), enum("dispositif_programmes_nationaux"), enum("typologie")
	out := make([]store.PublishedLieu, 0, len(places))
	for i, p := range places {
		if len(out) == n {
			break
		}
		l := *members[byRef[p.Records[0].Source+"\x00"+p.Records[0].RecordKey]].Lieu // a copy: the member's is read only
		l.ID = fmt.Sprintf("%08x-synt-4000-8000-%012d", i, i)
		l.DateMaj = fmt.Sprintf("202%d-%02d-%02d", 3+rnd.IntN(4), 1+rnd.IntN(12), 1+rnd.IntN(28))
		l.Services = draw(rnd, services, 1+rnd.IntN(4))
		l.PublicsSpecifiquementAdresses = draw(rnd, publics, rnd.IntN(3))
		l.FraisACharge = []string{frais[0]}
		if rnd.IntN(10) == 0 {
			l.FraisACharge = draw(rnd, frais[1:], 1)
		}
		l.ModalitesAcces = draw(rnd, acces, 1+rnd.IntN(2))
		l.DispositifProgrammesNationaux = draw(rnd, dispositifs, rnd.IntN(2))
		l.Typologie = draw(rnd, typologies, 1)
		l.Horaires = hourPatterns[rnd.IntN(len(hourPatterns))]
		if c, ok := geo.Communes().Commune(l.CodeINSEE); ok {
			l.Territoire = &schema.Territoire{Departement: c.Departement, Region: c.Region, EPCI: c.EPCI}
		}
		if l.Latitude == nil { // a record of the place without its point: the truth has one
			continue
		}
		out = append(out, store.PublishedLieu{Lieu: l})
	}
	return out
}

// draw picks k distinct values, in the standard's order.
func draw(rnd *rand.Rand, values []string, k int) []string {
	if k <= 0 || len(values) == 0 {
		return nil
	}
	picked := rnd.Perm(len(values))[:min(k, len(values))]
	slices.Sort(picked)
	out := make([]string, len(picked))
	for i, j := range picked {
		out[i] = values[j]
	}
	return out
}
