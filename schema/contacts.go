package schema

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
)

// The rule on contacts (RGPD): the contacts of a structure are published;
// those of a person are not, unless the source says, for the record, that
// they are its public contact. A column of e-mails or phones whose name
// says it is a person's (« Contact : email », « Téléphone du référent »)
// is read in one of two ways. Beside a column of the structure's own (a
// second column for the field), it feeds the lieu only with what is a
// structure's: an e-mail whose local part names a role or a place
// (contact@, accueil.mairie@, epn.ville@…), a landline. As the field's
// only column (the producer's contact of the place, as in the national
// France services list), it feeds everything but the e-mails that name a
// person: a first name and a name (jeanne.martin@) or an initial and a
// name (j.martin@), without a role word. What is withheld is reported (rule
// personal-contact-withheld), without its value.

//go:embed data/contacts.json
var contactsJSON []byte

// contactWords are the tables of data/contacts.json, as sets.
type contactWords struct {
	person, publicFlag, yes, role, firstNames map[string]bool
}

var contactTables = func() contactWords {
	var doc struct {
		Person     []string `json:"person_words"`
		PublicFlag []string `json:"public_flag_columns"`
		Yes        []string `json:"public_flag_values"`
		Role       []string `json:"role_words"`
		FirstNames []string `json:"first_names"`
	}
	mustTable("contacts.json", contactsJSON, &doc)
	set := func(xs []string) map[string]bool {
		m := make(map[string]bool, len(xs))
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	return contactWords{set(doc.Person), set(doc.PublicFlag), set(doc.Yes), set(doc.Role), set(doc.FirstNames)}
}()

// RuleContactWithheld marks a person's contact left out of the lieu.
const RuleContactWithheld = "personal-contact-withheld"

// nameWords splits a name into folded words.
func nameWords(s string) []string {
	return strings.FieldsFunc(foldKeepSpaces(s), func(r rune) bool { return r == ' ' })
}

// foldKeepSpaces folds each run of letters and digits, separating runs.
func foldKeepSpaces(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, p := range parts {
		parts[i] = fold(p)
	}
	return strings.Join(parts, " ")
}

// isPersonColumn says whether a column's name says it holds a person's
// contact.
func isPersonColumn(name string) bool {
	for _, w := range nameWords(name) {
		if contactTables.person[w] {
			return true
		}
	}
	return false
}

// isPublicFlagColumn says whether a column says a record's contact is public.
func isPublicFlagColumn(name string) bool { return contactTables.publicFlag[fold(name)] }

// isPublicFlagValue reads a yes.
func isPublicFlagValue(v string) bool { return contactTables.yes[fold(v)] }

// isStructureEmail says whether an address is a structure's: a word of
// its local part is a role or place word, or has one of five letters or
// more inside it.
func isStructureEmail(addr string) bool {
	local, _, ok := strings.Cut(strings.ToLower(strings.TrimSpace(addr)), "@")
	if !ok {
		return false
	}
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' || unicode.IsDigit(r) })
	for _, w := range words {
		w = fold(w)
		if contactTables.role[w] {
			return true
		}
		for role := range contactTables.role {
			if len(role) >= 5 && strings.Contains(w, role) {
				return true
			}
		}
	}
	return false
}

// namesPerson says whether an address's local part is a first name and
// a name, or an initial and a name, with no role word.
func namesPerson(addr string) bool {
	if isStructureEmail(addr) {
		return false
	}
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(addr)), "@")
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	if len(words) < 2 || len(words) > 3 {
		return false
	}
	first, last := fold(words[0]), fold(words[len(words)-1])
	alpha := func(w string) bool {
		return w != "" && strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
	}
	if !alpha(first) || !alpha(last) || len(last) < 2 {
		return false
	}
	return len(first) == 1 || contactTables.firstNames[first]
}

// isMobile says whether a phone is a French mobile (06, 07 and their
// +33 forms).
func isMobile(v string) bool {
	var d strings.Builder
	for _, r := range v {
		if r >= '0' && r <= '9' || r == '+' {
			d.WriteRune(r)
		}
	}
	s := d.String()
	for _, p := range []string{"+33", "0033"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = "0" + strings.TrimPrefix(rest, "0")
		}
	}
	return strings.HasPrefix(s, "06") || strings.HasPrefix(s, "07")
}

// contactColumn is how a column of a person's contacts is read.
type contactColumn struct {
	field string // courriels or telephone
	// only is true when no other column feeds the field: its phones are
	// then the lieu's only ones, and kept.
	only bool
}

// withholdPersonal returns what of a person's contact cell the lieu may
// publish, and the issue for what it may not.
func withholdPersonal(cc contactColumn, column, value string) (string, *Issue) {
	issue := &Issue{Field: cc.field, Column: column, Rule: RuleContactWithheld, Level: LevelFix}
	if cc.field == "telephone" {
		if cc.only || !isMobile(value) {
			return value, nil
		}
		issue.Message = "a person's mobile phone from a contact column is not published (RGPD)"
		return "", issue
	}
	public := isStructureEmail
	if cc.only {
		public = func(addr string) bool { return !namesPerson(addr) }
	}
	var kept []string
	withheld := 0
	for _, tok := range strings.FieldsFunc(value, isEmailSeparator) {
		if public(strings.Trim(strings.TrimPrefix(strings.ToLower(tok), "mailto:"), "<>()[]:.-")) {
			kept = append(kept, tok)
		} else {
			withheld++
		}
	}
	if withheld == 0 {
		return value, nil
	}
	issue.Message = fmt.Sprintf("%d personal e-mail address(es) from a contact column not published (RGPD)", withheld)
	return strings.Join(kept, "|"), issue
}
