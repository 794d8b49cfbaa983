package dedup

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/maillage/maillage/geo"
)

//go:embed data/weights.json
var weightsJSON []byte

// Weights are the scorer's parameters, in log-odds (see data/weights.json).
type Weights struct {
	Prior          float64 `json:"prior" yaml:"prior"`
	MergeAt        float64 `json:"merge_at" yaml:"merge_at"`
	ReviewAt       float64 `json:"review_at" yaml:"review_at"`
	MaxClusterSize int     `json:"max_cluster_size" yaml:"max_cluster_size"`
	// MaxReviewPerTerritory bounds the pairs a territory (département)
	// leaves for review, best first; the others wait for the next run.
	MaxReviewPerTerritory int `json:"max_review_per_territory" yaml:"max_review_per_territory"`

	// Name lists [similarity, contribution] points, interpolated; a
	// positive contribution is scaled by how informative the names are.
	Name           [][2]float64 `json:"name" yaml:"name"`
	StreetNoNumber float64      `json:"street_no_number" yaml:"street_no_number"`
	// SameNumberUnplaced adds to a same street and number when one side
	// has no point, so that the address alone stands for co-location.
	SameNumberUnplaced float64 `json:"same_number_unplaced" yaml:"same_number_unplaced"`
	StreetSameNumber   float64 `json:"street_same_number" yaml:"street_same_number"`
	StreetOneNumber    float64 `json:"street_one_number" yaml:"street_one_number"`
	StreetNearNumber   float64 `json:"street_near_number" yaml:"street_near_number"`
	StreetOtherNumber  float64 `json:"street_other_number" yaml:"street_other_number"`
	OtherStreet        float64 `json:"other_street" yaml:"other_street"`
	// Distance lists [metres, contribution] steps: the first step whose
	// distance is not exceeded applies.
	Distance     [][2]float64 `json:"distance" yaml:"distance"`
	SameCommune  float64      `json:"same_commune" yaml:"same_commune"`
	OtherCommune float64      `json:"other_commune" yaml:"other_commune"`
	SameSIRET    float64      `json:"same_siret" yaml:"same_siret"`
	OtherSIREN   float64      `json:"other_siren" yaml:"other_siren"`
	SamePhone    float64      `json:"same_phone" yaml:"same_phone"`
	OtherPhone   float64      `json:"other_phone" yaml:"other_phone"`
	SameEmail    float64      `json:"same_email" yaml:"same_email"`
	SameHost     float64      `json:"same_host" yaml:"same_host"`
	// SameDomain: an e-mail domain or web host in common (« afcas.fr » in
	// an address and a web site) that the population uses in one or two
	// communes only: one organisation, not yet one place.
	SameDomain float64 `json:"same_domain" yaml:"same_domain"`
	// SameOrganisation: two records that identifiers tie to one
	// organisation that has one site in their commune (see organisations).
	SameOrganisation float64 `json:"same_organisation" yaml:"same_organisation"`
	OtherTypologie   float64 `json:"other_typologie" yaml:"other_typologie"`
	ItinerantVsFixed float64 `json:"itinerant_vs_fixed" yaml:"itinerant_vs_fixed"`
	// DeclaredItinerant: the itinerance field alone differs (producers
	// fill it loosely).
	DeclaredItinerant float64 `json:"declared_itinerant" yaml:"declared_itinerant"`
	// SameRecord: the very same name and address in two records.
	SameRecord     float64 `json:"same_record" yaml:"same_record"`
	SameProducerID float64 `json:"same_producer_id" yaml:"same_producer_id"`
	SameLocalID    float64 `json:"same_local_id" yaml:"same_local_id"`
	// SameKind rewards two records naming the same kind of service (a
	// France services, a CCAS, a library…) in the same commune, when no
	// source lists two of that kind there and their names do not name two
	// different sites.
	SameKind float64 `json:"same_kind" yaml:"same_kind"`
	// SameOnePerCommune adds to SameKind for a kind a commune has one of
	// by design (words.one_per_commune: a France services, a mairie),
	// when both records move or neither does.
	SameOnePerCommune float64 `json:"same_one_per_commune" yaml:"same_one_per_commune"`
	// KindConflict: both names say a kind of service, different ones
	// (a mairie and a library at one address), France services aside
	// since they are hosted by all kinds.
	KindConflict float64 `json:"kind_conflict" yaml:"kind_conflict"`
	// SingleSiteConflict bounds what disagreeing addresses and points take
	// from a pair that is the only one of its kind in the commune, or
	// bears the same distinctive name there (LABELLING R7: a
	// registered address, a stale list, a typo).
	SingleSiteConflict float64 `json:"single_site_conflict" yaml:"single_site_conflict"`
	// HostedFranceServices: a France services in the premises of the
	// body hosting it, which its record names (LABELLING R4).
	HostedFranceServices float64 `json:"hosted_france_services" yaml:"hosted_france_services"`
	// OneBodyOneBuilding: two records of one public body (the very same
	// SIRET, a commune's) at one address: its services in one building,
	// a CCAS registered with the commune's SIRET inside the hôtel de
	// ville (LABELLING R3).
	OneBodyOneBuilding float64 `json:"one_body_one_building" yaml:"one_body_one_building"`
	// GuardCap is the most log-odds a pair a guard holds may reach (see
	// guard.go): review, never a merge.
	GuardCap float64 `json:"guard_cap" yaml:"guard_cap"`
	// Learn: the comparisons' weights are estimated from the population
	// (em.go), starting from and bounded by the ones above.
	Learn bool `json:"learn" yaml:"learn"`
}

// DefaultWeights returns the embedded defaults.
func DefaultWeights() Weights {
	var w Weights
	if err := json.Unmarshal(weightsJSON, &w); err != nil {
		panic(fmt.Sprintf("dedup: data/weights.json: %v", err))
	}
	return w
}

// Contribution is one feature's part in a pair's score.
type Contribution struct {
	Feature string `json:"feature"`
	// Key is the weight key (data/weights.json, config.yaml's
	// dedup.weights) the contribution is read from.
	Key    string  `json:"key"`
	Detail string  `json:"detail"`
	Weight float64 `json:"weight"`
}

// Pair is two members and what the scorer made of them.
type Pair struct {
	A, B     Ref
	Score    float64        `json:"score"`
	Features []Contribution `json:"features"`
}

// scorer compares profiles with the weights.
type scorer struct {
	w Weights
	// multiSite holds the commune+kind pairs for which one source lists
	// several records: there, the kind alone does not tell the site.
	multiSite map[kindAt]bool
	// multiOrg holds the organisations (see organisations) that a
	// producer lists at two addresses of their commune.
	multiOrg map[int32]bool
}

// score returns the pair's probability-like score (0–1) and, when explain
// is set, every feature's contribution: the features of the table
// (features.go), in order, each reading what the ones before it found.
func (s *scorer) score(a, b *profile, explain bool) (float64, []Contribution) {
	t := tally{explain: explain}
	var st pairState
	for i := range features {
		t.feature = &features[i]
		s.scoreFeature(features[i].score, a, b, &st, &t)
	}
	return 1 / (1 + math.Exp(-t.sum)), t.parts
}

// tally sums contributions; it spells out their details only when
// explaining (scoring millions of pairs formats nothing).
type tally struct {
	sum      float64
	conflict float64 // the negative part of address and distance
	explain  bool
	parts    []Contribution
	feature  *feature // the table's row being scored
}

// add counts one contribution of the current feature, under one of its
// weight keys. Explaining, a key the feature's row does not list is a
// programming error: the table is the scorer's whole description.
func (t *tally) add(key string, weight float64, detail func() string) {
	t.sum += weight
	f := t.feature
	if weight < 0 && f.conflict {
		t.conflict += weight
	}
	if t.explain {
		if !slices.Contains(f.keys, key) {
			panic(fmt.Sprintf("dedup: feature %q adds under key %q, which its row in features.go does not list", f.name, key))
		}
		t.parts = append(t.parts, Contribution{Feature: f.name, Key: key, Detail: detail(), Weight: weight})
	}
}

// nameFeature scores the names; it notes whether they name the same
// venue (the same distinctive name), and their similarity.
func nameFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	sim, info := nameSimilarity(a, b)
	if a.fullName == b.fullName && a.fullName != "" {
		sim, info = 1, max(info, 0.6) // the very same name, generic as it may be
	}
	if (a.bodyKinds == 0) != (b.bodyKinds == 0) && sameWords(a.distinct, b.distinct, lostIn(a, b)) {
		sim = 1 // « La Bricothèque » and « Bricothèque fablab »: one name, one record adds its kind
	}
	if len(a.name) == 1 && len(b.name) == 1 && bodyWord(a.name[0]) != "" && bodyWord(a.name[0]) == bodyWord(b.name[0]) {
		sim, info = 1, max(info, 0.2) // « Mairie d'Orpierre », « Commune d'Orpierre »: one body's two names
	}
	c := interpolate(s.w.Name, sim)
	if c > 0 {
		c *= info
	}
	t.add("name", c, func() string {
		return fmt.Sprintf("%.2f (%s | %s)", sim, strings.Join(a.name, " "), strings.Join(b.name, " "))
	})
	if a.fullName == b.fullName && a.fullName != "" && len(a.street) > 0 && a.number == b.number && slices.Equal(a.street, b.street) {
		t.add("same_record", s.w.SameRecord, func() string { return "same name and address" })
	}
	st.nameSim = sim
	st.sameVenue = sim >= sameVenueSimilarity && info >= 1 && len(a.distinct) > 0
}

// bodyWord is the public body (words.public_bodies) a name's one word
// names, by its kind (« mairie ») or as a whole name (« commune »:
// words.name_kinds); "" for any other word.
func bodyWord(t string) string {
	k, ok := words.Kinds[t]
	if !ok {
		k = words.NameKinds[t]
	}
	if contains(words.PublicBodies, k) {
		return k
	}
	return ""
}

// sameWords: each list's words are found in the other (one typo
// allowed): « La Bricothèque » and « Bricothèque fablab de Pernes », the
// kind and the commune aside.
func sameWords(a, b []string, lost bool) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	for _, t := range a {
		if !matchToken(t, b, lost) {
			return false
		}
	}
	for _, t := range b {
		if !matchToken(t, a, lost) {
			return false
		}
	}
	return true
}

// kindFeature compares the kinds of service the names and labels say; it
// notes whether both are the only one of a kind in their commune. A bus
// (named so) is never of a fixed site's kind; the itinerance field alone,
// which producers fill loosely, only asks that neither population lists
// two sites.
func kindFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	if a.insee == "" || a.insee != b.insee || busAndFixed(a, b) {
		return
	}
	k := shared(a.kinds, b.kinds)
	if k == "" && len(a.kinds) > 0 && len(b.kinds) > 0 && !contains(a.kinds, "franceservices") && !contains(b.kinds, "franceservices") {
		t.add("kind_conflict", s.w.KindConflict, func() string { return strings.Join(a.kinds, "|") + " ≠ " + strings.Join(b.kinds, "|") })
		st.kindsDiffer = true
		return
	}
	if k == "" || s.multiSite[kindKey(a, k)] || s.multiSite[kindKey(b, k)] {
		return
	}
	if len(a.distinct) > 0 && len(b.distinct) > 0 && !anyMatch(a.distinct, b.distinct, lostIn(a, b)) {
		return
	}
	t.add("same_kind", s.w.SameKind, func() string { return k + " in " + a.insee + ", the only one its sources list" })
	if contains(words.OnePerTown, k) && a.moves() == b.moves() {
		t.add("same_one_per_commune", s.w.SameOnePerCommune, func() string { return "a commune has one " + k })
	}
	// a kind one record has from a label only (a library labelled France
	// Services) is that site's desk: at another address, another site
	st.sole = contains(a.kinds[:a.bodyKinds], k) && contains(b.kinds[:b.bodyKinds], k)
}

// orgFeature: two records of one organisation, which has one site in
// their commune; it notes that the pair is that site. Two names of their
// own at two addresses apart are two of its sites (namedApart).
func orgFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	if a.org < 0 || a.org != b.org || a.insee != b.insee || s.multiOrg[a.org] || busAndFixed(a, b) {
		return
	}
	if namedApart(a, b) {
		return
	}
	t.add("same_organisation", s.w.SameOrganisation, func() string {
		return "one organisation (SIRET, structure parente or acronym), one site in " + a.insee
	})
	st.sole = true
}

// namedApart: two names of their own with no distinctive word in
// common, on two streets more than farApart apart (or unplaced). What
// ties them to one organisation (its SIRET, its parent) does not make
// them one site: the MJC Mosaïque and the Maison des habitants it runs
// across town share the MJC's SIRET, each producer listing one of them.
// Two numbers of one street stay the organisation's one site (« AFCAS »
// at 332 and « Espace numérique » at 322 avenue de la Camargue).
func namedApart(a, b *profile) bool {
	if len(a.distinct) == 0 || len(b.distinct) == 0 || anyMatch(a.distinct, b.distinct, lostIn(a, b)) {
		return false
	}
	if len(a.street) == 0 || len(b.street) == 0 || streetSimilarity(a, b) >= sameStreetFrom {
		return false
	}
	return !a.placed || !b.placed || geo.Distance(a.point, b.point) > farApart
}

// busAndFixed: one is named a bus or an itinerant service, the other
// does not move at all (LABELLING R5).
func busAndFixed(a, b *profile) bool { return a.mobile && !b.moves() || b.mobile && !a.moves() }

func anyMatch(a, b []string, lost bool) bool {
	for _, t := range a {
		if matchToken(t, b, lost) {
			return true
		}
	}
	return false
}

// multiSites finds the commune+kind pairs for which one source lists two
// records that look like two sites: names with distinctive words, none
// shared (« Médiathèque Ceccano », « Médiathèque Jean-Louis Barrault »),
// or the same bare kind at two addresses (« La Poste », twice).
func multiSites(ps []profile) map[kindAt]bool {
	type ofSource struct {
		kindAt
		source string
	}
	seen := map[ofSource][]*profile{}
	out := map[kindAt]bool{}
	for i := range ps {
		p := &ps[i]
		if p.insee == "" {
			continue
		}
		for _, k := range p.kinds[:p.bodyKinds] { // a label alone (a CC's desk labelled France Services) is not a site of its kind
			key := ofSource{kindKey(p, k), p.source}
			for _, q := range seen[key] {
				if twoSites(p, q, k) {
					out[key.kindAt] = true
				}
			}
			seen[key] = append(seen[key], p)
		}
	}
	return out
}

// kindAt is a kind of service in a commune, moving services (a bus, an
// itinerant desk) apart from fixed ones.
type kindAt struct {
	insee, kind string
	moving      bool
}

// kindKey is where p offers kind.
func kindKey(p *profile, kind string) kindAt {
	return kindAt{p.insee, kind, p.moves()}
}

func twoSites(p, q *profile, kind string) bool {
	if len(p.distinct) > 0 && len(q.distinct) > 0 {
		return !anyMatch(p.distinct, q.distinct, lostIn(p, q))
	}
	if len(p.distinct) > 0 || len(q.distinct) > 0 || len(p.street) == 0 || len(q.street) == 0 || contains(words.OnePerTown, kind) {
		return false
	}
	return streetSimilarity(p, q) < 0.7 || p.number != q.number && p.number != "" && q.number != ""
}

// addressAgreement is what the addresses say of the points: nothing,
// that they name two streets, or the very same street and number.
type addressAgreement int

const (
	addressUnknown addressAgreement = iota
	addressOtherStreet
	addressOtherNumber // the same street, numbers far apart
	addressSame
)

// Street similarity bands (streetSimilarity): below otherStreetBelow two
// streets; from sameStreetFrom one street; without numbers, one street
// only from noNumberSameFrom. Numbers at most nearNumbers apart are one
// building's (LABELLING R6).
const (
	otherStreetBelow = 0.3
	sameStreetFrom   = 0.7
	noNumberSameFrom = 0.8
	nearNumbers      = 2
	// sameVenueSimilarity: names this similar, with a distinctive word,
	// name the same venue.
	sameVenueSimilarity = 0.9
	// nearPoints: two points this close (metres) stand for one place
	// when the communes differ (a commune boundary).
	nearPoints = 400
	// phoneDigits: phones compared on their last digits, this many.
	phoneDigits = 9
)

// addressFeature compares streets and numbers, and notes what the
// addresses say of the pair.
func addressFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	st.addr = addressUnknown
	if len(a.street) == 0 || len(b.street) == 0 {
		return
	}
	sim := streetSimilarity(a, b)
	detail := func() string { return fmt.Sprintf("%.2f, numbers %q %q", sim, a.number, b.number) }
	switch {
	case sim < otherStreetBelow:
		t.add("other_street", s.w.OtherStreet, func() string { return "other street " + detail() })
		st.addr = addressOtherStreet
	case sim < sameStreetFrom:
	case sameNumber(a.number, b.number):
		t.add("street_same_number", s.w.StreetSameNumber, func() string { return "same number " + detail() })
		if !a.placed || !b.placed {
			t.add("same_number_unplaced", s.w.SameNumberUnplaced, func() string { return "the address is all that places them" })
		}
		st.addr = addressSame
	case a.number == "" && b.number == "":
		if sim >= noNumberSameFrom {
			t.add("street_no_number", s.w.StreetNoNumber, func() string { return "same street, no numbers " + detail() })
			st.addr = addressSame
		}
	case a.number == "" || b.number == "":
		t.add("street_one_number", s.w.StreetOneNumber, func() string { return "one number " + detail() })
	case numberGap(a.number, b.number) <= nearNumbers:
		t.add("street_near_number", s.w.StreetNearNumber, func() string { return "near number " + detail() })
	case st.sameVenue: // one venue, two numbers (a long building, a corner)
		t.add("street_other_number", 0, func() string { return "other number, same venue " + detail() })
	default:
		t.add("street_other_number", s.w.StreetOtherNumber, func() string { return "other number " + detail() })
		st.addr = addressOtherNumber
	}
}

// sameNumber: equal house numbers, a suffix on one side only (« 10 » and
// « 10 bis ») counting as equal.
func sameNumber(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return a == b || leadingInt(a) == leadingInt(b) && (isDigits(a) || isDigits(b))
}

// distanceFeature compares the points. The distance counts only where
// the addresses leave room for it: two points together while the streets
// differ say nothing (a producer copied one point onto both), two apart
// at the very same address blame a geocoder.
func distanceFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	if !a.placed || !b.placed {
		return
	}
	d := geo.Distance(a.point, b.point)
	st.near = d <= nearPoints
	for _, step := range s.w.Distance {
		if d <= step[0] {
			c := step[1]
			switch st.addr {
			case addressOtherStreet:
				c = min(c, 0)
			case addressSame:
				c = max(c, 0)
			}
			t.add("distance", c, func() string { return fmt.Sprintf("%.0f m", d) })
			return
		}
	}
}

// communeFeature compares the communes: two communes count against the
// pair unless the points are near (a boundary) or the address and
// postcode are the same (a commune merged since).
func communeFeature(s *scorer, a, b *profile, st *pairState, t *tally) {
	switch {
	case a.insee == "" || b.insee == "":
	case a.insee == b.insee:
		t.add("same_commune", s.w.SameCommune, func() string { return a.insee })
	case !st.near && !(st.addr == addressSame && a.postcode == b.postcode):
		t.add("other_commune", s.w.OtherCommune, func() string { return a.insee + " ≠ " + b.insee })
	}
}

// itinerantFeature: a bus or itinerant service is never its carrier's
// fixed premises (LABELLING R5).
func itinerantFeature(s *scorer, a, b *profile, _ *pairState, t *tally) {
	switch moveA, moveB := a.moves(), b.moves(); {
	case moveA != moveB && (a.mobile || b.mobile):
		t.add("itinerant_vs_fixed", s.w.ItinerantVsFixed, func() string { return "one named as a bus or itinerant service, the other fixed" })
	case moveA != moveB:
		t.add("declared_itinerant", s.w.DeclaredItinerant, func() string { return "one declared itinerant only, the other not" })
	}
}

func typologieFeature(s *scorer, a, b *profile, _ *pairState, t *tally) {
	if len(a.types) > 0 && len(b.types) > 0 && !overlap(a.types, b.types) {
		t.add("other_typologie", s.w.OtherTypologie, func() string { return strings.Join(a.types, "|") + " ≠ " + strings.Join(b.types, "|") })
	}
}

func idFeature(s *scorer, a, b *profile, _ *pairState, t *tally) {
	switch {
	case a.globalID && a.localID == b.localID:
		t.add("same_producer_id", s.w.SameProducerID, func() string { return a.localID })
	case a.localID != "" && a.localID == b.localID && a.source != b.source && a.fullName == b.fullName:
		t.add("same_local_id", s.w.SameLocalID, func() string {
			return "same local id " + a.localID + " and name in two sources (two vintages of one list)"
		})
	}
}

func siretFeature(s *scorer, a, b *profile, _ *pairState, t *tally) {
	switch {
	case a.siret == "" || b.siret == "":
	case a.siret == b.siret:
		t.add("same_siret", s.w.SameSIRET, func() string { return a.siret })
	case a.siret[:9] != b.siret[:9]:
		t.add("other_siren", s.w.OtherSIREN, func() string { return a.siret + " ≠ " + b.siret })
	}
}

func phoneFeature(s *scorer, a, b *profile, _ *pairState, t *tally) {
	switch {
	case len(a.phone) < phoneDigits || len(b.phone) < phoneDigits:
	case lastDigits(a.phone) == lastDigits(b.phone):
		t.add("same_phone", s.w.SamePhone, func() string { return a.phone })
	default:
		t.add("other_phone", s.w.OtherPhone, func() string { return a.phone + " ≠ " + b.phone })
	}
}

func emailFeature(s *scorer, a, b *profile, _ *pairState, t *tally) {
	if e := shared(a.emails, b.emails); e != "" {
		t.add("same_email", s.w.SameEmail, func() string { return e })
	}
}

func hostFeature(s *scorer, a, b *profile, _ *pairState, t *tally) {
	if h := shared(a.hosts, b.hosts); h != "" {
		t.add("same_host", s.w.SameHost, func() string { return h })
	}
}

// domainFeature: an e-mail domain or web host in common that the
// population uses in one or two communes, when no e-mail or web host
// is shared already.
func domainFeature(s *scorer, a, b *profile, _ *pairState, t *tally) {
	if d := shared(a.domains, b.domains); d != "" && shared(a.hosts, b.hosts) == "" && shared(a.emails, b.emails) == "" {
		t.add("same_domain", s.w.SameDomain, func() string { return d + ", used in one or two communes" })
	}
}

// localDomains finds the e-mail domains and web hosts that the members
// use in at most two communes (a mail provider or a national network's
// domain is everywhere and tells nothing); profiles keep only those.
func localDomains(ps []profile) map[string]bool {
	type seen struct {
		first, second string
		more          bool
	}
	communes := map[string]seen{}
	for i := range ps {
		c := ps[i].insee
		for _, d := range ps[i].domains {
			switch s := communes[d]; {
			case c == "" || s.more || c == s.first || c == s.second:
			case s.first == "":
				communes[d] = seen{first: c}
			case s.second == "":
				communes[d] = seen{s.first, c, false}
			default:
				communes[d] = seen{more: true}
			}
		}
	}
	out := make(map[string]bool, len(communes))
	for d, s := range communes {
		if !s.more && s.first != "" {
			out[d] = true
		}
	}
	return out
}

// lastDigits compares national and international spellings of a number.
func lastDigits(p string) string { return p[len(p)-phoneDigits:] }

func shared(a, b []string) string {
	for _, x := range a {
		if contains(b, x) {
			return x
		}
	}
	return ""
}

func overlap(a, b []string) bool { return shared(a, b) != "" }

func numberGap(a, b string) int {
	x, y := leadingInt(a), leadingInt(b)
	if x > y {
		return x - y
	}
	return y - x
}

func leadingInt(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// interpolate reads a piecewise-linear curve given as sorted [x, y] points.
func interpolate(curve [][2]float64, x float64) float64 {
	if len(curve) == 0 {
		return 0
	}
	if x <= curve[0][0] {
		return curve[0][1]
	}
	for k := 1; k < len(curve); k++ {
		if x <= curve[k][0] {
			a, b := curve[k-1], curve[k]
			return a[1] + (b[1]-a[1])*(x-a[0])/(b[0]-a[0])
		}
	}
	return curve[len(curve)-1][1]
}

// tokenWeight is how much a name word tells which place it is.
func tokenWeight(t string) float64 {
	if w, ok := words.Generic[t]; ok {
		return w
	}
	if isDigits(t) {
		return 0.3
	}
	return 1
}

// nameSimilarity is the weighted share of words two names have in common
// (the mean of its ratio to the shorter and to the longer name), and how
// informative the shorter name is (1 once it holds one ordinary word).
func nameSimilarity(pa, pb *profile) (sim, info float64) {
	lo, hi, inter := weightedOverlap(pa.name, pb.name, pa.nameW, pb.nameW, lostIn(pa, pb))
	if lo == 0 {
		return 0, 0
	}
	if sameLetters(pa.name, pb.name) {
		return 1, min(1, lo)
	}
	return (inter/lo + inter/hi) / 2, min(1, lo)
}

// sameLetters reports whether two token lists spell the same letters once
// the spaces are gone (« avenir84 », « avenir 84 »).
func sameLetters(a, b []string) bool {
	i, j, x, y := 0, 0, 0, 0 // token and byte positions in a and b
	for {
		for i < len(a) && x == len(a[i]) {
			i, x = i+1, 0
		}
		for j < len(b) && y == len(b[j]) {
			j, y = j+1, 0
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if a[i][x] != b[j][y] {
			return false
		}
		x, y = x+1, y+1
	}
}

// matchToken finds t in list, allowing one typo in words of 6 letters or
// more, an initial for a word (« place j moulin », « place jean moulin »)
// and, when lost is set (lostIn), a lost character to stand for any letter.
func matchToken(t string, list []string, lost bool) bool {
	for _, u := range list {
		if t == u || len(t) >= 6 && len(u) >= 6 && editDistanceAtMostOne(t, u) || lost && sameButLost(t, u) || initialOf(t, u) || initialOf(u, t) {
			return true
		}
	}
	return false
}

// initialOf: a is the initial of the word b (not of a street type).
func initialOf(a, b string) bool {
	return len(a) == 1 && len(b) > 1 && a[0] == b[0] && !words.typeWord[b] && !isDigits(a)
}

// lostIn tells whether either profile's words hold a lost character
// (only those words can match by sameButLost).
func lostIn(a, b *profile) bool { return a.lostChars || b.lostChars }

// sameButLost compares two words, one of which holds lost characters.
func sameButLost(a, b string) bool {
	if !strings.Contains(a, lost) && !strings.Contains(b, lost) {
		return false
	}
	x, y := []rune(a), []rune(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] && string(x[i]) != lost && string(y[i]) != lost {
			return false
		}
	}
	return true
}

func streetSimilarity(a, b *profile) float64 {
	lo, hi, inter := weightedOverlap(a.street, b.street, a.streetW, b.streetW, lostIn(a, b))
	if lo == 0 {
		return 0
	}
	// mostly containment: one side often adds a quarter or a building
	return 0.8*inter/lo + 0.2*inter/hi
}

func streetWeight(t string) float64 {
	if words.typeWord[t] {
		return 0.3
	}
	return 1
}

// weightedOverlap weighs two token lists, given each token's weight: the
// lighter and heavier totals, and the weight of a's tokens found in b (one
// typo allowed), at most the lighter.
func weightedOverlap(a, b []string, wa, wb []uint8, lost bool) (lo, hi, inter float64) {
	ta, tb := 0.0, 0.0
	for i, t := range a {
		w := fromHundredths[wa[i]]
		ta += w
		if matchToken(t, b, lost) {
			inter += w
		}
	}
	for _, w := range wb {
		tb += fromHundredths[w]
	}
	lo, hi = min(ta, tb), max(ta, tb)
	return lo, hi, min(inter, lo)
}

func editDistanceAtMostOne(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:]
	}
	return a[i+1:] == b[i:]
}
