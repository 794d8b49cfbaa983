package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/maillage/maillage/internal/exportread"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// territoriesOf lists, for each territory the bundled examples' lieux lie
// in ("dep:05", "com:05061"…), the lieux' ids.
func territoriesOf(t *testing.T, st store.Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	add := func(kind, code, id string) {
		if code != "" {
			out[kind+":"+code] = append(out[kind+":"+code], id)
		}
	}
	err := st.EachLieu(t.Context(), func(r store.LieuRow) error {
		l := r.Lieu
		if tr := l.Territoire; tr != nil {
			add("reg", tr.Region, l.ID)
			add("dep", tr.Departement, l.ID)
			add("epci", tr.EPCI, l.ID)
		}
		add("com", l.CodeINSEE, l.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pathOf is the export path of a territory: dep:05 → departement/05.
func pathOf(t *testing.T, territory string) string {
	tr, err := schema.ParseTerritory(territory)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Kind.Path + "/" + tr.Code
}

func csvBytes(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.WriteAll(rows)
	return b.Bytes()
}

// TestTerritorialExtracts: every territorial extract of the bundled
// examples is the national file filtered. For every région, département,
// EPCI and commune, the CSV is byte for byte the national CSV's header
// and its rows of the territory, and the GeoJSON the national features of
// the territory; the XLSX (read by excelize) and the GeoParquet (read by
// Apache Arrow) give the same rows, for the national file (so every lieu
// is read in every format) and for 10 régions, départements, EPCI and
// communes.
func TestTerritorialExtracts(t *testing.T) {
	st := examplesStore(t)
	srv := httptest.NewServer(newServer(t, st).Handler())
	defer srv.Close()
	_, body := get(t, srv.URL+"/exports/lieux.csv")
	national, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(national) < 1000 {
		t.Fatalf("national csv: %v, %d rows", err, len(national))
	}
	_, body = get(t, srv.URL+"/exports/lieux.geojson")
	var fc struct{ Features []json.RawMessage }
	if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) != len(national)-1 {
		t.Fatalf("national geojson: %v, %d features", err, len(fc.Features))
	}
	_, got := get(t, srv.URL+"/exports/lieux.xlsx")
	if rows, err := exportread.XLSXRows(got); err != nil || !reflect.DeepEqual(rows, national) {
		t.Errorf("national xlsx: %v, %d rows, want %d", err, len(rows), len(national))
	}
	_, got = get(t, srv.URL+"/exports/lieux.parquet")
	if rows, _, err := exportread.ParquetRows(got); err != nil || !reflect.DeepEqual(rows, national) {
		t.Errorf("national parquet: %v, %d rows, want %d", err, len(rows), len(national))
	}
	position := map[string]int{} // row of each id in the national file, header excluded
	for i, row := range national[1:] {
		position[row[0]] = i
	}
	territories := territoriesOf(t, st)
	names := slices.Sorted(maps.Keys(territories))
	sampled := map[string]int{}
	for _, name := range names {
		rows := make([]int, 0, len(territories[name]))
		for _, id := range territories[name] {
			rows = append(rows, position[id])
		}
		slices.Sort(rows)
		want := [][]string{national[0]}
		var wantFeatures []json.RawMessage
		for _, i := range rows {
			want = append(want, national[i+1])
			wantFeatures = append(wantFeatures, fc.Features[i])
		}
		base := srv.URL + "/exports/" + pathOf(t, name) + "/lieux."
		resp, got := get(t, base+"csv")
		if resp.StatusCode != 200 || !bytes.Equal(got, csvBytes(want)) {
			t.Errorf("%s csv: %d, %d bytes, want %d rows (%d bytes)", name, resp.StatusCode, len(got), len(want), len(csvBytes(want)))
		}
		resp, got = get(t, base+"geojson")
		var extract struct{ Features []json.RawMessage }
		if err := json.Unmarshal(got, &extract); err != nil || resp.StatusCode != 200 || !reflect.DeepEqual(extract.Features, wantFeatures) {
			t.Errorf("%s geojson: %d %v, %d features, want %d", name, resp.StatusCode, err, len(extract.Features), len(wantFeatures))
		}
		kind, _, _ := strings.Cut(name, ":")
		if sampled[kind] >= 10 {
			continue
		}
		sampled[kind]++
		_, got = get(t, base+"xlsx")
		if rows, err := exportread.XLSXRows(got); err != nil || !reflect.DeepEqual(rows, want) {
			t.Errorf("%s xlsx: %v, %d rows, want %d", name, err, len(rows), len(want))
		}
		_, got = get(t, base+"parquet")
		if rows, _, err := exportread.ParquetRows(got); err != nil || !reflect.DeepEqual(rows, want) {
			t.Errorf("%s parquet: %v, %d rows, want %d", name, err, len(rows), len(want))
		}
	}
	if sampled["reg"] != 10 || sampled["dep"] != 10 || sampled["epci"] != 10 || sampled["com"] != 10 {
		t.Errorf("territories read in every format: %v (of %d)", sampled, len(names))
	}
	t.Logf("%d territories; every format read for %v", len(names), sampled)
}

func TestExportErrors(t *testing.T) {
	st := examplesStore(t)
	srv := httptest.NewServer(newServer(t, st).Handler())
	defer srv.Close()
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/exports/lieux.pdf", 404},
		{"/exports/departement/5/lieux.csv", 400},
		{"/exports/pays/FR/lieux.csv", 400},
		{"/exports/departement/99/lieux.csv", 404},
		{"/exports/commune/05999/lieux.geojson", 404},
		{"/exports/departement/2A/lieux.xlsx", 200},
		{"/exports/departement/2a/lieux.csv", 200},
	} {
		resp, body := get(t, srv.URL+tc.path)
		if resp.StatusCode != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.path, resp.StatusCode, body, tc.code)
		}
	}
}
