package geo

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/maillage/maillage/schema"
)

// TestLambert93AgainstPROJ: every reference point computed by PROJ's
// cs2cs converts back within 1 m, and projects within 1 m of PROJ's.
func TestLambert93AgainstPROJ(t *testing.T) {
	f, err := os.Open("../testdata/geo/lambert93-proj.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	worst, n := 0.0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		lat, _ := strconv.ParseFloat(c[0], 64)
		lon, _ := strconv.ParseFloat(c[1], 64)
		x, _ := strconv.ParseFloat(c[2], 64)
		y, _ := strconv.ParseFloat(c[3], 64)
		if !IsLambert93(x, y) {
			t.Errorf("%s: %v, %v not detected as Lambert-93", c[4], x, y)
		}
		glat, glon := FromLambert93(x, y)
		d := distanceMetres(lat, lon, glat, glon)
		worst, n = max(worst, d), n+1
		if d > 1 {
			t.Errorf("%s: %.3f m from PROJ's point", c[4], d)
		}
		if gx, gy := ToLambert93(lat, lon); math.Hypot(gx-x, gy-y) > 1 {
			t.Errorf("%s: projected to %.3f, %.3f, PROJ says %.3f, %.3f", c[4], gx, gy, x, y)
		}
	}
	if n < 20 {
		t.Fatalf("only %d reference points", n)
	}
	t.Logf("%d points, worst distance to PROJ %.4f m", n, worst)
}

func TestLambert93InCoordinateCheck(t *testing.T) {
	for _, swapped := range []bool{false, true} {
		x, y := 652469.0227, 6862035.2594 // Paris, by cs2cs
		l := schema.Lieu{CodePostal: "75004", Latitude: &y, Longitude: &x}
		if swapped {
			l.Latitude, l.Longitude = &x, &y
		}
		issues := CheckCoordinates(&l)
		lon, lat, ok := l.Point()
		if !ok || len(issues) != 1 || issues[0].Rule != "coordinates-lambert93" || distanceMetres(lat, lon, 48.8566, 2.3522) > 1 {
			t.Errorf("swapped=%v: %v,%v %+v", swapped, lat, lon, issues)
		}
	}
}

// TestSwappedCopiesOfRealPoints builds a swapped copy of every real point
// of the bundled France services list (metropolitan and overseas): every
// copy is put right, and no original is swapped.
func TestSwappedCopiesOfRealPoints(t *testing.T) {
	raw, err := os.ReadFile("../examples/france-services-2021.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   *struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	checked, overseas := 0, 0
	for _, f := range fc.Features {
		cp, _ := f.Properties["code_postal"].(string)
		if f.Geometry == nil || len(cp) != 5 {
			continue
		}
		lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
		orig := schema.Lieu{CodePostal: cp, Latitude: &lat, Longitude: &lon}
		for _, is := range CheckCoordinates(&orig) {
			if is.Rule == "coordinates-swapped" {
				t.Errorf("%s %v,%v: false swap", cp, lat, lon)
			}
		}
		slat, slon := lon, lat
		copyL := schema.Lieu{CodePostal: cp, Latitude: &slat, Longitude: &slon}
		issues := CheckCoordinates(&copyL)
		glon, glat, _ := copyL.Point()
		if len(issues) != 1 || issues[0].Rule != "coordinates-swapped" || glat != lat || glon != lon {
			if TerritoryOf(cp).bound().Contains([2]float64{lon, lat}) { // originals outside their territory cannot be judged
				t.Errorf("%s %v,%v: swapped copy not put right: %+v", cp, lat, lon, issues)
			}
			continue
		}
		checked++
		if strings.HasPrefix(cp, "97") {
			overseas++
		}
	}
	if checked < 800 || overseas == 0 {
		t.Fatalf("%d swapped copies detected (%d overseas)", checked, overseas)
	}
	t.Logf("%d swapped copies detected, %d of them overseas; no false swap", checked, overseas)
}
