package geo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/maillage/maillage/schema"
)

// A point is outside its commune when it is further from every centre of
// the commune (its own, its delegated and associated communes') than
// reachFactor times that centre's spacing, and than reachFloor metres.
// Chosen on the reference corpus (docs/QUALITY.md): it fires only on
// gross errors, the fine check being the geocoder's reverse citycode.
const (
	reachFactor = 3.0
	reachFloor  = 10000.0
)

// Reach tells how far p lies from the commune of code, as the distance in
// metres to its nearest centre and the ratio of that distance to the
// commune's reach (above 1: outside). ok is false when no centre is known.
func (r *Referential) Reach(code string, p Point) (dist, ratio float64, ok bool) {
	c, found := r.Commune(code)
	if !found {
		return 0, 0, false
	}
	cur := r.Current(c)
	for _, m := range append([]*Commune{cur}, r.parts[cur.Code]...) {
		if m.Centre == nil {
			continue
		}
		d := Distance(p, *m.Centre)
		q := d / max(reachFloor, reachFactor*m.Spacing)
		if !ok || q < ratio {
			dist, ratio, ok = d, q, true
		}
	}
	return dist, ratio, ok
}

// nameKey is a folded commune name without its leading article, so that
// « Le Mont-Dore » and « Mont-Dore » meet.
func nameKey(folded string) string {
	for _, a := range []string{"le ", "la ", "les ", "l "} {
		if rest, ok := strings.CutPrefix(folded, a); ok {
			return rest
		}
	}
	return folded
}

// checkCommune compares a lieu's point with its INSEE code's commune.
// When the point is outside it: a commune that holds the point and is
// named like the code's commune (a homonym picked by the producer) or like
// the lieu's commune name (a mistyped code) takes over the code; else, when
// the postcode and commune name confirm the code, the point is dropped;
// else the three disagree, and the point is kept with a warning.
func checkCommune(l *schema.Lieu) []schema.Issue {
	lon, lat, ok := l.Point()
	if !ok || l.CodeINSEE == "" {
		return nil
	}
	r, p := Communes(), Point{Lat: lat, Lon: lon}
	dist, ratio, known := r.Reach(l.CodeINSEE, p)
	if !known || ratio <= 1 {
		return nil
	}
	c, _ := r.Commune(l.CodeINSEE)
	where := fmt.Sprintf("the point is %.0f km from %s (code_insee %s)", dist/1000, c.Name, c.Code)
	if h := r.namesakeHolding(c, l, p); h != nil {
		return repairINSEE(r, l, h, where)
	}
	if r.confirms(c, l.CodePostal, l.Commune) {
		return dropPoint(l, "coordinates-far-from-commune", where+", outside the commune")
	}
	return []schema.Issue{{Field: "code_insee", Rule: "insee-far-from-point", Value: c.Code, Level: schema.LevelWarning,
		Message: where + ", and the postcode or commune name do not confirm the code; point and code kept"}}
}

// namesakeHolding finds a commune that holds p and is named like c or
// like the lieu's commune name, or, where no centre is known (overseas
// collectivities), the only such commune in the postcode's département.
func (r *Referential) namesakeHolding(c *Commune, l *schema.Lieu, p Point) *Commune {
	var best *Commune
	var bestRatio float64
	var inDept []*Commune
	for _, h := range r.namesakes(c, l.Commune) {
		_, ratio, ok := r.Reach(h.Code, p)
		switch {
		case ok && ratio <= 1 && (best == nil || ratio < bestRatio):
			best, bestRatio = h, ratio
		case !ok && l.CodePostal != "" && postcodeDepartement(l.CodePostal) == h.Departement:
			inDept = append(inDept, h)
		}
	}
	if best == nil && len(inDept) == 1 {
		best = inDept[0]
	}
	return best
}

// namesakes lists the communes, other than c's current commune and its
// parts, named like c or like name.
func (r *Referential) namesakes(c *Commune, name string) []*Commune {
	cur := r.Current(c)
	var out []*Commune
	for _, k := range []string{nameKey(c.folded), nameKey(FoldName(name))} {
		for _, h := range r.byName[k] {
			if r.Current(h) != cur && !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}

// confirms reports whether the postcode and the commune name, when given,
// agree with the commune c (its current commune or one of its parts).
func (r *Referential) confirms(c *Commune, postcode, name string) bool {
	cur := r.Current(c)
	all := append([]*Commune{cur}, r.parts[cur.Code]...)
	k := nameKey(FoldName(name))
	postcodeOK, nameOK := postcode == "", name == ""
	for _, m := range all {
		postcodeOK = postcodeOK || slices.Contains(m.Postcodes, postcode)
		nameOK = nameOK || k == nameKey(m.folded)
	}
	return postcodeOK && nameOK
}

// postcodeDepartement is the département a postcode's prefix points to:
// three digits overseas, Corsica's 20 as 2A or 2B.
func postcodeDepartement(cp string) string {
	switch {
	case len(cp) < 3:
		return ""
	case strings.HasPrefix(cp, "97"), strings.HasPrefix(cp, "98"):
		return cp[:3]
	case strings.HasPrefix(cp, "20"):
		if cp < "20200" {
			return "2A"
		}
		return "2B"
	}
	return cp[:2]
}

// repairINSEE gives the lieu the homonym's code, commune and territory.
func repairINSEE(r *Referential, l *schema.Lieu, h *Commune, where string) []schema.Issue {
	old := l.CodeINSEE
	l.CodeINSEE = h.Code
	l.Territoire = &schema.Territoire{Departement: h.Departement, Region: h.Region, EPCI: h.EPCI}
	issues := []schema.Issue{{Field: "code_insee", Rule: "insee-from-point", Value: old, Fixed: h.Code, Level: schema.LevelFix,
		Message: where + "; the point lies in " + h.Name + " (" + h.Departement + "), named like the code's commune or the lieu's"}}
	return append(issues, fillFromCommune(r, h, l)...)
}
