package schema_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/maillage/maillage/schema"
)

func TestNormalisePivot(t *testing.T) {
	cases := []struct{ in, want, rule string }{
		{"43493312300029", "43493312300029", ""},
		{"43493312300028", schema.PivotPlaceholder, "pivot-checksum"},
		{"356000000 00001", "35600000000001", "pivot-format"}, // La Poste: digit sum divisible by 5
		{"w751234567", "W751234567", "pivot-format"},
		{"434 933 123 00029", "43493312300029", "pivot-format"},
		{"13002603200016.0", "13002603200016", "pivot-format"},
		{"434933123", "434933123", ""},
		{"W751234567", "W751234567", ""},
		{"00000000000000", schema.PivotPlaceholder, ""},
		{"0.0", schema.PivotPlaceholder, "pivot-invalid"},
		{"", schema.PivotPlaceholder, "pivot-missing"},
		{"1", schema.PivotPlaceholder, "pivot-invalid"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, is := schema.NormalisePivot(c.in)
			if got != c.want || ruleOf(is) != c.rule {
				t.Errorf("NormalisePivot(%q) = %q, %q; want %q, %q", c.in, got, ruleOf(is), c.want, c.rule)
			}
		})
	}
}

func ruleOf(is *schema.Issue) string {
	if is == nil {
		return ""
	}
	return is.Rule
}

func TestNormalisePostcodeAndINSEE(t *testing.T) {
	cases := []struct {
		fn             func(string) (string, *schema.Issue)
		in, want, rule string
	}{
		{schema.NormalisePostcode, "13500", "13500", ""},
		{schema.NormalisePostcode, "1200", "01200", "leading-zero"},
		{schema.NormalisePostcode, "1200.0", "01200", "leading-zero"},
		{schema.NormalisePostcode, "13 500", "13500", ""},
		{schema.NormalisePostcode, "ABC", "", "postcode-invalid"},
		{schema.NormaliseINSEE, "2A004", "2A004", ""},
		{schema.NormaliseINSEE, "2a004", "2A004", "insee-format"},
		{schema.NormaliseINSEE, "1033", "01033", "insee-format"},
		{schema.NormaliseINSEE, "98818", "98818", ""},
		{schema.NormaliseINSEE, "20004", "", "insee-invalid"},
	}
	for _, c := range cases {
		got, is := c.fn(c.in)
		if got != c.want || ruleOf(is) != c.rule {
			t.Errorf("%q → %q, %q; want %q, %q", c.in, got, ruleOf(is), c.want, c.rule)
		}
	}
}

func TestNormalisePhone(t *testing.T) {
	cases := []struct{ in, postcode, want, rule string }{
		{"04 50 56 87 49", "01200", "+33450568749", "phone-format"},
		{"+33180059880", "51100", "+33180059880", ""},
		{"0033 1 80 05 98 80", "75001", "+33180059880", "phone-format"},
		{"+33 (0)1 80 05 98 80", "75001", "+33180059880", "phone-format"},
		{"0590 12 34 56", "97110", "+590590123456", "phone-format"},
		{"0262 12 34 56", "97400", "+262262123456", "phone-format"},
		{"44 57 28", "98800", "+687445728", "phone-format"},
		{"+687445728", "98800", "+687445728", ""},
		{"05 65 43 68 64 / 06 07 06 47 27", "12170", "+33565436864", "phone-several"},
		{"pas de téléphone", "12170", "", "phone-invalid"},
		{"", "12170", "", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, is := schema.NormalisePhone(c.in, c.postcode)
			rule := ""
			if len(is) > 0 {
				rule = is[0].Rule
			}
			if got != c.want || rule != c.rule {
				t.Errorf("NormalisePhone(%q, %q) = %q, %q; want %q, %q", c.in, c.postcode, got, rule, c.want, c.rule)
			}
		})
	}
}

func TestNormaliseEmailsAndWebsite(t *testing.T) {
	emails := []struct {
		cell, want, rule string
	}{
		{"Contact@Exemple.fr", "contact@exemple.fr", ""},
		{"a@b.fr, c@d.fr;e@f.fr|g@h.fr", "a@b.fr|c@d.fr|e@f.fr|g@h.fr", ""},
		{"france-service@carct.fr - maisondelagglo@carct.fr", "france-service@carct.fr|maisondelagglo@carct.fr", ""},
		{"mailto:<a@b.fr>", "a@b.fr", ""},
		{"j.guichet@chateauneuf16120,fr", "j.guichet@chateauneuf16120.fr", "email-typo"},
		{"msap.tdlsud@terres-du-lauragais;fr", "msap.tdlsud@terres-du-lauragais.fr", "email-typo"},
		{"a@b.fr,com@x.fr", "a@b.fr|com@x.fr", ""},
		{"mdsba@cc montsdupilat.fr", "", "email-invalid"},
		{"www.pimms.org", "", "email-invalid"},
		{"x@y", "", "email-invalid"},
	}
	for _, c := range emails {
		got, is := schema.NormaliseEmails([]string{c.cell})
		rule := ""
		if len(is) > 0 {
			rule = is[0].Rule
		}
		if strings.Join(got, "|") != c.want || rule != c.rule || len(is) > 1 {
			t.Errorf("NormaliseEmails(%q) = %q, %+v; want %q, %q", c.cell, got, is, c.want, c.rule)
		}
	}
	sites := []struct{ in, want, rule string }{
		{"https://www.laquincaillerie.tl/", "https://www.laquincaillerie.tl/", ""},
		{"www.ville-martigues.fr", "https://www.ville-martigues.fr", "url-scheme"},
		{"ftp://example.fr", "", "url-invalid"},
		{"non renseigné", "", "url-invalid"},
	}
	for _, c := range sites {
		got, is := schema.NormaliseWebsite(c.in)
		if got != c.want || ruleOf(is) != c.rule {
			t.Errorf("NormaliseWebsite(%q) = %q, %q; want %q, %q", c.in, got, ruleOf(is), c.want, c.rule)
		}
	}
}

func TestNormaliseDate(t *testing.T) {
	harvested := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	cases := []struct{ in, want, rule string }{
		{"2024-04-02", "2024-04-02", ""},
		{"07/12/2021", "2021-12-07", "date-format"},
		{"2023-05-11T08:12:00Z", "2023-05-11", "date-format"},
		{"", "2026-11-24", "date-missing"},
		{"hier", "2026-11-24", "date-invalid"},
		{"1969-12-31", "2026-11-24", "date-placeholder"},
		{"01/01/1970", "2026-11-24", "date-placeholder"},
		{"44927", "2023-01-01", "date-format"},
		{"2031-05-01", "2026-11-24", "date-future"},
		{"12.03.2024", "2024-03-12", "date-format"},
	}
	for _, c := range cases {
		got, is := schema.NormaliseDate(c.in, harvested)
		if got != c.want || ruleOf(is) != c.rule {
			t.Errorf("NormaliseDate(%q) = %q, %q; want %q, %q", c.in, got, ruleOf(is), c.want, c.rule)
		}
	}
}

func TestShortenResume(t *testing.T) {
	long := strings.Repeat("médiation numérique ", 20)
	cases := []struct {
		in        string
		unchanged bool
	}{
		{"court", true},
		{strings.Repeat("é", 280), true},
		{long, false},
		{strings.Repeat("x", 400), false},
	}
	for _, c := range cases {
		got := schema.ShortenResume(c.in)
		n := utf8.RuneCountInString(got)
		if (got == c.in) != c.unchanged || n > schema.ResumeMaxLength {
			t.Errorf("ShortenResume(%d chars) = %d chars", utf8.RuneCountInString(c.in), n)
		}
		if !c.unchanged && !strings.HasSuffix(got, "…") {
			t.Errorf("shortened summary must end with an ellipsis: %q", got)
		}
	}
	l := schema.Lieu{Nom: "n", Commune: "c", CodePostal: "75001", Adresse: "a", PresentationResume: long}
	issues := schema.Normalise(&l, schema.NormaliseContext{HarvestedAt: time.Now()})
	if l.PresentationDetail != strings.TrimSpace(long) || utf8.RuneCountInString(l.PresentationResume) > 280 {
		t.Errorf("full text must move to presentation_detail: %q / %q", l.PresentationResume, l.PresentationDetail)
	}
	if schema.StatusOf(issues) != schema.StatusFixed {
		t.Errorf("status %s, issues %+v", schema.StatusOf(issues), issues)
	}
}

func TestNormaliseRequiresAddressFields(t *testing.T) {
	l := schema.Lieu{Nom: "Médiathèque", CodePostal: "1200"}
	issues := append(schema.Normalise(&l, schema.NormaliseContext{HarvestedAt: time.Now()}), schema.CheckRequired(&l)...)
	var missing []string
	for _, is := range issues {
		if is.Level == schema.LevelError {
			missing = append(missing, is.Field)
		}
	}
	if strings.Join(missing, ",") != "commune,adresse" || l.CodePostal != "01200" {
		t.Errorf("errors on %v, postcode %q", missing, l.CodePostal)
	}
}

func TestDeriveLocation(t *testing.T) {
	cases := []struct {
		name                         string
		in                           schema.Lieu
		adresse, cp, commune, firstR string
	}{
		{"postcode and commune at the end", schema.Lieu{Adresse: "8 rue de la Boétie - 33000 Bordeaux"},
			"8 rue de la Boétie", "33000", "Bordeaux", "address-tail"},
		{"comma and CEDEX", schema.Lieu{Adresse: "20 Avenue de Ségur, 75007 Paris CEDEX 07", Commune: "Paris"},
			"20 Avenue de Ségur", "75007", "Paris", "address-tail"},
		{"multi-line address", schema.Lieu{Adresse: "9 place de la Poste 23800 Dun Le Palestel", CodePostal: "23800"},
			"9 place de la Poste", "23800", "Dun Le Palestel", "address-tail"},
		{"other postcode kept in the address", schema.Lieu{Adresse: "Mairie 20224 CORSCIA", CodePostal: "20250", Commune: "Corte"},
			"Mairie 20224 CORSCIA", "20250", "Corte", ""},
		{"address inside a description", schema.Lieu{Nom: "#2Cube", PresentationDetail: "10 avenue des lissiers - 23200 Aubusson\ntel : 06 07 06 47 27"},
			"10 avenue des lissiers", "23200", "Aubusson", "address-from-text"},
		{"another address after the place's", schema.Lieu{Adresse: "18 RUE SAINT VINCENT DE PAUL\n\nAutre adresse :\nEspace france services de basseau\n17 rue Saint Vincent de Paul", CodePostal: "16000", Commune: "Angoulême"},
			"18 RUE SAINT VINCENT DE PAUL", "16000", "Angoulême", "second-address"},
		{"other addresses with their contacts, then the place's postcode", schema.Lieu{Adresse: "10 Rue Delamare 27370 Thuit Anger Autre adresse pour le courrier : Château Gasse Keller 66 route de Rouen 27520 Grand Bourgtheroulde"},
			"10 Rue Delamare", "27370", "Thuit Anger", "second-address"},
		{"the label opens the only address", schema.Lieu{Adresse: "Adresse postale : 3 place de la Mairie", CodePostal: "05000", Commune: "Gap"},
			"3 place de la Mairie", "05000", "Gap", "second-address"},
		{"the premises' address after the administrative one", schema.Lieu{Adresse: "Adresse administrative : 2 avenue Pierre Mendès France\nAdresse des locaux : 11 chemin de la Madeleine", CodePostal: "07220", Commune: "Viviers"},
			"11 chemin de la Madeleine", "07220", "Viviers", "second-address"},
		{"no address anywhere", schema.Lieu{Nom: "EPN", PresentationDetail: "Ouvert le mardi"}, "", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.in
			issues := schema.Normalise(&l, schema.NormaliseContext{HarvestedAt: time.Now()})
			var derived []string
			for _, is := range issues {
				if strings.Contains(is.Rule, "address") {
					derived = append(derived, is.Rule)
				}
			}
			rules := strings.Join(derived, ",")
			if c.firstR != "" && strings.Contains(rules, c.firstR) {
				rules = c.firstR
			}
			if l.Adresse != c.adresse || l.CodePostal != c.cp || l.Commune != c.commune || rules != c.firstR {
				t.Errorf("got %q %q %q (%s), want %q %q %q (%s)", l.Adresse, l.CodePostal, l.Commune, rules, c.adresse, c.cp, c.commune, c.firstR)
			}
		})
	}
}

func TestStripHTML(t *testing.T) {
	cases := []struct {
		in, want string
		html     bool
	}{
		{"<ul><li>lundi 9h-12h<br></li><li>mardi 14h-17h</li></ul>", "\n\nlundi 9h-12h\n\n\nmardi 14h-17h\n\n", true},
		{"<p>Médiathèque &amp; <b>EPN</b></p>", "\nMédiathèque & EPN\n", true},
		{"3 < 4 et 5 > 2", "3 < 4 et 5 > 2", false},
		{"sans balise", "sans balise", false},
	}
	for _, c := range cases {
		got, ok := schema.StripHTML(c.in)
		if got != c.want || ok != c.html {
			t.Errorf("StripHTML(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.html)
		}
	}
	l := schema.Lieu{Nom: "<b>EPN</b> du centre", Horaires: "<ul><li>- lundi 9h-12h<br></li><li>- mardi 14h-17h</li></ul>"}
	schema.Normalise(&l, schema.NormaliseContext{HarvestedAt: time.Now()})
	if l.Nom != "EPN du centre" || l.Horaires != "Mo 09:00-12:00; Tu 14:00-17:00" {
		t.Errorf("nom %q, horaires %q", l.Nom, l.Horaires)
	}
}
