package dedup

import (
	"slices"
	"strings"
)

// Organisations: records of one commune that their identifiers tie to one
// organisation, beyond what their names and addresses say. The ties are
// the same SIRET of a private body used in that commune only, a
// structure_parente that is another record's very name, and an acronym
// that spells another record's name (« AFCAS », « Association Franca
// Centre Aéré Sarriansa »). An organisation that no producer lists at two
// addresses of the commune has one site there (LABELLING R1, R7).

// organisations assigns each profile's org and returns the organisations
// that some producer lists at two addresses of their commune.
func organisations(ps []profile) map[int32]bool {
	u := newUnionFind(len(ps))
	link := func(i int, js []int32) {
		for _, j := range js {
			if ri, rj := u.find(int32(i)), u.find(j); ri != rj {
				u.union(ri, rj)
			}
		}
	}
	names := indexNames(ps)
	sirets := privateSIRETs(ps)
	for i := range ps {
		p := &ps[i]
		if p.insee == "" {
			continue
		}
		if use, ok := sirets[p.siret]; ok && !use.several && use.first != int32(i) {
			link(i, []int32{use.first})
		}
		if p.parent != "" && p.parent != p.fullName { // a body that is its own parent says nothing
			link(i, names[named{p.insee, p.parent}])
		}
		for _, t := range p.distinct {
			if len(t) >= 4 {
				link(i, names[named{p.insee, t}])
			}
		}
	}
	return assignOrgs(ps, u)
}

type named struct{ insee, name string }

// indexNames lists, by commune, the bodies of no public kind by the
// acronym of their name, and by their name when another record gives it
// as its parent.
func indexNames(ps []profile) map[named][]int32 {
	names := map[named][]int32{}
	for i := range ps {
		if p := &ps[i]; p.parent != "" && p.parent != p.fullName && p.insee != "" {
			names[named{p.insee, p.parent}] = nil
		}
	}
	for i := range ps {
		p := &ps[i]
		if p.insee == "" || len(p.kinds) > 0 || public(p.siret) {
			continue
		}
		if js, wanted := names[named{p.insee, p.fullName}]; wanted {
			names[named{p.insee, p.fullName}] = append(js, int32(i))
		}
		for _, a := range acronyms(p.fullName) {
			names[named{p.insee, a}] = append(names[named{p.insee, a}], int32(i))
		}
	}
	return names
}

// assignOrgs sets p.org for the profiles tied to another, and finds the
// organisations listed at two addresses by one producer.
func assignOrgs(ps []profile, u *unionFind) map[int32]bool {
	type listing struct {
		org    int32
		source string
	}
	multi := map[int32]bool{}
	first := map[listing]*profile{}
	for i := range ps {
		p := &ps[i]
		r := u.find(int32(i))
		if u.size[r] < 2 {
			p.org = -1
			continue
		}
		p.org = r
		k := listing{r, p.source}
		if q := first[k]; q != nil && otherAddress(p, q) {
			multi[r] = true
		}
		first[k] = p
	}
	return multi
}

// orgKeys names each organisation's block by its records (their refs,
// sorted), so that a run that finds the same organisation gives it the
// same block (see Memo).
func orgKeys(members []Member, ps []profile) {
	byOrg := map[int32][]string{}
	for i := range ps {
		if org := ps[i].org; org >= 0 {
			byOrg[org] = append(byOrg[org], members[i].Source+"\x00"+members[i].RecordKey)
		}
	}
	keys := make(map[int32]uint64, len(byOrg))
	for org, refs := range byOrg {
		slices.Sort(refs)
		keys[org] = blockKey(append([]string{"org"}, refs...)...)
	}
	for i := range ps {
		ps[i].orgKey = keys[ps[i].org]
	}
}

func public(siret string) bool { return siret != "" && (siret[0] == '1' || siret[0] == '2') }

// siretUse is where a private body's SIRET is used: its first record,
// and whether records of several communes use it.
type siretUse struct {
	insee   string
	first   int32
	several bool
}

// privateSIRETs: where the SIRETs of private bodies are used (public
// ones, 1… and 2…, cover a commune's mairie, library and CCAS alike); one
// used in one commune ties its records to one organisation.
func privateSIRETs(ps []profile) map[string]siretUse {
	out := map[string]siretUse{}
	for i := range ps {
		s := ps[i].siret
		if s == "" || public(s) {
			continue
		}
		switch use, seen := out[s]; {
		case !seen:
			out[s] = siretUse{insee: ps[i].insee, first: int32(i)}
		case !use.several && use.insee != ps[i].insee:
			use.several = true
			out[s] = use
		}
	}
	return out
}

// acronyms spells the initials of a name of four words or more, with and
// without its « et » (« maison livre et culture » → « mlec », « mlc »).
func acronyms(name string) []string {
	with, without := make([]byte, 0, 32), make([]byte, 0, 32) // on the stack for most names
	for rest := name; rest != ""; {
		var w string
		w, rest, _ = strings.Cut(rest, " ")
		switch {
		case w == "":
		case w == "et":
			with = append(with, w[0])
		case !words.stop[w]:
			with = append(with, w[0])
			without = append(without, w[0])
		}
	}
	if len(with) < 4 {
		return nil // most names: no acronym, nothing allocated
	}
	out := []string{string(with)}
	if len(without) >= 4 && len(without) != len(with) {
		out = append(out, string(without))
	}
	return out
}

// otherAddress: two records whose addresses name two streets or two
// numbers.
func otherAddress(p, q *profile) bool {
	if len(p.street) == 0 || len(q.street) == 0 {
		return false
	}
	return streetSimilarity(p, q) < 0.7 || p.number != q.number && p.number != "" && q.number != ""
}
