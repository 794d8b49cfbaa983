package schema_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/maillage/maillage/schema"
)

func officialExample(t *testing.T, name string) (header []string, rows [][]string) {
	t.Helper()
	raw, err := os.ReadFile("../testdata/official/" + name)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0], recs[1:]
}

func toCSV(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(rows)
	return b.Bytes()
}

func validate(t *testing.T, version string, body []byte) *schema.ValidationReport {
	t.Helper()
	ts, err := schema.LoadTableSchema(version)
	if err != nil {
		t.Fatal(err)
	}
	v, err := schema.NewValidator(ts)
	if err != nil {
		t.Fatal(err)
	}
	tab, _, err := schema.ReadCSVTable(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return v.Validate(tab)
}

func TestOfficialExamplesAreValid(t *testing.T) {
	cases := []struct{ file, version string }{
		{"exemple-valide-v1.0.x.csv", "v1.0.2"},
		{"exemple-valide-v1.0.x.csv", "v1.0.1"},
		{"exemple-valide-v1.0.x.csv", "v1.0.0"},
		{"exemple-valide-v0.1.1.csv", "v0.1.1"},
		{"exemple-valide-v0.1.1.csv", "v0.1.1-main"},
		{"exemple-valide-v0.1.0.csv", "v0.1.0"},
	}
	for _, c := range cases {
		t.Run(c.file+"@"+c.version, func(t *testing.T) {
			raw, err := os.ReadFile("../testdata/official/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			rep := validate(t, c.version, raw)
			if !rep.Valid() || len(rep.Findings) > 0 {
				t.Errorf("findings: %+v", rep.Findings)
			}
		})
	}
}

// TestMutatedExamplesFail breaks the official v1 example one rule at a time
// and expects the national validator's verdict: row, column, rule.
func TestMutatedExamplesFail(t *testing.T) {
	header, rows := officialExample(t, "exemple-valide-v1.0.x.csv")
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	cases := []struct {
		name       string
		mutate     func([][]string) [][]string
		row        int
		column     string
		rule, cons string
	}{
		{"bad postcode", func(r [][]string) [][]string { r[0][col("code_postal")] = "5110"; return r }, 2, "code_postal", "constraint-error", "pattern"},
		{"unknown service", func(r [][]string) [][]string {
			r[0][col("services")] = "Aide aux démarches administratives|Cours de cuisine"
			return r
		}, 2, "services", "constraint-error", "pattern"},
		{"missing required nom", func(r [][]string) [][]string { r[0][col("nom")] = ""; return r }, 2, "nom", "constraint-error", "required"},
		{"281-char résumé", func(r [][]string) [][]string {
			r[0][col("presentation_resume")] = strings.Repeat("é", 281)
			return r
		}, 2, "presentation_resume", "constraint-error", "maxLength"},
		{"duplicate id", func(r [][]string) [][]string { return append(r, append([]string(nil), r[0]...)) }, 3, "id", "unique-error", "unique"},
		{"bad date", func(r [][]string) [][]string { r[0][col("date_maj")] = "02/04/2024"; return r }, 2, "date_maj", "type-error", "type"},
		{"bad latitude", func(r [][]string) [][]string { r[0][col("latitude")] = "43,52"; return r }, 2, "latitude", "type-error", "type"},
		{"bad phone", func(r [][]string) [][]string { r[0][col("telephone")] = "01 80 05 98 80"; return r }, 2, "telephone", "constraint-error", "pattern"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mutated := make([][]string, len(rows))
			for i := range rows {
				mutated[i] = append([]string(nil), rows[i]...)
			}
			rep := validate(t, "v1.0.2", toCSV(t, header, c.mutate(mutated)))
			if rep.Valid() || rep.Count(schema.SeverityError) != 1 {
				t.Fatalf("want exactly one error, got %+v", rep.Findings)
			}
			f := rep.Findings[0]
			if f.Row != c.row || f.Column != c.column || f.ColumnNum != col(c.column)+1 || f.Rule != c.rule || f.Constraint != c.cons {
				t.Errorf("got row %d column %s(%d) rule %s/%s, want row %d column %s rule %s/%s",
					f.Row, f.Column, f.ColumnNum, f.Rule, f.Constraint, c.row, c.column, c.rule, c.cons)
			}
		})
	}
}

func TestHeaderProblems(t *testing.T) {
	header, rows := officialExample(t, "exemple-valide-v1.0.x.csv")
	swapped := append([]string(nil), header...)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	swappedRows := [][]string{append([]string(nil), rows[0]...)}
	swappedRows[0][0], swappedRows[0][1] = swappedRows[0][1], swappedRows[0][0]
	cases := []struct {
		name   string
		header []string
		rows   [][]string
		rules  []string
	}{
		{"missing last column", header[:31], [][]string{rows[0][:31]}, []string{"missing-label"}},
		{"missing middle column", append(append([]string(nil), header[:4]...), header[5:]...),
			[][]string{append(append([]string(nil), rows[0][:4]...), rows[0][5:]...)}, []string{"missing-label"}},
		{"extra column", append(append([]string(nil), header...), "remarque"), [][]string{append(append([]string(nil), rows[0]...), "x")}, []string{"extra-label"}},
		{"columns out of order", swapped, swappedRows, []string{"incorrect-label", "incorrect-label"}},
		{"ragged row", header, [][]string{rows[0][:30]}, []string{"missing-cell", "missing-cell"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := validate(t, "v1.0.2", toCSV(t, c.header, c.rows))
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.Rule)
			}
			if strings.Join(got, ",") != strings.Join(c.rules, ",") {
				t.Errorf("rules %v, want %v (%+v)", got, c.rules, rep.Findings)
			}
		})
	}
}

// TestKnownDefectsTolerated: a documented value the official pattern
// rejects (SCHEMA-NOTES §1.7-1) is a warning, not an error.
func TestKnownDefectsTolerated(t *testing.T) {
	header, rows := officialExample(t, "exemple-valide-v1.0.x.csv")
	for i, h := range header {
		if h == "formations_labels" {
			rows[0][i] = "Étapes numériques (La Poste)|ORDI 3.0"
		}
	}
	rep := validate(t, "v1.0.2", toCSV(t, header, rows))
	if !rep.Valid() || rep.Count(schema.SeverityWarning) != 1 {
		t.Fatalf("want valid with one warning, got %+v", rep.Findings)
	}
	if rows[0][0] = ""; validate(t, "v1.0.2", toCSV(t, header, rows)).Valid() {
		t.Error("a missing id must still be an error")
	}
}

func TestEnumValuesFromPatterns(t *testing.T) {
	cases := []struct {
		version, field string
		n              int
		contains       string
	}{
		{"v1.0.2", "services", 9, "Compréhension du monde numérique"},
		{"v1.0.2", "prise_en_charge_specifique", 7, "Langues étrangères (anglais)"},
		{"v1.0.2", "formations_labels", 10, "Étapes numériques(La Poste)"},
		{"v1.0.2", "modalites_accompagnement", 4, "À distance"},
		{"v0.1.1", "services", 15, "S'équiper en matériel informatique"},
		{"v0.1.1", "conditions_acces", 5, "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer"},
	}
	for _, c := range cases {
		t.Run(c.version+"/"+c.field, func(t *testing.T) {
			ts, _ := schema.LoadTableSchema(c.version)
			fd, _ := ts.Field(c.field)
			vals := fd.EnumValues()
			if len(vals) != c.n || !strings.Contains(strings.Join(vals, "\n")+"\n", c.contains+"\n") {
				t.Errorf("got %d values %q", len(vals), vals)
			}
		})
	}
}

func TestLieuFieldsFollowSchemaOrder(t *testing.T) {
	names := schema.Current().FieldNames()
	if len(schema.Fields) != 32 || len(names) != 32 {
		t.Fatalf("%d Lieu fields, %d schema fields; want 32", len(schema.Fields), len(names))
	}
	for i, f := range schema.Fields {
		if f.Name != names[i] {
			t.Errorf("field %d: Lieu has %s, schema has %s", i, f.Name, names[i])
		}
	}
}
