package pipeline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
)

// The tests of this file take a real file (testdata/convert/epn-corse.csv,
// the Corsican EPN list of ../shared/reference) and transform it the way
// unseen producers' files differ — renamed, re-projected, re-encoded,
// reorganised — then check that conversion publishes the same places, as
// issue 22 asks of each failure class.

// fixture is a real file of testdata/convert: its bytes, and its header
// and rows read as a « ; » CSV.
func fixture(t *testing.T, name string) (raw []byte, header []string, rows [][]string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../testdata/convert", name))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comma = ';'
	all, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw, all[0], all[1:]
}

// corseTable is the real file: its header and rows.
func corseTable(t *testing.T) ([]string, [][]string) {
	_, header, rows := fixture(t, "epn-corse.csv")
	return header, rows
}

// column is the index of a column of the real file.
func column(t *testing.T, header []string, name string) int {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %q in %v", name, header)
	}
	return i
}

// transformed writes a table made of the real file's columns (by name,
// renamed as asked) and extra columns computed per row.
func transformed(t *testing.T, keep [][2]string, extra map[string]func(row []string) string) []string {
	t.Helper()
	header, rows := corseTable(t)
	var out []string
	var names []string
	for _, k := range keep {
		names = append(names, k[1])
	}
	extraNames := make([]string, 0, len(extra))
	for n := range extra {
		extraNames = append(extraNames, n)
	}
	slices.Sort(extraNames)
	out = append(out, strings.Join(append(names, extraNames...), ";"))
	for _, row := range rows {
		var cells []string
		for _, k := range keep {
			cells = append(cells, quoteCell(row[column(t, header, k[0])]))
		}
		for _, n := range extraNames {
			cells = append(cells, quoteCell(extra[n](row)))
		}
		out = append(out, strings.Join(cells, ";"))
	}
	return out
}

func quoteCell(v string) string {
	if strings.ContainsAny(v, ";\"\n") {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}

// convertBytes converts a file's bytes as `maillage convert` does, with
// no mapping and no geocoder.
func convertBytes(t *testing.T, name string, body []byte) *pipeline.Conversion {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
		t.Fatal(err)
	}
	h := harvest.New(harvest.Options{BaseDir: dir})
	conv, err := pipeline.Convert(context.Background(), h, pipeline.ConvertOptions{
		Source: harvest.Source{Kind: "file", Location: name}, Now: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

// byName indexes published lieux by name.
func byName(lieux []schema.Lieu) map[string]schema.Lieu {
	out := map[string]schema.Lieu{}
	for _, l := range lieux {
		out[l.Nom] = l
	}
	return out
}

// baseline is the real file converted as it is.
func baseline(t *testing.T) map[string]schema.Lieu {
	t.Helper()
	raw, _, _ := fixture(t, "epn-corse.csv")
	conv := convertBytes(t, "epn-corse.csv", raw)
	if len(conv.Lieux) < 20 {
		t.Fatalf("the real file publishes %d lieux", len(conv.Lieux))
	}
	return byName(conv.Lieux)
}

// TestLambert93XYWithDecimalComma: the points given as Lambert-93 « x »
// and « y » written with a decimal comma are recognised by their values,
// converted, and land where the file's own degrees put them.
func TestLambert93XYWithDecimalComma(t *testing.T) {
	want := baseline(t)
	header, _ := corseTable(t)
	lat, lon := column(t, header, "Y"), column(t, header, "X")
	projected := func(axis int) func([]string) string {
		return func(row []string) string {
			y, _ := strconv.ParseFloat(row[lat], 64)
			x, _ := strconv.ParseFloat(row[lon], 64)
			px, py := geo.ToLambert93(y, x)
			return strings.Replace(strconv.FormatFloat([]float64{px, py}[axis], 'f', 9, 64), ".", ",", 1)
		}
	}
	lines := transformed(t, [][2]string{{"epn", "epn"}, {"adresse", "adresse"}, {"code_post", "code_post"}, {"commune", "commune"}},
		map[string]func([]string) string{"x": projected(0), "y": projected(1)})
	conv := convertBytes(t, "epn-l93.csv", []byte(strings.Join(lines, "\r\n")))
	got := byName(conv.Lieux)
	if len(got) != len(want) {
		t.Errorf("%d lieux published, %d from the real file", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok || g.Latitude == nil || w.Latitude == nil {
			t.Errorf("%s: no point (published %v)", name, ok)
			continue
		}
		if d := geo.Distance(geo.Point{Lat: *g.Latitude, Lon: *g.Longitude}, geo.Point{Lat: *w.Latitude, Lon: *w.Longitude}); d > 5 {
			t.Errorf("%s: %.1f m from the real file's point", name, d)
		}
	}
	if reasons := strings.Join(conv.Report.Columns.ByContent, "\n"); !strings.Contains(reasons, "Lambert-93") {
		t.Errorf("the report does not say the columns were read as Lambert-93: %q (recognised %v)", reasons, conv.Report.Columns.Recognised)
	}
}

// TestINSEECodeUnderAnUnlistedName: INSEE codes under a name no synonym
// lists, and no postcode column: the codes are recognised by their values
// and every lieu gets its postcode from the referential.
func TestINSEECodeUnderAnUnlistedName(t *testing.T) {
	want := baseline(t)
	header, _ := corseTable(t)
	cp, commune := column(t, header, "code_post"), column(t, header, "commune")
	insee := func(row []string) string {
		// the commune's code, or for a hamlet (Folelli) a commune of its postcode
		if c, ok := geo.Communes().Resolve(row[cp], row[commune]); ok {
			return c.Code
		}
		if cs := geo.Communes().ByPostcode(row[cp]); len(cs) > 0 {
			return cs[0].Code
		}
		if c, err := geo.Communes().Place(row[commune]); err == nil {
			return c.Code
		}
		t.Fatalf("%s %s: no commune", row[cp], row[commune])
		return ""
	}
	lines := transformed(t, [][2]string{{"epn", "epn"}, {"adresse", "adresse"}, {"commune", "commune"}, {"Y", "latitude"}, {"X", "longitude"}},
		map[string]func([]string) string{"ident_geo_2024": insee})
	conv := convertBytes(t, "epn-insee.csv", []byte(strings.Join(lines, "\n")))
	got := byName(conv.Lieux)
	for name, w := range want {
		g, ok := got[name]
		if _, known := geo.Communes().Commune(g.CodeINSEE); !ok || !known || g.CodePostal != w.CodePostal {
			t.Errorf("%s: published %v, postcode %q, INSEE %q; the real file gives %q", name, ok, g.CodePostal, g.CodeINSEE, w.CodePostal)
		}
	}
	if rec := conv.Report.Columns.Recognised["ident_geo_2024"]; rec != "code_insee" {
		t.Errorf("ident_geo_2024 → %q, want code_insee", rec)
	}
}

// TestNameUnderAnUnlistedHeader: the names under « Libellé de l'espace
// numérique », a header no synonym lists, are read as the names.
func TestNameUnderAnUnlistedHeader(t *testing.T) {
	want := baseline(t)
	lines := transformed(t, [][2]string{{"epn", "Libellé de l'espace numérique"}, {"adresse", "adresse"}, {"code_post", "code_post"},
		{"commune", "commune"}, {"telephone", "telephone"}, {"Geo Point", "Geo Point"}}, nil)
	conv := convertBytes(t, "epn-libelle.csv", []byte(strings.Join(lines, "\n")))
	if got := byName(conv.Lieux); len(got) != len(want) {
		t.Errorf("%d lieux published, %d from the real file; quarantine reasons %v", len(got), len(want), conv.Report.QuarantineReasons)
	}
}

// TestClassicMacFile: the real file in Mac Roman with CR line ends (a
// classic Mac OS export, here with one LF at its end as a later tool
// added) publishes the same lieux, accents read.
func TestClassicMacFile(t *testing.T) {
	want := baseline(t)
	raw, _, _ := fixture(t, "epn-corse.csv")
	mac, err := charmap.Macintosh.NewEncoder().Bytes(append(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\r")), '\n'))
	if err != nil {
		t.Fatal(err)
	}
	got := byName(convertBytes(t, "epn-mac.csv", mac).Lieux)
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%q not published from the Mac file", name)
		}
	}
}

// TestGroupRowAboveTheHeader: a row grouping the columns (« Structure »,
// « Adresse », « Contact ») above the real header, each group's name
// repeated over its columns as a spreadsheet's merged cells export, or
// written once above gaps. The two rows make the header: every row below
// is a record and none above, and each column is read by its name.
func TestGroupRowAboveTheHeader(t *testing.T) {
	want := baseline(t)
	for _, groups := range []string{"Structure;Adresse;Adresse;Adresse;Contact;Contact", "Structure;Adresse;;;Contact;"} {
		t.Run(groups, func(t *testing.T) {
			lines := transformed(t, [][2]string{{"epn", "nom"}, {"adresse", "voie"}, {"code_post", "code postal"}, {"commune", "commune"},
				{"telephone", "telephone"}, {"Geo Point", "Geo Point"}}, nil)
			lines = slices.Insert(lines, 0, groups)
			conv := convertBytes(t, "epn-groups.csv", []byte(strings.Join(lines, "\n")))
			assertSamePlaces(t, conv, want, len(lines)-2)
		})
	}
}

// TestHeaderWrappedOverTwoLines: names cut over two rows (« Nom de » /
// « l'espace », « Code » / « postal ») are joined, not read as a record.
func TestHeaderWrappedOverTwoLines(t *testing.T) {
	want := baseline(t)
	lines := transformed(t, [][2]string{{"epn", "Nom de"}, {"adresse", "Adresse"}, {"code_post", "Code"}, {"commune", "Commune"},
		{"telephone", "Numéro de"}, {"Geo Point", "Geo Point"}}, nil)
	lines = slices.Insert(lines, 1, "l'espace;;postal;;téléphone;")
	conv := convertBytes(t, "epn-wrapped.csv", []byte(strings.Join(lines, "\n")))
	assertSamePlaces(t, conv, want, len(lines)-2)
}

// assertSamePlaces checks that a converted file has rows records (no
// header row read as one), publishes the real file's lieux with their
// postcodes and communes, and read no column by its values alone.
func assertSamePlaces(t *testing.T, conv *pipeline.Conversion, want map[string]schema.Lieu, rows int) {
	t.Helper()
	if conv.Report.Rows != rows {
		t.Errorf("%d records, want %d: a header row was read as data", conv.Report.Rows, rows)
	}
	got := byName(conv.Lieux)
	if len(got) != len(want) {
		t.Errorf("%d lieux published, %d from the real file", len(got), len(want))
	}
	for name, l := range got {
		if w, ok := want[name]; !ok || l.CodePostal != w.CodePostal || l.Commune != w.Commune {
			t.Errorf("%q published with %s %s, the real file says %s %s", name, l.CodePostal, l.Commune, w.CodePostal, w.Commune)
		}
	}
	if len(conv.Report.Columns.ByContent) > 0 {
		t.Errorf("columns read by their values, not their names: %v", conv.Report.Columns.ByContent)
	}
}

// TestHeaderThatLies: a column headed « latitude » holding postcodes is
// not read as latitudes: no lieu is published with a point from it, and
// the postcodes are read as postcodes.
func TestHeaderThatLies(t *testing.T) {
	want := baseline(t)
	lines := transformed(t, [][2]string{{"epn", "nom"}, {"adresse", "adresse"}, {"code_post", "latitude"}, {"commune", "commune"}}, nil)
	conv := convertBytes(t, "epn-lies.csv", []byte(strings.Join(lines, "\n")))
	for _, l := range conv.Lieux {
		if l.Latitude != nil && math.Abs(*l.Latitude) > 90 {
			t.Errorf("%s published with latitude %v", l.Nom, *l.Latitude)
		}
		if w := want[l.Nom]; l.CodePostal != w.CodePostal {
			t.Errorf("%s: postcode %q, want %q", l.Nom, l.CodePostal, w.CodePostal)
		}
	}
	if len(conv.Lieux) != len(want) {
		t.Errorf("%d lieux published, %d from the real file", len(conv.Lieux), len(want))
	}
	if rec := conv.Report.Columns.Recognised["latitude"]; rec != "code_postal" {
		t.Errorf("latitude → %q, want code_postal (reasons %v)", rec, conv.Report.Columns.ByContent)
	}
}

// TestNationalMappingMigratesAsIs: the real Corsican list converted with
// the national pipeline's configuration of that source (mednum-cli's
// corse.config.json, read as `--mapping` reads it) publishes no fewer
// rows than with no mapping, and the choices of the configuration give
// the typology its terms say.
func TestNationalMappingMigratesAsIs(t *testing.T) {
	m, _, err := config.ReadMapping("../testdata/mednumcli/corse.config.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../testdata/mednumcli/corse.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "corse.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	h := harvest.New(harvest.Options{BaseDir: dir})
	convert := func(m schema.Mapping) *pipeline.Conversion {
		conv, err := pipeline.Convert(context.Background(), h, pipeline.ConvertOptions{Source: harvest.Source{Kind: "file", Location: "corse.json"},
			Mapping: m, Now: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return conv
	}
	plain, national := convert(schema.Mapping{}), convert(m)
	if len(national.Lieux) < len(plain.Lieux) || len(national.Lieux) < 150 {
		t.Errorf("%d lieux with the national mapping, %d without", len(national.Lieux), len(plain.Lieux))
	}
	types := map[string]int{}
	for _, rec := range national.Records {
		kind := harvest.Record{Fields: rec.Fields}.Value("Type")
		if rec.Lieu != nil && slices.Contains(rec.Lieu.Typologie, map[string]string{"France Services": "RFS", "Mission locale": "ML"}[kind]) {
			types[kind]++
		}
	}
	if types["France Services"] < 30 || types["Mission locale"] < 30 {
		t.Errorf("typologies given by the configuration's choices: %v", types)
	}
}

// TestCommuneFromThePoint: records that give their name, their street
// and their point but neither postcode nor commune (a form export) get
// the commune whose centre is nearest the point when the referential's
// spacing leaves no doubt, said as derived; one whose commune name
// disagrees with the point is not given the point's commune.
func TestCommuneFromThePoint(t *testing.T) {
	want := baseline(t)
	header, _ := corseTable(t)
	addr := column(t, header, "adresse")
	street := func(row []string) string { // the address without its postcode and commune
		return strings.TrimSpace(regexp.MustCompile(`\s*\b\d{5}\b.*$`).ReplaceAllString(row[addr], ""))
	}
	lines := transformed(t, [][2]string{{"epn", "nom"}, {"Y", "latitude"}, {"X", "longitude"}}, map[string]func([]string) string{"rue": street})
	conv := convertBytes(t, "epn-points.csv", []byte(strings.Join(lines, "\n")))
	got := byName(conv.Lieux)
	derived, wrong := 0, 0
	for name, w := range want {
		g, ok := got[name]
		if !ok || g.CodePostal == "" || g.Commune == "" {
			continue
		}
		derived++
		if c, ok := geo.Communes().Commune(g.CodeINSEE); !ok || !slices.Contains(c.Postcodes, w.CodePostal) {
			wrong++
			t.Logf("%s: given %s %s, the real file says %s %s", name, g.CodePostal, g.Commune, w.CodePostal, w.Commune)
		}
	}
	// measured: 7 of 22, one of them Folelli, a hamlet the file gives
	// its own postcode (20213) whose point is nearer Taglio-Isolaccio's
	// centre; the others decline (points between communes)
	if derived < len(want)/4 || wrong > 1 {
		t.Errorf("%d of %d lieux got their commune from their point, %d of them another than the file's; quarantine reasons %v",
			derived, len(want), wrong, conv.Report.QuarantineReasons)
	}
	if conv.Report.Fixes["commune-from-point"] == 0 {
		t.Errorf("no fix says the commune came from the point: %v", conv.Report.Fixes)
	}
	_, rows := corseTable(t)
	lat, lon := column(t, header, "Y"), column(t, header, "X")
	lille := fmt.Sprintf("nom;adresse;commune;latitude;longitude\nEPN;Rue de la gare;Lille;%s;%s\n", rows[0][lat], rows[0][lon])
	if l := convertBytes(t, "epn-wrong.csv", []byte(lille)).Lieux; len(l) > 0 && l[0].CodeINSEE != "" {
		if c, _ := geo.Communes().Commune(l[0].CodeINSEE); c != nil && c.Name != "Lille" {
			t.Errorf("a lieu in Lille by its name given %s by its point", c.Name)
		}
	}
}

// TestFormExport: the real Lot-et-Garonne survey export (Hubik's form, 40
// of its rows, testdata/convert/README.md) as a form tool exports it. A timestamp
// column; the address asked in one question (« Quelle est l'adresse de
// votre structure ? »), no postcode or commune column; the audiences a
// multiple choice whose answers are separated by « ; » or given as choice
// names (« plus_de_60_ans », KoBo); the collective workshops typed in
// the « Autre » companion column of the accompaniment question. Every
// row is published with the postcode and commune the address gives, and
// the audiences and accompaniments of the original file.
func TestFormExport(t *testing.T) {
	raw, header, rows := fixture(t, "lot-et-garonne-survey.csv")
	original := convertBytes(t, "survey.csv", raw)
	want := map[string]schema.Lieu{}
	for _, l := range original.Lieux {
		want[l.ID] = l
	}
	col := func(name string) int { return column(t, header, name) }
	audiences := col("Accompagnez-vous des publics spécifiques?")
	// the standard's audiences the original answers name (the others,
	// « Tout public », « Bénéficiaires du RSA »…, have no value of its own)
	audiencesOf := map[string][]string{}
	for _, r := range rows {
		var a []string
		if strings.Contains(r[audiences], "Moins de 26 ans") {
			a = append(a, "Jeunes")
		}
		if strings.Contains(r[audiences], "Plus de 60 ans") {
			a = append(a, "Seniors")
		}
		audiencesOf[r[col("Num")]] = sorted(a)
	}
	codes := func(v string) string {
		var out []string
		for _, a := range strings.Split(v, ",") {
			out = append(out, strings.ReplaceAll(strings.ToLower(strings.TrimSpace(a)), " ", "_"))
		}
		return strings.Join(out, " ")
	}
	for _, style := range []struct {
		name     string
		audience func(string) string
	}{
		{"answers separated by semicolons", func(v string) string { return strings.ReplaceAll(v, ", ", ";") }},
		{"choice names", codes},
	} {
		t.Run(style.name, func(t *testing.T) {
			out := [][]string{{"Horodateur", "Num", "Nom de votre structure", "Quelle est l'adresse de votre structure ?",
				"Quel(s) type(s) de public accompagnez-vous ?", "Quel type d'accompagnement ?", "Quel type d'accompagnement ? - Autre"}}
			for i, r := range rows {
				address := strings.Join([]string{r[col("Numéro de rue")], r[col("Nom de rue")], r[col("Code postal")], r[col("Ville")]}, " ")
				kinds, other := r[col("Quel type d'accompagnement ?")], ""
				if strings.Contains(kinds, "Collectif") {
					kinds, other = strings.Trim(strings.ReplaceAll(kinds, "Collectif", ""), ", "), "Ateliers collectifs le mardi"
				}
				out = append(out, []string{fmt.Sprintf("2021/03/%02d 10:15:00 UTC+1", 1+i%28), r[col("Num")], r[col("Nom de votre structure")],
					strings.Join(strings.Fields(address), " "), style.audience(r[audiences]), kinds, other})
			}
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.Comma = ','
			if err := w.WriteAll(out); err != nil {
				t.Fatal(err)
			}
			conv := convertBytes(t, "form.csv", b.Bytes())
			if len(conv.Lieux) != len(want) {
				t.Errorf("%d lieux published, %d from the original export (report %+v)", len(conv.Lieux), len(want), conv.Report.Columns)
				for _, r := range conv.Records {
					if r.Status == schema.StatusQuarantined {
						t.Logf("quarantined: %v %v", r.Fields, r.Issues)
					}
				}
			}
			for _, l := range conv.Lieux {
				w := want[l.ID]
				// the original's commune column may go on past the commune
				// (« AGEN mais aussi à Villeneuve… »): the form's is its start
				if l.CodePostal != w.CodePostal || !strings.HasPrefix(strings.ToLower(strings.Join(strings.Fields(w.Commune), " ")), strings.ToLower(l.Commune)) {
					t.Errorf("%s: %s %q, the original says %s %q", l.Nom, l.CodePostal, l.Commune, w.CodePostal, w.Commune)
				}
				if got, want := sorted(l.PublicsSpecifiquementAdresses), audiencesOf[l.ID]; !slices.Equal(got, want) {
					t.Errorf("%s: audiences %v, the original's answers say %v", l.Nom, got, want)
				}
				if !slices.Equal(sorted(l.ModalitesAccompagnement), sorted(w.ModalitesAccompagnement)) {
					t.Errorf("%s: accompaniment %v, the original says %v", l.Nom, l.ModalitesAccompagnement, w.ModalitesAccompagnement)
				}
			}
		})
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
