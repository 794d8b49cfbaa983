package dedup_test

import (
	"strings"
	"testing"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/schema"
)

// rec builds a member from the fields the scorer reads; lat/lon 0 means
// no point.
func rec(source, key, nom, adresse, cp, insee string, lat, lon float64) dedup.Member {
	m := dedup.Member{Ref: dedup.Ref{Source: source, RecordKey: key},
		Lieu: &schema.Lieu{Nom: nom, Adresse: adresse, CodePostal: cp, CodeINSEE: insee}}
	if lat != 0 {
		m.Lieu.Latitude, m.Lieu.Longitude = &lat, &lon
	}
	return m
}

// with sets more fields of a member.
func with(m dedup.Member, set func(l *schema.Lieu)) dedup.Member {
	l := *m.Lieu // a member's lieu is shared: the copy gets its own
	set(&l)
	m.Lieu = &l
	return m
}

func together(res dedup.Result, a, b dedup.Ref) bool {
	for _, c := range res.Clusters {
		hasA, hasB := false, false
		for _, m := range c.Members {
			hasA, hasB = hasA || m == a, hasB || m == b
		}
		if hasA || hasB {
			return hasA && hasB
		}
	}
	return false
}

// TestPairs: pairs taken from the reference corpus (Vaucluse, as the
// sources spell them) and the situations the labelling rules single out.
func TestPairs(t *testing.T) {
	cases := []struct {
		name  string
		a, b  dedup.Member
		merge bool
	}{
		{"one France services in two lists", rec("fs", "1", "France services Le Pontet", "1 Avenue Pasteur", "84130", "84092", 43.9606, 4.8606),
			rec("hub", "1", "France Services - Le Pontet", "1 avenue pasteur", "84130", "84092", 43.9607, 4.8607), true},
		{"acronym and its spelling at one address", rec("ac", "1", "CCAS ORANGE", "100 Rue des Phocéens", "84100", "84087", 0, 0),
			rec("cnfs", "1", "CTRE COM ACTION SOCIALE D ORANGE", "100 RUE DES PHOCEENS", "84100", "84087", 0, 0), true},
		{"lost characters in one file", rec("paca", "1", "M\uFFFDdiath\uFFFDque Raoul Milhaud", "133 rue du baron le roy", "84470", "84036", 0, 0),
			rec("hub", "1", "Médiathèque Raoul Milhaud", "133 Rue du baron le roy", "84470", "84036", 0, 0), true},
		{"mairie and library at one address", rec("a", "1", "Mairie de Lagnes", "248 rue de la République", "84800", "84062", 43.8930, 5.1130),
			rec("b", "1", "Médiathèque intercommunale", "248 rue de la République", "84800", "84062", 43.8930, 5.1130), false},
		{"a bus and its carrier's office", rec("fs", "1", "Bus France services Avignon (Avenir 84)", "27 bis avenue de la Trillade", "84000", "84007", 0, 0),
			rec("hub", "1", "Avenir 84", "27 bis avenue de la Trillade", "84000", "84007", 0, 0), false},
		{"a bus with its base's address, point and e-mail", with(rec("fs", "1", "Bus France services Pimms Médiation Ambazac", "2 Place de la Gare", "87240", "87002", 45.9590, 1.4000),
			func(l *schema.Lieu) { l.Courriels = []string{"ambazac@pimms.org"} }),
			with(rec("fs", "2", "France services Pimms Médiation Ambazac", "2 Place de la Gare", "87240", "87002", 45.9590, 1.4000),
				func(l *schema.Lieu) { l.Courriels = []string{"ambazac@pimms.org"}; l.Telephone = "+33555570530" }), false},
		{"one association's two sites: other names, other streets, its SIRET on both",
			with(rec("cnfs", "1", "Maison des jeunes et de la culture Mosaïque", "17 rue Antoine de Saint-Exupéry", "16000", "16015", 45.6330, 0.1780),
				func(l *schema.Lieu) { l.Pivot = "38973354400073" }),
			with(rec("ac", "1", "Maison des habitants Espace France Services", "18 rue Saint-Vincent-de-Paul", "16000", "16015", 45.6500, 0.1560),
				func(l *schema.Lieu) { l.Pivot = "38973354400073" }), false},
		{"same generic name, two communes, no points", rec("a", "1", "Mairie", "Place de la Mairie", "84210", "84088", 0, 0),
			rec("b", "1", "Mairie", "Place de la Mairie", "84380", "84072", 0, 0), false},
		{"same name, two streets, no points: two sites", rec("a", "1", "Croix-Rouge française", "6 rue Porte Evêque", "84000", "84007", 0, 0),
			rec("b", "1", "Croix-Rouge française", "20 boulevard Henry Dunant", "84000", "84007", 0, 0), false},
		{"across a commune border, 20 m apart", rec("a", "1", "Espace numérique Lou Pasquié", "1 place du Marché", "84310", "84081", 43.94, 4.9),
			rec("b", "1", "Espace Numerique Lou Pasquie", "1 pl du marche", "84470", "84036", 43.9401, 4.9002), true},
		{"a France Services label says the kind", with(rec("paca", "1", "Centre Com Action Sociale de Valreas", "rue hotel de ville", "84600", "84138", 44.383246, 4.989009),
			func(l *schema.Lieu) { l.DispositifProgrammesNationaux = []string{"France Services"} }),
			rec("cnfs", "1", "france services", "35 hotel de ville", "84600", "84138", 44.383319, 4.988615), true},
		{"a SIREN 26… is a CCAS", with(rec("ac", "1", "Pôle solidarité de Valréas", "HOTEL DE VILLE - Place A. Briand", "84600", "84138", 0, 0), sirenCCAS),
			with(rec("cnfs", "1", "CTRE COM ACTION SOCIALE DE VALREAS", "RUE HOTEL DE VILLE", "84600", "84138", 0, 0), sirenCCAS), true},
		{"« Commune de X » at its hôtel de ville is the mairie", with(rec("cnfs", "1", "Mairie de Jonquières - Bibliothèque municipale", "AV DE LA LIBERATION", "84150", "84056", 0, 0), sirenJonquieres),
			with(rec("struct", "1", "COMMUNE DE JONQUIERES", "AV DE LA LIBERATION HOTEL DE VILLE", "84150", "84056", 0, 0), sirenJonquieres), true},
		{"« Commune de X » elsewhere is one of its services", rec("ac", "1", "COMMUNE DE CADEROUSSE", "Rue Berbiguier", "84860", "84027", 0, 0),
			rec("struct", "1", "COMMUNE DE CADEROUSSE", "HOTEL DE VILLE", "84860", "84027", 0, 0), false},
		{"two nominal addresses of one bus", with(rec("paca", "1", "Le Lien France Services", "81 avenue frédéric mistral", "84400", "84003", 0, 0),
			func(l *schema.Lieu) { l.Itinerance = []string{"Itinérant"} }),
			rec("ac", "1", "Espace France Services Itinérant Le Lien", "CHE DE LA BOUCHEYRONNE", "84400", "84003", 0, 0), true},
		{"numbers two apart on one street", with(rec("ac", "1", "CCAS d'Avignon - Site Ilot Saint Jean", "4 AV DE SAINT JEAN", "84000", "84007", 0, 0), sirenCCAS),
			with(rec("ac", "2", "CCAS AVIGNON", "2 Avenue Saint Jean", "84000", "84007", 0, 0), sirenCCAS), true},
		{"an initial for a first name", rec("a", "1", "Point numérique", "12 place J. Moulin", "84000", "84007", 0, 0),
			rec("b", "1", "Point numérique", "12 place Jean Moulin", "84000", "84007", 0, 0), true},
		{"lost characters in an address", rec("paca", "1", "Biblioth\uFFFDque", "85 chemin des coll\uFFFDgiens", "84380", "84072", 0, 0),
			rec("ac", "1", "Espace Francine FOUSSA", "85 chemin des Collégiens", "84380", "84072", 0, 0), true},
		{"a France services in the La Poste office its record names", with(rec("fs", "1", "France services La Grave", "RD 1091", "05320", "05063", 0, 0),
			func(l *schema.Lieu) { l.ComplementAdresse, l.Commune = "Bureau de Poste", "La Grave" }),
			with(rec("ac", "1", "la poste la grave", "RD 1091", "05320", "05063", 0, 0), func(l *schema.Lieu) { l.Commune = "La Grave" }), true},
		{"a CCAS with its commune's SIRET at the hôtel de ville (R3)", with(rec("ac", "1", "CCAS de la commune de Peyruis", "PL DE L'HOTEL DE VILLE", "04310", "04149", 0, 0), sirenPeyruis),
			with(rec("struct", "1", "COMMUNE DE PEYRUIS", "PL DE LHOTEL DE VILLE 04310 PEYRUIS", "04310", "04149", 0, 0), sirenPeyruis), true},
		{"a commune's SIRET at two streets is two of its services (R9)", with(rec("ac", "1", "Médiathèque de Peyruis", "2 rue des Écoles", "04310", "04149", 0, 0), sirenPeyruis),
			with(rec("struct", "1", "COMMUNE DE PEYRUIS", "PL DE L'HOTEL DE VILLE", "04310", "04149", 0, 0), sirenPeyruis), false},
		{"one name, one record adding its kind, two streets (R7)", with(rec("hub", "1", "La Bricothèque", "491 cours Frizet", "84210", "84088", 0, 0), siteFablab),
			with(rec("cnfs", "1", "LA BRICOTHEQUE FABLAB DE PERNES LES FONTAINES", "3 Rue Raspail", "84210", "84088", 0, 0), siteFablab), true},
		{"a body's own name and « Commune de X » at one address, no SIRET in common (R2)", rec("paca", "1", "GAAAP Incubateur et coworking", "3 rue du colonel Roux", "05000", "05061", 0, 0),
			with(rec("struct", "1", "COMMUNE DE GAP", "3 RUE COLONEL ROUX 05000 GAP", "05000", "05061", 0, 0), func(l *schema.Lieu) { l.Pivot, l.Commune = "21050061700019", "Gap" }), false},
		{"« Mairie de X » and « Commune de X » two numbers apart", with(rec("ac", "1", "Mairie d'Orpierre", "3 Place des Aires", "05700", "05097", 44.3110, 5.6960), inOrpierre),
			with(rec("hub", "1", "Commune d'Orpierre", "5 Place des Aires", "05700", "05097", 44.31105, 5.69608), inOrpierre), true},
		{"a library labelled France Services at another street than the France services", with(rec("ac", "1", "Bibliothèque Espace culturel", "place de l'Église", "04360", "04132", 0, 0),
			func(l *schema.Lieu) { l.DispositifProgrammesNationaux = []string{"France Services"} }),
			rec("fs", "1", "France services de Moustiers-Sainte-Marie", "Rue du seigneur de la clue", "04360", "04132", 0, 0), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := dedup.Run(dedup.Input{Members: []dedup.Member{c.a, c.b}})
			if got := together(res, c.a.Ref, c.b.Ref); got != c.merge {
				ex, _ := dedup.NewEngine([]dedup.Member{c.a, c.b}, dedup.Weights{}).Explain(c.a.Ref, c.b.Ref)
				t.Errorf("merged %v, want %v; score %.3f %+v", got, c.merge, ex.Score, ex.Features)
			}
		})
	}
}

func inOrpierre(l *schema.Lieu)   { l.Commune = "Orpierre" }
func sirenCCAS(l *schema.Lieu)    { l.Pivot = "26840095900014" }
func sirenPeyruis(l *schema.Lieu) { l.Pivot, l.Commune = "21040149300015", "Peyruis" }
func siteFablab(l *schema.Lieu) {
	l.SiteWeb, l.Commune = []string{"http://fablab-pernes.fr"}, "Pernes-les-Fontaines"
}
func sirenJonquieres(l *schema.Lieu) { l.Pivot, l.Commune = "21840056200011", "Jonquières" }

// TestOrganisations: records that a private SIRET, a structure parente
// and an acronym tie to one organisation are one place when it has one
// site in the commune (Sarrians: an association, its espace numérique
// and the France services it runs, at three numbers of one avenue), and
// stay apart when a producer lists two of its sites.
func TestOrganisations(t *testing.T) {
	siret := func(l *schema.Lieu) { l.Pivot = "33946661700018" }
	espace := with(rec("paca", "1", "Espace numérique Sarrians", "322 Avenue de la Camargue - quartier de Sainte Croix", "84260", "84122", 0, 0),
		func(l *schema.Lieu) { l.StructureParente = "Association Franca Centre Aere Sarriansa" })
	employer := rec("struct", "1", "ASSOCIATION FRANCA CENTRE AERE SARRIANSA", "SAINTE CROIX", "84260", "84122", 0, 0)
	permanence := with(rec("cnfs", "1", "ASSOCIATION AFCAS", "332 Avenue de la Camargue", "84260", "84122", 0, 0), siret)
	ac := with(rec("ac", "1", "Espace Numérique Sarrians", "322 avenue de la camargue", "84260", "84122", 0, 0), siret)
	res := dedup.Run(dedup.Input{Members: []dedup.Member{espace, employer, permanence, ac}})
	for _, m := range []dedup.Member{employer, permanence, ac} {
		if !together(res, espace.Ref, m.Ref) {
			t.Errorf("%s apart from %s: %+v", m.Lieu.Nom, espace.Lieu.Nom, res.Clusters)
		}
	}
	second := with(rec("ac", "2", "AFCAS accueil de loisirs", "12 rue du Stade", "84260", "84122", 0, 0), siret)
	res = dedup.Run(dedup.Input{Members: []dedup.Member{espace, employer, permanence, ac, second}})
	if together(res, espace.Ref, permanence.Ref) || together(res, ac.Ref, second.Ref) {
		t.Errorf("an organisation listed at two addresses merged as one site: %+v", res.Clusters)
	}
}

// TestNamedSites: a source listing one organisation under two names at
// two streets (« Centre social de Fontreyne », « … - Quartier des
// Cèdres ») says they are two sites: another source's record at one of
// them is not merged with the other, even with the organisation's phone
// and e-mail; the very same name at two streets stays one place (R7).
func TestNamedSites(t *testing.T) {
	contact := func(l *schema.Lieu) {
		l.Telephone, l.Courriels = "+33666207578", []string{"cs.fontreyne@ville-gap.fr"}
	}
	narcisses := with(rec("cnfs-2023", "1", "Centre Social de Fontreyne", "10 rue des Narcisses", "05000", "05061", 44.5500, 6.0700), contact)
	cedres := with(rec("cnfs-2023", "2", "Centre Social de Fontreyne - Quartier des Cèdres", "3 rue de l'Espéranto", "05000", "05061", 44.5560, 6.0750), contact)
	older := with(rec("cnfs-2022", "2", "Centre Social de Fontreyne - Quartier des Cèdres", "3 rue de l'Espéranto", "05000", "05061", 44.5560, 6.0750), contact)
	res := dedup.Run(dedup.Input{Members: []dedup.Member{narcisses, cedres, older}})
	if together(res, narcisses.Ref, older.Ref) || !together(res, cedres.Ref, older.Ref) {
		t.Errorf("two named sites: %+v", res.Clusters)
	}
	twice := with(narcisses, func(l *schema.Lieu) { l.Nom = cedres.Lieu.Nom })
	twice.Ref.RecordKey = "3"
	res = dedup.Run(dedup.Input{Members: []dedup.Member{twice, cedres, older}})
	if !together(res, twice.Ref, older.Ref) {
		t.Errorf("one name listed twice at two streets split: %+v", res.Clusters)
	}
}

// TestMultiSiteKinds: a source listing two « La Poste » at two addresses
// in one commune says the commune has two offices; the kind alone then
// merges nothing.
func TestMultiSiteKinds(t *testing.T) {
	ms := []dedup.Member{
		rec("ac", "1", "LA POSTE", "6 RUE DU BLE DE LUNE", "84000", "84007", 0, 0),
		rec("ac", "2", "LA POSTE", "4 CRS PRESIDENT KENNEDY", "84000", "84007", 0, 0),
		rec("cnfs", "1", "La Poste", "Cours Président Kennedy", "84000", "84007", 0, 0),
	}
	res := dedup.Run(dedup.Input{Members: ms})
	if together(res, ms[0].Ref, ms[1].Ref) || together(res, ms[0].Ref, ms[2].Ref) {
		t.Errorf("two offices merged: %+v", res.Clusters)
	}
}

// TestDecisions: a « different » verdict survives and blocks a merge
// through a third record; a « same » verdict merges below the threshold.
func TestDecisions(t *testing.T) {
	a := rec("a", "1", "France services Sarrians", "148 Avenue de la Camargue", "84260", "84122", 0, 0)
	b := rec("b", "1", "France Services Sarrians", "148 av de la Camargue", "84260", "84122", 0, 0)
	c := rec("c", "1", "France services de Sarrians", "148 avenue de la Camargue", "84260", "84122", 0, 0)
	d := rec("d", "1", "Association AFCAS", "332 Avenue de la Camargue", "84260", "84122", 0, 0)
	ms := []dedup.Member{a, b, c, d}
	if res := dedup.Run(dedup.Input{Members: ms}); !together(res, a.Ref, c.Ref) || together(res, a.Ref, d.Ref) {
		t.Fatalf("without decisions: %+v", res.Clusters)
	}
	res := dedup.Run(dedup.Input{Members: ms, Decisions: []dedup.Decision{{A: a.Ref, B: c.Ref}, {A: d.Ref, B: b.Ref, Same: true}}})
	if together(res, a.Ref, c.Ref) {
		t.Errorf("« different » merged through a third record: %+v", res.Clusters)
	}
	if !together(res, d.Ref, b.Ref) {
		t.Errorf("« same » did not merge: %+v", res.Clusters)
	}
}

// TestClusterCap: past the size cap a cluster stops growing and the
// refused pair goes to review.
func TestClusterCap(t *testing.T) {
	var ms []dedup.Member
	for i, src := range []string{"a", "b", "c"} {
		ms = append(ms, rec(src, "1", "France services Bédoin", "301 Avenue Barral des Baux", "84410", "84017", 44.1245+float64(i)*1e-5, 5.1792))
	}
	w := dedup.DefaultWeights()
	w.MaxClusterSize = 2
	res := dedup.Run(dedup.Input{Members: ms, Weights: w})
	if len(res.Clusters) != 2 || res.Capped == 0 || len(res.Review) == 0 {
		t.Errorf("clusters %d, capped %d, review %d; want 2, >0, >0", len(res.Clusters), res.Capped, len(res.Review))
	}
}

// TestExplain lists each feature's part, and they add up to the score.
func TestExplain(t *testing.T) {
	a := rec("fs", "1", "France services Le Pontet", "1 Avenue Pasteur", "84130", "84092", 43.9606, 4.8606)
	b := rec("ac", "1", "Espace Ressources du Pontet", "1 Avenue Pasteur", "84130", "84092", 0, 0)
	ex, err := dedup.NewEngine([]dedup.Member{a, b}, dedup.Weights{}).Explain(a.Ref, b.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range ex.Features {
		names = append(names, f.Feature)
	}
	if got := strings.Join(names, ","); got != "prior,name,address,address,commune" {
		t.Errorf("features %s", got)
	}
	if _, err := dedup.NewEngine([]dedup.Member{a}, dedup.Weights{}).Explain(a.Ref, b.Ref); err == nil {
		t.Error("explaining an unknown record gave no error")
	}
}
