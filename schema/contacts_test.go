package schema_test

import (
	"strings"
	"testing"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

// TestPersonalContactsWithheld: a person's e-mail or mobile from a
// contact column is not published, and said so without its value; a
// structure's is; a source that says the contact is public has it
// published.
func TestPersonalContactsWithheld(t *testing.T) {
	cols := []string{"nom", "commune", "courriel", "telephone", "Contact : email", "Contact : téléphone", "contact_public"}
	cases := []struct {
		name                  string
		values                []string
		wantEmails, wantPhone string
		wantWithheld          int
	}{
		{"a person's webmail where the structure has none", []string{"EPN", "Dijon", "", "03 80 11 22 33", "jeanne.martin@gmail.com", "", ""}, "", "03 80 11 22 33", 1},
		{"a person's address at the town hall", []string{"EPN", "Dijon", "", "", "j.martin@ville-dijon.fr", "", ""}, "", "", 1},
		{"a structure's address in the contact column", []string{"EPN", "Dijon", "", "", "accueil.mediatheque@ville-dijon.fr", "", ""}, "accueil.mediatheque@ville-dijon.fr", "", 0},
		{"a person's mobile where the structure has none", []string{"EPN", "Dijon", "epn@ville.fr", "", "", "06 12 34 56 78", ""}, "epn@ville.fr", "", 1},
		{"a landline in the contact column", []string{"EPN", "Dijon", "", "", "", "+33 3 80 12 34 56", ""}, "", "+33 3 80 12 34 56", 0},
		{"the source says the contact is public", []string{"EPN", "Dijon", "", "", "jeanne.martin@gmail.com", "06 12 34 56 78", "Oui"}, "jeanne.martin@gmail.com", "06 12 34 56 78", 0},
		{"the structure's own columns are published as given", []string{"EPN", "Dijon", "jeanne.martin@gmail.com", "06 12 34 56 78", "", "", ""}, "jeanne.martin@gmail.com", "06 12 34 56 78", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := harvest.Record{}
			for i, col := range cols {
				rec.Fields = append(rec.Fields, harvest.Field{Name: col, Value: c.values[i]})
			}
			mp, err := schema.NewMapper(schema.Mapping{}, cols, []harvest.Record{rec})
			if err != nil {
				t.Fatal(err)
			}
			m := mp.Map(rec)
			if got := strings.Join(m.Lieu.Courriels, "|"); got != c.wantEmails {
				t.Errorf("courriels %q, want %q (recognised %v)", got, c.wantEmails, mp.Recognised())
			}
			if m.Lieu.Telephone != c.wantPhone {
				t.Errorf("telephone %q, want %q", m.Lieu.Telephone, c.wantPhone)
			}
			withheld := 0
			for _, is := range m.Issues {
				if is.Rule == schema.RuleContactWithheld {
					withheld++
					if is.Value != "" || strings.Contains(is.Message, "@") {
						t.Errorf("the issue carries the value: %+v", is)
					}
				}
			}
			if withheld != c.wantWithheld {
				t.Errorf("%d withheld, want %d: %+v", withheld, c.wantWithheld, m.Issues)
			}
		})
	}
}

// TestOnlyContactColumn: a source whose only e-mail column is named
// contact (the PACA file's contact_email) keeps the structures'
// addresses and its phones, and withholds persons' addresses.
func TestOnlyContactColumn(t *testing.T) {
	cols := []string{"nom", "commune", "contact_email", "contact_telephone"}
	rows := [][]string{
		{"Cyberbase", "Digne", "contact@cyberbase-digne.fr", "06 11 22 33 44"},
		{"Asso", "Gap", "pierre.durand@orange.fr", "04 92 11 22 33"},
	}
	var recs []harvest.Record
	for _, r := range rows {
		rec := harvest.Record{}
		for i, col := range cols {
			rec.Fields = append(rec.Fields, harvest.Field{Name: col, Value: r[i]})
		}
		recs = append(recs, rec)
	}
	mp, err := schema.NewMapper(schema.Mapping{}, cols, recs)
	if err != nil {
		t.Fatal(err)
	}
	first, second := mp.Map(recs[0]), mp.Map(recs[1])
	if strings.Join(first.Lieu.Courriels, "|") != "contact@cyberbase-digne.fr" || first.Lieu.Telephone != "06 11 22 33 44" {
		t.Errorf("structure's contact: %v %q (recognised %v)", first.Lieu.Courriels, first.Lieu.Telephone, mp.Recognised())
	}
	if len(second.Lieu.Courriels) != 0 || second.Lieu.Telephone != "04 92 11 22 33" {
		t.Errorf("person's e-mail: %v %q", second.Lieu.Courriels, second.Lieu.Telephone)
	}
}
