package schema

import (
	"regexp"
	"strings"
)

var (
	// addressTailRE finds "… 33000 Bordeaux" (optionally CEDEX) at the end
	// of an address.
	addressTailRE = regexp.MustCompile(`(?i)^(.*?)[\s,;\-–]*\b(\d{5})\s+(\pL[\pL'’\- ]*?)(?:\s+cedex(?:\s*\d+)?)?\s*$`)
	// addressLabelRE finds a label inside an address that opens one of
	// several: « 18 rue X Autre adresse : 17 rue Y », « Adresse
	// administrative : … Adresse des locaux : … ». Forms whose one address
	// box producers filled with their other sites or their mail address
	// leave these. Group 1 is set when the label names the place's own
	// address (its premises, where it receives).
	addressLabelRE = regexp.MustCompile(`(?i)[\s,;\-–/]*\b(?:(adresse\s+(?:des\s+locaux|du\s+lieu|d['’]accueil|de\s+la\s+permanence))|autres?\s+adresses?|adresse\s+(?:postale|de\s+correspondance|administrative|du\s+si[eè]ge))\b[^:]{0,40}:\s*`)
	// textAddressRE finds a whole address on one line of free text:
	// "10 avenue des Lissiers - 23200 Aubusson".
	textAddressRE = regexp.MustCompile(`(?i)(\d{1,4}\s*(?:bis|ter)?[\s,]+\pL[\pL\d'’.\- ]{2,60}?)[\s,;\-–]+(\d{5})\s+(\pL[\pL'’\-]*(?:[ \-][\pL'’]+){0,4})`)
)

// deriveLocation fills the location fields a source left empty from text it
// did give: a postcode and commune at the end of the address (then cut from
// it), or a whole address found in the name, complement or description.
func deriveLocation(l *Lieu, places Places) []Issue {
	issues := cutSecondAddress(l)
	if l.Adresse == "" {
		issues = append(issues, addressFromText(l)...)
	}
	if !hasPostcodeLike(l.Adresse) {
		return issues
	}
	var street, cp, commune string
	if m := addressTailRE.FindStringSubmatch(l.Adresse); m != nil {
		street, cp, commune = strings.Trim(m[1], " ,;-–"), m[2], strings.TrimSpace(m[3])
	} else if street, cp, commune = communeAfterPostcode(l.Adresse, places); cp == "" {
		return issues
	}
	if l.CodePostal == "" {
		l.CodePostal = cp
		issues = append(issues, Issue{Field: "code_postal", Rule: "postcode-from-address", Value: l.Adresse, Fixed: cp, Level: LevelFix,
			Message: "postcode read from the address"})
	}
	if l.Commune == "" {
		l.Commune = commune
		issues = append(issues, Issue{Field: "commune", Rule: "commune-from-address", Value: l.Adresse, Fixed: commune, Level: LevelFix,
			Message: "commune read from the address"})
	}
	if street != "" && l.CodePostal == cp {
		issues = append(issues, Issue{Field: "adresse", Rule: "address-tail", Value: l.Adresse, Fixed: street, Level: LevelFix,
			Message: "postcode and commune moved out of the address"})
		l.Adresse = street
	}
	return issues
}

// cutSecondAddress keeps, of an address cell holding several
// (addressLabelRE), the place's: the one labelled as its premises, else
// the one before any label, else the first labelled one. The others stay
// in the issue's value.
func cutSecondAddress(l *Lieu) []Issue {
	labels := addressLabelRE.FindAllStringSubmatchIndex(l.Adresse, -1)
	if labels == nil {
		return nil
	}
	segment := func(i int) string { // the text after label i
		end := len(l.Adresse)
		if i+1 < len(labels) {
			end = labels[i+1][0]
		}
		return strings.Trim(l.Adresse[labels[i][1]:end], " ,;-–/")
	}
	kept := strings.Trim(l.Adresse[:labels[0][0]], " ,;-–/")
	for i, m := range labels {
		if m[2] >= 0 && segment(i) != "" {
			kept = segment(i)
			break
		}
	}
	for i := 0; kept == "" && i < len(labels); i++ {
		kept = segment(i)
	}
	is := Issue{Field: "adresse", Rule: "second-address", Value: l.Adresse, Fixed: kept, Level: LevelFix,
		Message: "of the addresses the source gave, the place's kept"}
	l.Adresse = kept
	return []Issue{is}
}

// postcodeThenWords finds a postcode and the words after it.
var postcodeThenWords = regexp.MustCompile(`^(.*?)[\s,;\-–]*\b(\d{5})\s+(\pL.*)$`)

// communeAfterPostcode reads « street 47000 Agen, Boé, Lafox… »: the
// commune is the longest run of words after the postcode (up to six,
// before any comma or bracket) that places know as a commune, and the
// postcode one of theirs. Without places nothing is read.
func communeAfterPostcode(address string, places Places) (street, cp, commune string) {
	m := postcodeThenWords.FindStringSubmatch(address)
	if m == nil || places == nil || !places.IsPostcode(m[2]) {
		return "", "", ""
	}
	head, _, _ := strings.Cut(strings.NewReplacer(";", ",", "(", ",", "/", ",").Replace(m[3]), ",")
	ws := strings.Fields(head)
	for n := min(len(ws), 6); n > 0; n-- {
		if name := strings.Join(ws[:n], " "); places.IsCommuneName(name) {
			return strings.Trim(m[1], " ,;-–"), m[2], name
		}
	}
	return "", "", ""
}

// addressFromText looks for an address in the fields that often carry one
// when a source has no address column.
func addressFromText(l *Lieu) []Issue {
	for _, text := range []string{l.ComplementAdresse, l.Nom, l.PresentationResume, l.PresentationDetail} {
		for _, line := range strings.Split(text, "\n") {
			if !hasPostcodeLike(line) {
				continue
			}
			m := textAddressRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			l.Adresse = strings.TrimSpace(m[1]) + " " + m[2] + " " + strings.TrimSpace(m[3])
			return []Issue{{Field: "adresse", Rule: "address-from-text", Value: truncate(line, 120), Fixed: l.Adresse, Level: LevelFix,
				Message: "address found in free text"}}
		}
	}
	return nil
}

// hasPostcodeLike is a cheap test for five consecutive digits, run before
// the address regular expressions.
func hasPostcodeLike(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run == 5 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
