package dedup

import (
	"slices"
	"strings"

	"github.com/maillage/maillage/geo"
)

// farApart is the distance, in metres, beyond which two points are not
// one building's, whatever their addresses say.
const farApart = 150

// Guards: what no sum of weights may override. Two records the names
// and kinds say are two organisations, a former name at another address
// (a relocation), two kinds of service at two addresses: none of these
// is merged on the strength of its address, distance or names; the pair
// goes to review at most (Weights.GuardCap), unless an identifier of its
// own ties the two (tied). A France services hosted by a body (LABELLING
// R4) is recognised first: it is one place with its host.

// tied: a private body's SIRET, a phone, an e-mail or a global id in
// common — what one desk shares and two neighbours do not.
func tied(a, b *profile) bool {
	switch {
	case a.globalID && a.localID == b.localID:
		return true
	case a.siret != "" && a.siret == b.siret && !public(a.siret):
		return true
	case len(a.phone) >= 9 && len(b.phone) >= 9 && lastDigits(a.phone) == lastDigits(b.phone):
		return true
	}
	return shared(a.emails, b.emails) != ""
}

// guard returns the cap on a pair's log-odds and why, or ok false when
// no guard applies.
func (s *scorer) guard(a, b *profile, addr addressAgreement, nameSim float64) (why string, ok bool) {
	far := !a.placed || !b.placed || geo.Distance(a.point, b.point) > farApart
	disagree := addr == addressOtherStreet || addr == addressOtherNumber
	sameKind := shared(a.kinds, b.kinds) != ""
	switch {
	case disagree && far && s.twoSitesNamed(a, b):
		// the organisation's phone and e-mail tie its sites alike
		return "a name one source lists at two streets, these two: two sites", true
	case a.former != b.former && contains(a.kinds, "franceservices") && contains(b.kinds, "franceservices") && disagree:
		return "a former name (MSAP) at another address: a relocation, two places", true
	case tied(a, b):
		return "", false
	case nameSim == 0 && len(a.distinct) > 0 && len(b.distinct) > 0 && !sameKind:
		// each name says which one it is, and they say nothing alike
		return "two names of their own with no word in common: two organisations", true
	case sameKind || len(a.kinds) == 0 || len(b.kinds) == 0:
		// a name without a kind (« Espace Ressources du Pontet ») may be
		// any service's: the building decides (LABELLING R1)
	case !anyMatch(a.distinct, b.distinct):
		return strings.Join(a.kinds, "|") + " ≠ " + strings.Join(b.kinds, "|") + ", no distinctive word in common: two organisations", true
	}
	// the names say two kinds of body at two addresses apart: a body's
	// head office and the service it runs elsewhere (LABELLING R10)
	an, bn := a.kinds[:a.bodyKinds], b.kinds[:b.bodyKinds]
	if disagree && far && len(an) > 0 && len(bn) > 0 && shared(an, bn) == "" {
		return strings.Join(an, "|") + " ≠ " + strings.Join(bn, "|") + " at two addresses apart", true
	}
	return "", false
}

// hosted tells whether one record is a France services and the other the
// body hosting it in its premises: a host kind (words.host_kinds), the
// same street, and the France services naming a body of that kind in
// its complement of address, structure_parente, e-mail domain or web
// host (profile.hostKinds).
func hosted(a, b *profile, addr addressAgreement) bool {
	fs, host := a, b
	if fs.hostKinds == 0 {
		fs, host = b, a
	}
	if fs.hostKinds == 0 || contains(host.kinds, "franceservices") {
		return false
	}
	if addr != addressSame && (len(fs.street) == 0 || len(host.street) == 0 || streetSimilarity(fs, host) < sameStreetFrom) {
		return false
	}
	for _, k := range host.kinds {
		if i := slices.Index(words.HostKinds, k); i >= 0 && i < 8 && fs.hostKinds&(1<<i) != 0 {
			return true
		}
	}
	return false
}

// twoSitesNamed: a and b share a distinctive word that some feed lists
// at two streets of their commune (« Centre social de Fontreyne », rue
// des Narcisses, and « … - Quartier des Cèdres », rue de l'Espéranto).
func (s *scorer) twoSitesNamed(a, b *profile) bool {
	if a.insee == "" || a.insee != b.insee {
		return false
	}
	for _, t := range a.distinct {
		if s.siteNames[named{a.insee, t}] && contains(b.distinct, t) {
			return true
		}
	}
	return false
}

// siteNames finds, for each commune, the distinctive words that one feed
// gives to two records of different names at two streets more than
// farApart apart: « Centre social de Fontreyne » and « Centre social de
// Fontreyne - Quartier des Cèdres » are two sites of one organisation
// (LABELLING R8), each named. The very same name at two streets is more
// often one place listed twice, once at a stale address (R7). Records
// without a street or a point say nothing.
func siteNames(ps []profile) map[named]bool {
	type inFeed struct {
		named
		feed string
	}
	seen := map[inFeed][]*profile{}
	out := map[named]bool{}
	for i := range ps {
		p := &ps[i]
		if p.insee == "" || len(p.street) == 0 || !p.placed || p.moves() {
			continue
		}
		for _, t := range p.distinct {
			k := inFeed{named{p.insee, t}, p.feed}
			for _, q := range seen[k] {
				if !slices.Equal(p.name, q.name) && streetSimilarity(p, q) < otherStreetBelow && geo.Distance(p.point, q.point) > farApart {
					out[k.named] = true
				}
			}
			seen[k] = append(seen[k], p)
		}
	}
	return out
}
