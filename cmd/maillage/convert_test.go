package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/geo/geocodertest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
)

// TestConvertFixtures converts files it has never been told about, with no
// mapping, and checks the result is valid and accounts for every row.
func TestConvertFixtures(t *testing.T) {
	cases := []struct {
		file                    string
		rows, published         int
		hoursValid, hoursIn     int
		mustContain, quarantine []string
	}{
		{"hub-survey-win1252.csv", 4, 3, 3, 3,
			[]string{`Médiathèque Jean Jaurès`, `12 rue des Arts`, `Mo,Tu 09:00-12:00,14:00-18:00`, `46.99`, `+33386000000`, `43493312300029`,
				`8 place du Marché`},
			[]string{"adresse: required"}},
		{"portal-records.json.gz", 2, 2, 1, 2,
			[]string{`1 rue du Parc`, `Bâtiment B`, `Mo-Fr 09:00-12:00,14:00-17:00`, `Place de la Liberté`, `29200`, `Brest`,
				`Aide aux démarches administratives|Maîtrise des outils numériques du quotidien`, `Gratuit`},
			nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.csv")
			code, _, stderr := runCLI(t, context.Background(), nil, "convert", "../../testdata/convert/"+c.file, "-o", out)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			csvBytes, _ := os.ReadFile(out)
			for _, s := range c.mustContain {
				if !strings.Contains(string(csvBytes), s) {
					t.Errorf("output lacks %q:\n%s", s, csvBytes)
				}
			}
			f, _ := os.Open(out)
			tab, _, _ := schema.ReadCSVTable(f)
			f.Close()
			v, _ := schema.NewValidator(schema.Current())
			if rep := v.Validate(tab); !rep.Valid() || rep.Rows != c.published {
				t.Errorf("%d rows published, findings %+v", rep.Rows, rep.Findings)
			}
			var rep pipeline.ConvertReport
			raw, _ := os.ReadFile(strings.TrimSuffix(out, ".csv") + ".report.json")
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Rows != c.rows || rep.Valid+rep.Fixed+rep.Quarantined != rep.Rows || rep.HoursIn != c.hoursIn || rep.HoursValid != c.hoursValid {
				t.Errorf("report rows %d valid %d fixed %d quarantined %d hours %d/%d", rep.Rows, rep.Valid, rep.Fixed, rep.Quarantined, rep.HoursValid, rep.HoursIn)
			}
			for _, reason := range c.quarantine {
				if rep.QuarantineReasons[reason] == 0 || len(rep.QuarantinedRows[0].Fields) == 0 {
					t.Errorf("quarantine reasons %v, want %q with raw fields", rep.QuarantineReasons, reason)
				}
			}
		})
	}
}

// TestConvertGeocoder: -geocoder places records without a point; a dead
// geocoder leaves them unplaced, says so, and the conversion still lands.
func TestConvertGeocoder(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	e := f.Entries()[0]
	for _, x := range f.Entries() {
		if x.Type == "housenumber" && x.Score >= 0.9 && x.QueryPostcode == x.Postcode {
			e = x
			break
		}
	}
	in := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(in, []byte("nom;adresse;code_postal;commune\nLieu;\""+e.QueryAddress+"\";"+e.QueryPostcode+";"+e.QueryCity+"\n"), 0o644)
	dead := httptest.NewServer(nil)
	dead.Close()
	cases := []struct{ name, url, want string }{
		{"fake", srv.URL, "1 geocoded at address level"},
		{"refused", dead.URL, "geocoder unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.csv")
			code, _, stderr := runCLI(t, context.Background(), nil, "convert", in, "-geocoder", c.url, "-o", out)
			if code != 0 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stderr lacks %q:\n%s", code, c.want, stderr)
			}
		})
	}
}
