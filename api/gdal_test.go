package api_test

import (
	"encoding/csv"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/maillage/maillage/internal/gdaltest"
)

// TestGDALReadsTheCollection: GDAL's OGC API – Features driver, a real
// client, reads the lieux collection: ogrinfo counts every lieu and lists
// the standard's fields with their types; ogr2ogr copies a box of it into
// a GeoPackage, which then holds exactly the lieux of the API's own bbox
// query.
func TestGDALReadsTheCollection(t *testing.T) {
	dir := gdaltest.Tools(t)
	st := examplesStore(t)
	ts := httptest.NewServer(newServer(t, st).Handler())
	defer ts.Close()
	all, _ := allPages(t, ts.URL+"/collections/lieux/items?limit=10000")

	info := gdaltest.Run(t, dir, "ogrinfo", "-so", "-ro", "OAPIF:"+ts.URL+"/", "lieux")
	if m := regexp.MustCompile(`Feature Count: (\d+)`).FindStringSubmatch(info); m == nil || m[1] != strconv.Itoa(len(all)) {
		t.Errorf("ogrinfo: feature count %v, want %d\n%s", m, len(all), info)
	}
	if !strings.Contains(info, "Geometry: Point") {
		t.Errorf("ogrinfo: no point geometry\n%s", info)
	}
	for _, field := range []string{"id: String", "pivot: String", "nom: String", "commune: String", "code_postal: String", "adresse: String",
		"latitude: Real", "longitude: Real", "date_maj: Date", "services: StringList", "typologie: StringList"} {
		if !strings.Contains(info, "\n"+field+" ") {
			t.Errorf("ogrinfo: no field %q\n%s", field, info)
		}
	}

	box := []string{"5.9", "44.4", "6.3", "44.7"}
	want, _ := allPages(t, ts.URL+"/collections/lieux/items?bbox="+strings.Join(box, ","))
	gpkg := filepath.Join(t.TempDir(), "lieux.gpkg")
	gdaltest.Run(t, dir, "ogr2ogr", append([]string{"-f", "GPKG", gpkg, "OAPIF:" + ts.URL + "/", "lieux", "-spat"}, box...)...)
	out := filepath.Join(t.TempDir(), "ids.csv")
	gdaltest.Run(t, dir, "ogr2ogr", "-f", "CSV", out, gpkg, "-sql", "SELECT id FROM lieux ORDER BY id")
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1 // GDAL's header row ends with the empty geometry column
	rows, err := cr.ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("ids of the GeoPackage: %v, %d rows", err, len(rows))
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	slices.Sort(want)
	if len(want) < 10 || !slices.Equal(got, want) {
		t.Errorf("ogr2ogr -spat %v: %d lieux, the API's bbox query %d\n got %v\nwant %v", box, len(got), len(want), head1(got), head1(want))
	}
}
