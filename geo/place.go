package geo

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ErrPlaceUnknown is returned when a text names no commune of the
// referential; ErrPlaceAmbiguous when it names several.
var (
	ErrPlaceUnknown   = errors.New("no commune of that name or postcode")
	ErrPlaceAmbiguous = errors.New("several communes")
)

// postcodeIn finds a French postcode in a text.
var postcodeIn = regexp.MustCompile(`\b\d{5}\b`)

// Place finds the commune a short text designates, offline: an INSEE
// code, a postcode (its first current commune or arrondissement by
// code), a commune name (« Gap », « saint etienne »), or both
// (« 05000 Gap », « Gap 05000 »). A name several communes carry is
// ErrPlaceAmbiguous, naming a few with their département, so that the
// person adds the postcode. The commune may have no centre (some
// overseas ones).
func (r *Referential) Place(text string) (*Commune, error) {
	text = strings.TrimSpace(text)
	if c, ok := r.byCode[text]; ok {
		return c, nil
	}
	cp := postcodeIn.FindString(text)
	name := strings.TrimSpace(strings.Replace(text, cp, " ", 1))
	switch {
	case cp != "" && name != "":
		if c, ok := r.Resolve(cp, name); ok {
			return c, nil
		}
		return nil, fmt.Errorf("%w: %q is not a commune of postcode %s", ErrPlaceUnknown, name, cp)
	case cp != "":
		return r.firstOf(r.byPostcode[cp], cp)
	}
	return r.byItsName(name)
}

// firstOf is the first current commune or arrondissement, by code, of a
// postcode.
func (r *Referential) firstOf(cs []*Commune, cp string) (*Commune, error) {
	var ok []*Commune
	for _, c := range cs {
		if c.Type == TypeCurrent || c.Type == TypeArrondissmt {
			ok = append(ok, c)
		}
	}
	if len(ok) == 0 {
		return nil, fmt.Errorf("%w: postcode %s", ErrPlaceUnknown, cp)
	}
	return slices.MinFunc(ok, func(a, b *Commune) int { return strings.Compare(a.Code, b.Code) }), nil
}

// byItsName finds the one current commune of a name.
func (r *Referential) byItsName(name string) (*Commune, error) {
	var found []*Commune
	for _, c := range r.byName[nameKey(FoldName(name))] {
		if c.Type == TypeCurrent {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: %q", ErrPlaceUnknown, name)
	case 1:
		return found[0], nil
	}
	slices.SortFunc(found, func(a, b *Commune) int { return strings.Compare(a.Code, b.Code) })
	var some []string
	for _, c := range found[:min(len(found), 5)] {
		some = append(some, fmt.Sprintf("%s (%s)", c.Name, c.Departement))
	}
	return nil, fmt.Errorf("%w are named %q: %s; add the postcode", ErrPlaceAmbiguous, name, strings.Join(some, ", "))
}
