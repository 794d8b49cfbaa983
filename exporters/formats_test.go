package exporters_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
)

// formatSample are lieux with what the formats must carry unchanged:
// quotes, line breaks, accents, multi-valued fields, a phone starting
// with +, negative coordinates, neutralised formulas, a lieu without a
// point, characters XML escapes.
func formatSample() []schema.Lieu {
	lon, lat := 5.41423, 43.52609
	wlon, wlat := -61.53, 16.24
	return []schema.Lieu{
		{ID: "a", Pivot: "13002054300014", Nom: `La "Quincaillerie", tiers-lieu <&>`, Commune: "Aix-en-Provence", CodePostal: "13100",
			CodeINSEE: "13001", Adresse: "12 bis rue Émile Zola", PresentationDetail: "Ateliers\n- le lundi\n- le jeudi",
			Longitude: &lon, Latitude: &lat, Telephone: "+33442000000", DateMaj: "2026-11-02",
			Services:  []string{"Aide aux démarches administratives", "Loisirs et créations numériques"},
			Courriels: []string{"contact@example.org", "accueil@example.org"}, Territoire: &schema.Territoire{Region: "93", Departement: "13", EPCI: "200054807"}},
		{ID: "b", Pivot: schema.PivotPlaceholder, Nom: `'=HYPERLINK("http://evil","x")`, Commune: "Pointe-à-Pitre", CodePostal: "97110",
			Adresse: "'+cmd|' /C calc'!A0", ComplementAdresse: "'@SUM(1+1)", StructureParente: "'-2+3", Longitude: &wlon, Latitude: &wlat,
			DateMaj: "2025-01-31", Territoire: &schema.Territoire{Region: "01", Departement: "971"}},
		{ID: "c", Pivot: schema.PivotPlaceholder, Nom: "Sans coordonnées", Commune: "Gap", CodePostal: "05000", Adresse: "1 place", DateMaj: "2024-02-29"},
	}
}

func writeFormat(t *testing.T, name string, lieux []schema.Lieu) []byte {
	t.Helper()
	f, err := exporters.FormatNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w, err := f.New(&b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lieux {
		if err := w.Write(&lieux[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// wantRows are the lieux as the standard's CSV cells, header first.
func wantRows(lieux []schema.Lieu) [][]string {
	rows := [][]string{schema.Current().FieldNames()}
	for _, l := range lieux {
		rows = append(rows, l.Row())
	}
	return rows
}

func TestFormatsRoundTrip(t *testing.T) {
	lieux := formatSample()
	want := wantRows(lieux)
	t.Run("csv", func(t *testing.T) {
		got, err := csv.NewReader(bytes.NewReader(writeFormat(t, "csv", lieux))).ReadAll()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("read back %v\n%q\nwant %q", err, got, want)
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		got := readXLSX(t, writeFormat(t, "xlsx", lieux))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n%q\nwant %q", got, want)
		}
	})
	t.Run("parquet", func(t *testing.T) {
		got, geo := readParquet(t, writeFormat(t, "parquet", lieux))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n%q\nwant %q", got, want)
		}
		validateJSON(t, "testdata/geoparquet-1.1.0.schema.json", geo)
		var meta struct {
			Columns map[string]struct {
				GeometryTypes []string  `json:"geometry_types"`
				BBox          []float64 `json:"bbox"`
			}
		}
		json.Unmarshal([]byte(geo), &meta)
		if g := meta.Columns["geometry"]; !slices.Equal(g.GeometryTypes, []string{"Point"}) || !slices.Equal(g.BBox, []float64{-61.53, 16.24, 5.41423, 43.52609}) {
			t.Errorf("geo metadata %s", geo)
		}
	})
	t.Run("geojson", func(t *testing.T) {
		var fc struct {
			Features []exporters.Feature
		}
		if err := json.Unmarshal(writeFormat(t, "geojson", lieux), &fc); err != nil || len(fc.Features) != len(lieux) {
			t.Fatalf("%v, %d features", err, len(fc.Features))
		}
		for i, f := range fc.Features {
			if !slices.Equal(f.Properties.Row(), want[i+1]) {
				t.Errorf("feature %d: %q", i, f.Properties.Row())
			}
		}
	})
}

// TestXLSXCellsAreText: every cell of the sheet is an inline string, so
// no value is ever read as a formula or a number.
func TestXLSXCellsAreText(t *testing.T) {
	f, err := excelize.OpenReader(bytes.NewReader(writeFormat(t, "xlsx", formatSample())))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("lieux")
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if formula, _ := f.GetCellFormula("lieux", cell); formula != "" {
				t.Errorf("%s holds the formula %q", cell, formula)
			}
			if typ, _ := f.GetCellType("lieux", cell); row[c] != "" && typ != excelize.CellTypeInlineString {
				t.Errorf("%s (%q) is of type %v", cell, row[c], typ)
			}
		}
	}
}

func readXLSX(t *testing.T, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("lieux")
	if err != nil {
		t.Fatal(err)
	}
	width := len(schema.Current().FieldNames())
	for i := range rows { // a reader leaves out the empty cells at a row's end
		rows[i] = append(rows[i], make([]string, width-len(rows[i]))...)
	}
	return rows
}

// readParquet reads a file with Apache Arrow's Parquet reader: the rows
// as the standard's CSV cells (header first) and the "geo" metadata.
// Each point is checked against the row's coordinates.
func readParquet(t *testing.T, b []byte) ([][]string, string) {
	t.Helper()
	pr, err := file.NewParquetReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	geo := pr.MetaData().KeyValueMetadata().FindValue("geo")
	if geo == nil {
		t.Fatal("no geo metadata")
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	fields := schema.Current().FieldNames()
	rows := [][]string{fields}
	for range tbl.NumRows() {
		rows = append(rows, make([]string, len(fields)))
	}
	col := func(name string) arrow.Array {
		idx := tbl.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("no column %s in %s", name, tbl.Schema())
		}
		chunks := tbl.Column(idx[0]).Data().Chunks()
		if len(chunks) != 1 {
			t.Fatalf("%s: %d chunks", name, len(chunks))
		}
		return chunks[0]
	}
	for c, name := range fields {
		a := col(name)
		for r := range int(tbl.NumRows()) {
			rows[r+1][c] = cellOf(t, a, r)
		}
	}
	points := col("geometry").(*array.Binary)
	for r := range int(tbl.NumRows()) {
		lon, lat := rows[r+1][slices.Index(fields, "longitude")], rows[r+1][slices.Index(fields, "latitude")]
		if points.IsNull(r) != (lon == "") {
			t.Errorf("row %d: geometry null %v, longitude %q", r, points.IsNull(r), lon)
			continue
		}
		if points.IsNull(r) {
			continue
		}
		g, err := wkb.Unmarshal(points.Value(r))
		if p, ok := g.(orb.Point); err != nil || !ok || fmt.Sprint(p[0]) != lon || fmt.Sprint(p[1]) != lat {
			t.Errorf("row %d: geometry %v %v, want %s %s", r, g, err, lon, lat)
		}
	}
	return rows, *geo
}

// cellOf is one value of an Arrow column as the CSV writes it.
func cellOf(t *testing.T, a arrow.Array, r int) string {
	if a.IsNull(r) {
		return ""
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(r)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(r), 'f', -1, 64)
	case *array.Date32:
		return a.Value(r).ToTime().Format("2006-01-02")
	case *array.List:
		start, end := a.ValueOffsets(r)
		values := a.ListValues().(*array.String)
		var out []string
		for i := start; i < end; i++ {
			out = append(out, values.Value(int(i)))
		}
		return strings.Join(out, schema.MultiSeparator)
	}
	t.Fatalf("a column of type %s", a.DataType())
	return ""
}

// validateJSON checks a document against a JSON Schema file; the
// schemas it refers to are those of testdata, known by their $id (the
// tests have no network).
func validateJSON(t *testing.T, schemaPath, doc string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	files, _ := filepath.Glob("testdata/*.schema.json")
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sch, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		id := path
		if m, ok := sch.(map[string]any); ok && m["$id"] != nil && path != schemaPath {
			id = m["$id"].(string)
		}
		if err := c.AddResource(id, sch); err != nil {
			t.Fatal(err)
		}
	}
	compiled, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := compiled.Validate(v); err != nil {
		t.Errorf("not valid against %s: %v\n%s", schemaPath, err, doc)
	}
}
