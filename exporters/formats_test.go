package exporters_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/internal/exportread"
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
		got, err := exportread.XLSXRows(writeFormat(t, "xlsx", lieux))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("read back %v\n%q\nwant %q", err, got, want)
		}
	})
	t.Run("parquet", func(t *testing.T) {
		got, geo, err := exportread.ParquetRows(writeFormat(t, "parquet", lieux))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("read back %v\n%q\nwant %q", err, got, want)
		}
		if err := exportread.ValidateJSON("testdata/geoparquet-1.1.0.schema.json", []byte(geo)); err != nil {
			t.Error(err)
		}
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
