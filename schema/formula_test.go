package schema_test

import (
	"testing"

	"github.com/maillage/maillage/schema"
)

func TestNeutraliseFormula(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Médiathèque", "Médiathèque"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+33 4 92 00 00 00", "'+33 4 92 00 00 00"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"a=b", "a=b"},
	} {
		if got := schema.NeutraliseFormula(tc.in); got != tc.want {
			t.Errorf("NeutraliseFormula(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFormulasNeutralisedInFreeText: the injection names coming from a
// source come out of normalisation inert, each reported as a fix, while
// the fields the standard bounds (phone, coordinates, codes) keep their
// values, and the record still validates.
func TestFormulasNeutralisedInFreeText(t *testing.T) {
	lat, lon := 44.56, 6.08
	l := schema.Lieu{
		ID: "x", Pivot: schema.PivotPlaceholder, Commune: "Gap", CodePostal: "05000", DateMaj: "2026-11-02",
		Nom:                    `=HYPERLINK("http://evil","x")`,
		Adresse:                "+cmd|' /C calc'!A0",
		ComplementAdresse:      "@SUM(1+1)",
		StructureParente:       "-2+3",
		PresentationResume:     "\t=1+1",
		AutresFormationsLabels: []string{"Pix", "=1+2"},
		Telephone:              "+33492000000",
		Latitude:               &lat, Longitude: &lon,
	}
	issues := schema.Normalise(&l, schema.NormaliseContext{})
	want := map[string]string{
		"nom":                      `'=HYPERLINK("http://evil","x")`,
		"adresse":                  "'+cmd|' /C calc'!A0",
		"complement_adresse":       "'@SUM(1+1)",
		"structure_parente":        "'-2+3",
		"presentation_resume":      "'=1+1",
		"autres_formations_labels": "Pix|'=1+2",
		"telephone":                "+33492000000",
		"latitude":                 "44.56",
	}
	for field, v := range want {
		if got := l.Get(field); got != v {
			t.Errorf("%s = %q, want %q", field, got, v)
		}
	}
	fixes := 0
	for _, is := range issues {
		if is.Rule == "formula-neutralised" {
			fixes++
			if is.Level != schema.LevelFix {
				t.Errorf("%+v: not a fix", is)
			}
		}
	}
	if fixes != 6 {
		t.Errorf("%d formula fixes reported, want 6: %+v", fixes, issues)
	}
	v, err := schema.NewValidator(schema.Current())
	if err != nil {
		t.Fatal(err)
	}
	table := schema.Table{Header: schema.Current().FieldNames(), Rows: []schema.TableRow{{Number: 2, Cells: l.Row()}}, Positional: true}
	if rep := v.Validate(table); !rep.Valid() {
		t.Errorf("the neutralised record does not validate: %+v", rep)
	}
}
