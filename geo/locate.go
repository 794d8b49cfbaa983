package geo

import (
	"slices"
	"strings"

	"github.com/maillage/maillage/schema"
)

// Locate completes and checks a lieu's commune, postcode and INSEE code
// against the commune referential: a former code is renamed, an unknown
// one dropped; the commune comes from the INSEE code or from a postcode
// with a single commune; the INSEE code from the postcode and commune
// name; the postcode from an INSEE code with a single postcode. Postcode
// and INSEE code that do not belong together are reported, not changed.
func Locate(l *schema.Lieu) []schema.Issue {
	r := Communes()
	var issues []schema.Issue
	issues = append(issues, checkINSEE(r, l)...)
	issues = append(issues, inseeOfAnotherDepartement(r, l)...)
	issues = append(issues, inseeFromTownHallName(r, l)...)
	issues = append(issues, postcodeWasINSEE(r, l)...)
	if l.CodeINSEE == "" && l.CodePostal != "" {
		issues = append(issues, inseeFromPostcode(r, l)...)
	}
	if c, ok := r.Commune(l.CodeINSEE); ok {
		issues = append(issues, fillFromCommune(r, c, l)...)
	}
	return issues
}

func checkINSEE(r *Referential, l *schema.Lieu) []schema.Issue {
	if l.CodeINSEE == "" {
		return nil
	}
	if _, ok := r.Commune(l.CodeINSEE); ok {
		return nil
	}
	old := l.CodeINSEE
	if c, ok := r.Renamed(old); ok {
		l.CodeINSEE = c.Code
		return []schema.Issue{{Field: "code_insee", Rule: "insee-former-code", Value: old, Fixed: c.Code, Level: schema.LevelFix,
			Message: "former commune code replaced by the current one"}}
	}
	l.CodeINSEE = ""
	return []schema.Issue{{Field: "code_insee", Rule: "insee-unknown", Value: old, Level: schema.LevelWarning,
		Message: "no commune has this code in the referential; dropped"}}
}

// inseeOfAnotherDepartement replaces an INSEE code of another département
// than the postcode's when the lieu's name or address names one commune
// of the postcode and not the code's commune (« France Services Banon »,
// 04150, with Moyenvic's 57490): of two codes that disagree, the one the
// record's own words confirm is kept. A commune name that was the wrong
// code's follows it.
func inseeOfAnotherDepartement(r *Referential, l *schema.Lieu) []schema.Issue {
	c, ok := r.Commune(l.CodeINSEE)
	if !ok || len(l.CodePostal) != 5 || inDepartement(c, l.CodePostal) || !r.IsPostcode(l.CodePostal) {
		return nil
	}
	text := FoldName(l.Nom + " " + l.Adresse)
	if wordsWithin(c.folded, text) {
		return nil
	}
	found := namedIn(currentOnly(r.ByPostcode(l.CodePostal)), l.Nom+" "+l.Adresse)
	if found == nil {
		return nil
	}
	old := l.CodeINSEE + " " + l.Commune
	l.CodeINSEE = found.Code
	if l.Commune == "" || nameKey(FoldName(l.Commune)) == nameKey(c.folded) {
		l.Commune = found.Name
	}
	return []schema.Issue{{Field: "code_insee", Rule: "insee-from-postcode-and-name", Value: old, Fixed: found.Code, Level: schema.LevelFix,
		Message: "the INSEE code was of another département than the postcode; the lieu's name or address names " + found.Name + ", a commune of the postcode"}}
}

// townHallWords open the names of a commune's own body: « Mairie de
// Lagnes », « Commune d'Orpierre », « Hôtel de ville du Pontet ».
var townHallWords = []string{"mairie de ", "mairie d ", "mairie du ", "commune de ", "commune d ", "commune du ",
	"hotel de ville de ", "hotel de ville d ", "hotel de ville du "}

// inseeFromTownHallName: a mairie is in its commune. A record named
// « Mairie de Lagnes » whose INSEE code is another commune of its
// postcode (84800 is Lagnes' and L'Isle-sur-la-Sorgue's) is in the
// commune its name gives; the commune name follows when it was the
// code's.
func inseeFromTownHallName(r *Referential, l *schema.Lieu) []schema.Issue {
	c, ok := r.Commune(l.CodeINSEE)
	if !ok || l.CodePostal == "" {
		return nil
	}
	name := FoldName(l.Nom)
	var rest string
	for _, w := range townHallWords {
		if after, found := strings.CutPrefix(name, w); found {
			rest = " " + after
			break
		}
	}
	current := r.Current(c)
	if rest == "" || wordsWithin(c.folded, rest) || wordsWithin(current.folded, rest) {
		return nil
	}
	found := namedIn(currentOnly(r.ByPostcode(l.CodePostal)), rest)
	if found == nil || found.Code == current.Code || !strings.HasPrefix(rest, " "+found.folded) {
		return nil
	}
	old := l.CodeINSEE + " " + l.Commune
	l.CodeINSEE = found.Code
	if l.Commune == "" || nameKey(FoldName(l.Commune)) == nameKey(c.folded) || nameKey(FoldName(l.Commune)) == nameKey(current.folded) {
		l.Commune = found.Name
	}
	return []schema.Issue{{Field: "code_insee", Rule: "insee-from-town-hall-name", Value: old, Fixed: found.Code, Level: schema.LevelFix,
		Message: "the lieu is named after the town hall of " + found.Name + ", a commune of its postcode, not of the INSEE code's commune"}}
}

// postcodeWasINSEE repairs a postcode field that holds the commune's
// INSEE code (« 84036 » for Châteauneuf-de-Gadagne, whose postcode is
// 84470): no commune uses it as a postcode, a commune has it as its code,
// and the record's commune name, if any, is that commune's.
func postcodeWasINSEE(r *Referential, l *schema.Lieu) []schema.Issue {
	if l.CodePostal == "" || len(r.ByPostcode(l.CodePostal)) > 0 || l.CodeINSEE != "" && l.CodeINSEE != l.CodePostal {
		return nil
	}
	c, ok := r.Commune(l.CodePostal)
	if !ok || len(c.Postcodes) == 0 {
		return nil
	}
	if l.Commune != "" {
		if found, ok := r.Resolve(c.Postcodes[0], l.Commune); !ok || found.Code != c.Code {
			return nil
		}
	}
	old := l.CodePostal
	l.CodeINSEE, l.CodePostal = c.Code, c.Postcodes[0]
	return []schema.Issue{{Field: "code_postal", Rule: "postcode-was-insee", Value: old, Fixed: l.CodePostal, Level: schema.LevelFix,
		Message: "the postcode field held the INSEE code of " + c.Name + "; code_insee set from it, postcode from the referential"}}
}

// inseeFromPostcode finds the INSEE code from the postcode and the commune
// name, or from the postcode alone when it serves a single commune, or
// else from the one commune of the postcode that the lieu's name or
// address names (« Médiathèque de Saint-Saturnin-lès-Avignon », 84450).
func inseeFromPostcode(r *Referential, l *schema.Lieu) []schema.Issue {
	var c *Commune
	rule := "insee-from-commune"
	if l.Commune != "" {
		c, _ = r.Resolve(l.CodePostal, l.Commune)
	} else if cur := currentOnly(r.ByPostcode(l.CodePostal)); len(cur) == 1 {
		c, rule = cur[0], "insee-from-postcode"
	} else {
		c, rule = namedIn(cur, l.Nom+" "+l.Adresse), "insee-from-name"
	}
	if c == nil && l.Commune != "" && !r.IsPostcode(l.CodePostal) {
		c, rule = r.namedInDepartement(l.Commune, l.CodePostal), "insee-from-name-in-departement"
	}
	if c == nil {
		return nil
	}
	l.CodeINSEE = c.Code
	return []schema.Issue{{Field: "code_insee", Rule: rule, Value: l.CodePostal + " " + l.Commune, Fixed: c.Code, Level: schema.LevelFix,
		Message: "INSEE code found in the commune referential"}}
}

// namedInDepartement is the one current commune of that name in the
// département of a postcode no commune has (a CEDEX or a company's
// postcode, « 05010 GAP »), nil when there are none or several.
func (r *Referential) namedInDepartement(name, cp string) *Commune {
	if len(cp) != 5 {
		return nil
	}
	var found *Commune
	for _, c := range r.byName[nameKey(FoldName(name))] {
		if c.Type != TypeCurrent || !inDepartement(c, cp) {
			continue
		}
		if found != nil {
			return nil
		}
		found = c
	}
	return found
}

// inDepartement tells whether a commune is of a postcode's département
// (Corsica's 2A and 2B under 20, overseas by three digits).
func inDepartement(c *Commune, cp string) bool {
	switch d := c.Code[:2]; {
	case d == "2A" || d == "2B":
		return cp[:2] == "20"
	case d == "97" || d == "98":
		return c.Code[:3] == cp[:3]
	default:
		return d == cp[:2]
	}
}

// namedIn returns the only commune among cs whose name is in text.
func namedIn(cs []*Commune, text string) *Commune {
	folded := FoldName(text)
	var found *Commune
	for _, c := range cs {
		if wordsWithin(c.folded, folded) {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

func currentOnly(cs []*Commune) []*Commune {
	var out []*Commune
	for _, c := range cs {
		if c.Type == TypeCurrent {
			out = append(out, c)
		}
	}
	return out
}

func fillFromCommune(r *Referential, c *Commune, l *schema.Lieu) []schema.Issue {
	l.Territoire = &schema.Territoire{Departement: c.Departement, Region: c.Region, EPCI: c.EPCI}
	var issues []schema.Issue
	if l.Commune == "" {
		name := c.Name
		if c.Type == TypeArrondissmt {
			name = r.Current(c).Name
		}
		l.Commune = name
		issues = append(issues, schema.Issue{Field: "commune", Rule: "commune-from-insee", Value: c.Code, Fixed: name, Level: schema.LevelFix,
			Message: "commune name from the INSEE code"})
	}
	postcodes := c.Postcodes
	if len(postcodes) == 0 {
		postcodes = r.Current(c).Postcodes
	}
	switch {
	case l.CodePostal == "" && len(postcodes) == 1:
		l.CodePostal = postcodes[0]
		issues = append(issues, schema.Issue{Field: "code_postal", Rule: "postcode-from-insee", Value: c.Code, Fixed: postcodes[0], Level: schema.LevelFix,
			Message: "the commune has a single postcode"})
	case l.CodePostal != "" && !slices.Contains(postcodes, l.CodePostal) && !slices.Contains(r.Current(c).Postcodes, l.CodePostal):
		issues = append(issues, schema.Issue{Field: "code_postal", Rule: "postcode-insee-mismatch", Value: l.CodePostal + " / " + c.Code,
			Level: schema.LevelWarning, Message: "the postcode is not one of " + c.Name + "'s"})
	}
	return issues
}
