package dedup

import (
	"fmt"
	"strconv"
)

// The scorer's features, as one table: each row is a part of a pair's
// score — its name as `maillage explain` prints it, the weight keys it
// reads (data/weights.json, config.yaml's dedup.weights), the function
// that scores it and what of the population it reads besides the pair.
// Scoring runs the rows in order (a row may read what earlier rows noted
// in pairState); the memo's context of a member is what the rows that
// read the population say of it (contextOf), so a feature reading a new
// kind of context cannot leave the memo stale. features_test.go checks
// that every contribution comes from a row under one of its keys, and
// that every weight key belongs to one row.

// pairState is what the features of a pair tell the ones after them.
type pairState struct {
	nameSim     float64          // nameFeature: the names' similarity
	sameVenue   bool             // nameFeature: the same distinctive name
	sole        bool             // kindFeature, orgFeature: the one site of a kind or an organisation
	addr        addressAgreement // addressFeature
	near        bool             // distanceFeature: points within nearPoints
	hosted      bool             // hostedFeature
	oneBody     bool             // oneBodyFeature
	kindsDiffer bool             // kindFeature: the kinds conflict
}

// feature is one row of the table.
type feature struct {
	name string
	keys []string
	// reads says what of the population the feature reads ("" for the
	// two records alone); context appends it for a member, for the memo.
	reads   string
	context func(b []byte, s *scorer, p *profile) []byte
	// conflict: its negative part counts as the addresses' conflict,
	// which single_site bounds
	conflict bool
	// score is the function that scores it (scoreFeature calls it
	// directly: a call through a function value would move each pair's
	// state to the heap)
	score scoreFunc
}

// scoreFunc names a feature's scoring function.
type scoreFunc uint8

const (
	scorePrior scoreFunc = iota
	scoreName
	scoreKind
	scoreOrganisation
	scoreAddress
	scoreDistance
	scoreCommune
	scoreItinerant
	scoreTypologie
	scoreID
	scoreSIRET
	scorePhone
	scoreEmail
	scoreHost
	scoreDomain
	scoreHosted
	scoreOneBody
	scoreSingleSite
	scoreGuard
)

// scoreFeature runs the scoring function of a row.
func (s *scorer) scoreFeature(f scoreFunc, a, b *profile, st *pairState, t *tally) {
	switch f {
	case scorePrior:
		t.add("prior", s.w.Prior, func() string { return "" })
	case scoreName:
		nameFeature(s, a, b, st, t)
	case scoreKind:
		kindFeature(s, a, b, st, t)
	case scoreOrganisation:
		orgFeature(s, a, b, st, t)
	case scoreAddress:
		addressFeature(s, a, b, st, t)
	case scoreDistance:
		distanceFeature(s, a, b, st, t)
	case scoreCommune:
		communeFeature(s, a, b, st, t)
	case scoreItinerant:
		itinerantFeature(s, a, b, st, t)
	case scoreTypologie:
		typologieFeature(s, a, b, st, t)
	case scoreID:
		idFeature(s, a, b, st, t)
	case scoreSIRET:
		siretFeature(s, a, b, st, t)
	case scorePhone:
		phoneFeature(s, a, b, st, t)
	case scoreEmail:
		emailFeature(s, a, b, st, t)
	case scoreHost:
		hostFeature(s, a, b, st, t)
	case scoreDomain:
		domainFeature(s, a, b, st, t)
	case scoreHosted:
		hostedFeature(s, a, b, st, t)
	case scoreOneBody:
		oneBodyFeature(s, a, b, st, t)
	case scoreSingleSite:
		singleSiteFeature(s, a, b, st, t)
	case scoreGuard:
		guardFeature(s, a, b, st, t)
	default:
		panic(fmt.Sprintf("dedup: no scoring function %d", f))
	}
}

var features = []feature{
	{name: "prior", keys: []string{"prior"}, score: scorePrior},
	{name: "name", keys: []string{"name", "same_record"}, score: scoreName},
	{name: "kind", keys: []string{"same_kind", "same_one_per_commune", "kind_conflict"}, score: scoreKind,
		reads: "the kinds of service a source lists at two sites of a commune (multiSites)", context: kindContext},
	{name: "organisation", keys: []string{"same_organisation"}, score: scoreOrganisation,
		reads: "the organisations (SIRET, structure parente, acronym) and those listed at two addresses of a commune", context: orgContext},
	{name: "address", keys: []string{"street_same_number", "same_number_unplaced", "street_no_number", "street_one_number",
		"street_near_number", "street_other_number", "other_street"}, score: scoreAddress, conflict: true},
	{name: "distance", keys: []string{"distance"}, score: scoreDistance, conflict: true},
	{name: "commune", keys: []string{"same_commune", "other_commune"}, score: scoreCommune},
	{name: "itinerant", keys: []string{"itinerant_vs_fixed", "declared_itinerant"}, score: scoreItinerant},
	{name: "typologie", keys: []string{"other_typologie"}, score: scoreTypologie},
	{name: "id", keys: []string{"same_producer_id", "same_local_id"}, score: scoreID},
	{name: "siret", keys: []string{"same_siret", "other_siren"}, score: scoreSIRET},
	{name: "telephone", keys: []string{"same_phone", "other_phone"}, score: scorePhone},
	{name: "courriels", keys: []string{"same_email"}, score: scoreEmail},
	{name: "site_web", keys: []string{"same_host"}, score: scoreHost},
	{name: "domain", keys: []string{"same_domain"}, score: scoreDomain,
		reads: "the e-mail domains and web hosts the population uses in one or two communes only (localDomains)", context: domainContext},
	{name: "hosted", keys: []string{"hosted_france_services"}, score: scoreHosted},
	{name: "one_body", keys: []string{"one_body_one_building"}, score: scoreOneBody},
	{name: "single_site", keys: []string{"single_site_conflict"}, score: scoreSingleSite},
	{name: "guard", keys: []string{"guard_cap"}, score: scoreGuard,
		reads: "the names one feed lists at two streets of a commune (markSiteNames)", context: siteContext},
}

// contextOf appends what member p's scores take from the population
// besides its profile: each population-reading row's part, in order.
func contextOf(b []byte, s *scorer, p *profile) []byte {
	for i := range features {
		if f := &features[i]; f.context != nil {
			b = f.context(append(b, '/'), s, p)
		}
	}
	return b
}

func kindContext(b []byte, s *scorer, p *profile) []byte {
	for _, k := range p.kinds {
		if s.multiSite[kindKey(p, k)] {
			b = append(append(b, '|'), k...)
		}
	}
	return b
}

func siteContext(b []byte, _ *scorer, p *profile) []byte {
	return strconv.AppendUint(b, uint64(p.siteWords), 16)
}

func orgContext(b []byte, s *scorer, p *profile) []byte {
	b = strconv.AppendUint(b, p.orgKey, 36)
	if p.org >= 0 && s.multiOrg[p.org] {
		b = append(b, '+')
	}
	return b
}

func domainContext(b []byte, _ *scorer, p *profile) []byte {
	if p.contacts == nil {
		return b
	}
	b = append(b, '@')
	for j, d := range p.domains {
		if j > 0 {
			b = append(b, '@')
		}
		b = append(b, d...)
	}
	return b
}

func hostedFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	if st.hosted = hosted(a, b, st.addr); st.hosted {
		t.add("hosted_france_services", s.w.HostedFranceServices, func() string {
			return "a France services in the premises of the body its record names"
		})
	}
}

// oneBodyFeature: the very same public SIRET (a commune's, which its
// mairie, library and CCAS share) at one address of one commune is one
// body's services in one building (LABELLING R3), whose kinds then do
// not conflict (the kind_conflict taken is given back); a private body's
// SIRET at one address is evidence enough already (same_siret, tied).
func oneBodyFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	if st.addr == addressSame && a.insee == b.insee && a.insee != "" && public(a.siret) && a.siret == b.siret && !busAndFixed(a, b) {
		st.oneBody = true
		w, why := s.w.OneBodyOneBuilding, ""
		if st.kindsDiffer {
			w, why = w-s.w.KindConflict, ", of which its kinds of service are"
		}
		t.add("one_body_one_building", w, func() string {
			return "one public body (" + a.siret + ") at one address: its services in one building" + why
		})
	}
}

// singleSiteFeature bounds what disagreeing addresses and points take
// from the one site of a kind or an organisation in a commune, or from
// two records naming the same venue there (LABELLING R7), when both move
// or neither does: a moving service's address is a nominal base, which
// differing from a fixed site's says nothing stale.
func singleSiteFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	if (st.sole || st.sameVenue && a.insee == b.insee && a.insee != "") && a.moves() == b.moves() && t.conflict < s.w.SingleSiteConflict {
		t.add("single_site_conflict", s.w.SingleSiteConflict-t.conflict, func() string {
			return "one site in the commune: its addresses disagree, as a stale or administrative address does"
		})
	}
}

// guardFeature holds a pair a guard applies to at GuardCap (guard.go).
func guardFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	if st.hosted || st.oneBody || t.sum <= s.w.GuardCap {
		return // most pairs: nothing to hold
	}
	if why, ok := s.guard(a, b, st.addr, st.nameSim); ok {
		t.add("guard_cap", s.w.GuardCap-t.sum, func() string { return why })
	}
}
