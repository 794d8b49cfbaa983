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
	case disagree && far && twoSitesNamed(a, b):
		// the organisation's phone and e-mail tie its sites alike
		return "a name one source lists at two streets, these two: two sites", true
	case busAndFixed(a, b) && !(a.globalID && a.localID == b.localID):
		// the bus carries its base's address, phone and e-mail: what ties
		// a desk to its building ties it to the bus too (LABELLING R5)
		return "a bus or itinerant service and fixed premises: two places", true
	case a.former != b.former && contains(a.kinds, "franceservices") && contains(b.kinds, "franceservices") && disagree:
		return "a former name (MSAP) at another address: a relocation, two places", true
	case tied(a, b):
		return "", false
	case nameSim == 0 && len(a.distinct) > 0 && len(b.distinct) > 0 && !sameKind:
		// each name says which one it is, and they say nothing alike
		return "two names of their own with no word in common: two organisations", true
	case nameSim == 0 && (ownName(a) && bodyOnly(b) || ownName(b) && bodyOnly(a)) && (a.siret == "" || a.siret != b.siret):
		// « Gaaap » and « Commune de Gap » at one address: the public body
		// is named by its kind alone, the other by a name of its own that
		// is not the body's, and no SIRET says it is one of its services
		// (LABELLING R2; « Pôle solidarité » with its CCAS's SIRET is)
		return "a name of its own and a public body named by its kind alone: two organisations", true
	case sameKind || len(a.kinds) == 0 || len(b.kinds) == 0:
		// a name without a kind (« Espace Ressources du Pontet ») may be
		// any service's: the building decides (LABELLING R1)
	case !anyMatch(a.distinct, b.distinct, lostIn(a, b)):
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
func twoSitesNamed(a, b *profile) bool {
	if a.insee == "" || a.insee != b.insee || a.siteWords == 0 && b.siteWords == 0 {
		return false
	}
	for w, t := range a.distinct[:min(len(a.distinct), 8)] {
		if a.siteWords&(1<<w) != 0 && contains(b.distinct, t) {
			return true
		}
	}
	for w, t := range b.distinct[:min(len(b.distinct), 8)] {
		if b.siteWords&(1<<w) != 0 && contains(a.distinct, t) {
			return true
		}
	}
	return false
}

// markSiteNames marks, in each profile's siteWords, the distinctive
// words (the first eight) that, in its commune, one source gives to two
// records of different names at two streets more than farApart apart:
// « Centre social de Fontreyne » and « Centre social de Fontreyne -
// Quartier des Cèdres » are two sites of one organisation (LABELLING
// R8), each named. The very same name at two streets is more often one
// place listed twice, once at a stale address (R7). Only records with a
// street and a point tell two sites; every record of the commune with
// the word is marked. The records are grouped by commune and source
// (sorted keys, no map of strings): most groups hold one record.
func markSiteNames(ps []profile) {
	sources := map[string]uint64{}
	var keys []uint64 // a hash of commune and source (high half), the profile (low half)
	for i := range ps {
		p := &ps[i]
		p.siteWords = 0
		if p.insee == "" || !p.placed || len(p.street) == 0 || p.moves() || len(p.distinct) == 0 {
			continue // cannot tell two sites
		}
		src, ok := sources[p.source]
		if !ok {
			src = uint64(len(sources)) + 1
			sources[p.source] = src
		}
		keys = append(keys, (packCode(p.insee)*0x9e3779b97f4a7c15^src*0xff51afd7ed558ccd)>>32<<32|uint64(i))
	}
	slices.Sort(keys)
	found := map[string][]string{} // commune → words
	for lo, hi := 0, 0; lo < len(keys); lo = hi {
		for hi = lo + 1; hi < len(keys) && keys[hi]>>32 == keys[lo]>>32; hi++ {
		}
		if hi-lo > 1 { // most communes: one record of a source
			namedSites(ps, keys[lo:min(hi, lo+siteGroupCompared)], found)
		}
	}
	if len(found) == 0 {
		return
	}
	for i := range ps {
		p := &ps[i]
		if ws, ok := found[p.insee]; ok && p.insee != "" {
			for w, t := range p.distinct[:min(len(p.distinct), 8)] {
				if contains(ws, t) {
					p.siteWords |= 1 << w
				}
			}
		}
	}
}

// packCode reads a commune code (five characters) as a number.
func packCode(code string) uint64 {
	var v uint64
	for i := range min(len(code), 8) {
		v = v<<8 | uint64(code[i])
	}
	return v
}

// siteGroupCompared bounds the records of one commune and source that
// namedSites compares with each other (a source listing many records in
// one commune is compared on its first ones).
const siteGroupCompared = 64

// namedSites adds to found, for the records of one commune and source (a
// hash's: they are compared), the words two of them that are two named
// sites share.
func namedSites(ps []profile, keys []uint64, found map[string][]string) {
	for x, k := range keys {
		p := &ps[uint32(k)]
		for _, l := range keys[x+1:] {
			q := &ps[uint32(l)]
			if !overlap(p.distinct, q.distinct) || !twoNamedSites(p, q) {
				continue // no word to find (most pairs), or not two sites
			}
			for _, t := range p.distinct {
				if contains(q.distinct, t) && !contains(found[p.insee], t) {
					found[p.insee] = append(found[p.insee], t)
				}
			}
		}
	}
}

// twoNamedSites: p and q, of one feed and commune, under two names at
// two streets apart.
func twoNamedSites(p, q *profile) bool {
	return p.insee == q.insee && p.source == q.source && !slices.Equal(p.name, q.name) &&
		streetSimilarity(p, q) < otherStreetBelow && geo.Distance(p.point, q.point) > farApart
}

// ownName: the name has words of its own and names no public body
// (« Gaaap », « GAAAP Incubateur et coworking »).
func ownName(p *profile) bool {
	if len(p.distinct) == 0 {
		return false
	}
	for _, k := range p.kinds[:p.bodyKinds] {
		if contains(words.PublicBodies, k) {
			return false
		}
	}
	return true
}

// bodyOnly: the name is a public body's kind and its place alone
// (« Commune de Gap », « CCAS », « Mairie d'Orpierre »).
func bodyOnly(p *profile) bool {
	if len(p.distinct) > 0 {
		return false
	}
	if len(p.name) == 1 && words.NameKinds[p.name[0]] != "" {
		return true // « Commune de Gap »: the commune, wherever it is
	}
	for _, k := range p.kinds[:p.bodyKinds] {
		if !contains(words.PublicBodies, k) {
			return false
		}
	}
	return p.bodyKinds > 0
}
