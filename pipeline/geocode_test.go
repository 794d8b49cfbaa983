package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/geo/geocodertest"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// geocodeFixture writes a source whose records have no coordinates: two
// addresses the fake knows, one unknown address in a known commune, one
// nowhere.
func geocodeFixture(t *testing.T, f *geocodertest.Fake) *config.Config {
	t.Helper()
	var known []geocodertest.Entry
	var town geocodertest.Entry
	for _, e := range f.Entries() {
		switch {
		case e.Type == "housenumber" && e.QueryPostcode == e.Postcode && e.Score >= 0.8 && len(known) < 2:
			known = append(known, e)
		case e.Type == "municipality" && town.Label == "":
			town = e
		}
	}
	var b strings.Builder
	b.WriteString("id;nom;adresse;code_postal;commune;date_maj;latitude;longitude\n")
	for i, e := range known {
		fmt.Fprintf(&b, "g-%d;Lieu %d;%s;%s;%s;2024-01-01;;\n", i, i, e.Name, e.Postcode, e.City)
	}
	fmt.Fprintf(&b, "g-2;Mairie;1 impasse inconnue;%s;%s;2024-01-01;;\n", town.Postcode, town.City)
	b.WriteString("g-3;Nulle part;2 rue de nulle part;99999;Atlantide;2024-01-01;;\n")
	b.WriteString("g-4;Médiathèque;3 place du Marché;13100;Aix-en-Provence;2024-01-01;43.5283;5.4497\n")
	return hubConfig(t, b.String())
}

// hubConfig writes one CSV source named "hub".
func hubConfig(t *testing.T, text string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lieux.csv"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return &config.Config{Dir: dir, Sources: []config.Source{{Source: harvest.Source{Name: "hub", Kind: "file", Location: "lieux.csv"}}}}
}

// geocoding returns a fresh store and a pipeline over it that geocodes
// with the geocoder at url (one retry: two requests per failed batch).
func geocoding(t *testing.T, cfg *config.Config, url string) (store.Store, *pipeline.Pipeline) {
	t.Helper()
	st := openStore(t)
	p := newPipeline(st, cfg)
	p.Placer = placerFor(url)
	return st, p
}

func placerFor(url string) *pipeline.Placer {
	g := geo.NewGeocoder(geo.GeocoderOptions{BaseURL: url, Timeout: 200 * time.Millisecond, Retries: 1, Backoff: 10 * time.Millisecond})
	return &pipeline.Placer{Geocoder: g, Policy: geo.DefaultPolicy, RetryFailures: 24 * time.Hour}
}

// placements lists each published lieu's placement, by producer id.
func placements(t *testing.T, st store.Store) string {
	t.Helper()
	var out []string
	err := st.EachLieu(context.Background(), func(r store.LieuRow) error {
		p := "none"
		if pl := r.Lieu.Placement; pl != nil {
			p = pl.Source + "/" + pl.Precision
		}
		out = append(out, r.Provenance["nom"].RecordKey+"="+p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func rules(t *testing.T, st store.Store, key string) string {
	t.Helper()
	r, err := st.SourceRecord(context.Background(), "hub", key)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, is := range r.Issues {
		if is.Field == "latitude" {
			out = append(out, is.Rule)
		}
	}
	return strings.Join(out, ",")
}

// TestGeocodingWithCache: records are placed at address or commune level,
// the others marked not placed; an unchanged second run asks nothing.
func TestGeocodingWithCache(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	cfg := geocodeFixture(t, f)
	st, p := geocoding(t, cfg, srv.URL)
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{rules(t, st, "g-0"), rules(t, st, "g-1"), rules(t, st, "g-2"), rules(t, st, "g-3")}
	if got[0] != "geocoded" || got[1] != "geocoded" || got[2] != "placed-commune-centre" || got[3] != "not-placed" || rep.Sources[0].Geocoded != 3 {
		t.Fatalf("rules %v, geocoded %d", got, rep.Sources[0].Geocoded)
	}
	if got := placements(t, st); got != "g-0=geocoder/housenumber g-1=geocoder/housenumber g-2=commune_centre/municipality g-3=none g-4=source/" {
		t.Errorf("placements %s", got)
	}
	first := f.Calls("")
	if _, err := p.Run(context.Background(), cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	if f.Calls("") != first {
		t.Errorf("an unchanged second run called the geocoder %d times", f.Calls("")-first)
	}
}

// TestGeocoderFaultsLoseNothing: whatever the geocoder does, the run
// completes, records stay unplaced and are placed on a later run.
func TestGeocoderFaultsLoseNothing(t *testing.T) {
	for _, fault := range []geocodertest.Fault{geocodertest.Refuse, geocodertest.ServerError, geocodertest.TooManyRequests, geocodertest.Hang} {
		t.Run(fmt.Sprint(fault), func(t *testing.T) {
			f, srv := geocodertest.Start()
			defer srv.Close()
			cfg := geocodeFixture(t, f)
			st, p := geocoding(t, cfg, srv.URL)
			f.SetFault(fault, time.Second)
			rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
			if err != nil || rep.Sources[0].Status != store.RunOK || rep.Sources[0].Current.Records != 5 || rep.Lieux.Total != 5 {
				t.Fatalf("run: %v %+v %+v", err, rep.Sources[0].SourceRun, rep.Lieux)
			}
			if r := rules(t, st, "g-0"); r != "geocoder-unavailable" {
				t.Errorf("during the fault: %q", r)
			}
			if got := placements(t, st); got != "g-0=none g-1=none g-2=none g-3=none g-4=source/" {
				t.Errorf("during the fault, placements %s", got)
			}
			if got := pendingRecords(t, st); !rep.Sources[0].GeocodingPending || got != "g-0 g-1 g-2 g-3" {
				t.Errorf("during the fault: run pending %v, records pending %q", rep.Sources[0].GeocodingPending, got)
			}
			f.SetFault(geocodertest.NoFault, 0)
			rep, err = p.Run(context.Background(), cfg, pipeline.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n := rep.Sources[0].Normalised; n != 4 {
				t.Errorf("after the fault, %d records normalised again; want the 4 left unplaced", n)
			}
			if r := rules(t, st, "g-0"); r != "geocoded" {
				t.Errorf("after the fault: %q", r)
			}
			if got := pendingRecords(t, st); rep.Sources[0].GeocodingPending || got != "" {
				t.Errorf("after the fault: run pending %v, records pending %q", rep.Sources[0].GeocodingPending, got)
			}
		})
	}
}

// pendingRecords lists the records the store marks as waiting for the
// geocoder; their hashes must be content hashes alone (no mark in them).
func pendingRecords(t *testing.T, st store.Store) string {
	t.Helper()
	digests, _, err := st.RecordChanges(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range digests {
		if len(d.Hash) != 64 {
			t.Errorf("record %s: hash %q is not a bare content hash", d.RecordKey, d.Hash)
		}
		if d.GeocodingPending {
			keys = append(keys, d.RecordKey)
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

// TestConvertGeoAccount: convert places points too, and its account adds
// up to the rows.
func TestConvertGeoAccount(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	cfg := geocodeFixture(t, f)
	h := harvest.New(harvest.Options{BaseDir: cfg.Dir})
	cases := []struct {
		name   string
		placer *pipeline.Placer
		want   pipeline.GeoAccount
	}{
		{"no geocoder", nil, pipeline.GeoAccount{Kept: 1, NotPlaced: 4}},
		{"fake geocoder", placerFor(srv.URL), pipeline.GeoAccount{Kept: 1, GeocodedAddress: 2, GeocodedCommune: 1, NotPlaced: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conv, err := pipeline.Convert(context.Background(), h, pipeline.ConvertOptions{
				Source: harvest.Source{Kind: "file", Location: "lieux.csv"}, Now: time.Now(), Placer: c.placer})
			if err != nil {
				t.Fatal(err)
			}
			if conv.Report.Geo != c.want || conv.Report.GeocoderError != "" {
				t.Errorf("account %+v (%s), want %+v", conv.Report.Geo, conv.Report.GeocoderError, c.want)
			}
		})
	}
}

// TestGeocoderDownAsksOncePerRun: once the geocoder has failed, the run's
// later sources do not wait for it again; all stay unplaced.
func TestGeocoderDownAsksOncePerRun(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	cfg := geocodeFixture(t, f)
	second := cfg.Sources[0]
	second.Name = "hub-bis"
	cfg.Sources = append(cfg.Sources, second)
	st, p := geocoding(t, cfg, srv.URL)
	f.SetFault(geocodertest.ServerError, 0)
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil || len(rep.Sources) != 2 {
		t.Fatal(err)
	}
	if n := f.Calls(""); n != 2 {
		t.Errorf("%d geocoder requests, want 2 (the first source's batch and its retry)", n)
	}
	r, err := st.SourceRecord(context.Background(), "hub-bis", "g-0")
	if err != nil || len(r.Issues) == 0 || r.Issues[len(r.Issues)-1].Rule != "geocoder-unavailable" {
		t.Errorf("second source's record: %v %+v", err, r)
	}
}

// TestPointInAnotherCommune: a producer's point that the reverse geocoder
// puts in another commune is moved to its address when the geocoder
// places that address precisely in the declared commune, and kept with a
// warning when it cannot; a point far outside its commune is dropped
// before, and the record geocoded.
func TestPointInAnotherCommune(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	// two real addresses of different communes, over 3 km apart, but
	// within b's commune's reach (else the point is dropped before reverse)
	var a, b geocodertest.Entry
	for _, e := range f.Entries() {
		if e.Type != "housenumber" || e.Score < 0.8 || e.QueryPostcode != e.Postcode || e.Postcode >= "97" {
			continue // metropolitan only: an overseas point is caught earlier
		}
		if a.Label == "" {
			a = e
		} else if e.CityCode != a.CityCode && geo.Distance(geo.Point{Lat: a.Lat, Lon: a.Lon}, geo.Point{Lat: e.Lat, Lon: e.Lon}) > 3000 &&
			withinReach(e.CityCode, a) {
			b = e
			break
		}
	}
	farLat := b.Lat + 1 // 111 km north or south, still in France
	if b.Lat > 47 {
		farLat = b.Lat - 1
	}
	var csvText strings.Builder
	csvText.WriteString("id;nom;adresse;code_postal;commune;code_insee;date_maj;latitude;longitude\n")
	// names of four kinds of service, so that deduplication keeps them apart
	fmt.Fprintf(&csvText, "moved;Mairie annexe;%s;%s;%s;%s;2024-01-01;%g;%g\n", b.Name, b.Postcode, b.City, b.CityCode, a.Lat, a.Lon)
	fmt.Fprintf(&csvText, "kept;CCAS;1 impasse introuvable;%s;%s;%s;2024-01-01;%g;%g\n", b.Postcode, b.City, b.CityCode, a.Lat, a.Lon)
	fmt.Fprintf(&csvText, "right;Bibliothèque;%s;%s;%s;%s;2024-01-01;%g;%g\n", a.Name, a.Postcode, a.City, a.CityCode, a.Lat, a.Lon)
	fmt.Fprintf(&csvText, "far;Mission locale;%s;%s;%s;%s;2024-01-01;%g;%g\n", b.Name, b.Postcode, b.City, b.CityCode, farLat, b.Lon)
	cfg := hubConfig(t, csvText.String())
	st, p := geocoding(t, cfg, srv.URL)
	if _, err := p.Run(context.Background(), cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := placements(t, st); got != "far=geocoder/housenumber kept=source/ moved=geocoder/housenumber right=source/" {
		t.Errorf("placements %s", got)
	}
	if r := rules(t, st, "moved"); r != "coordinates-other-commune" {
		t.Errorf("moved: %q", r)
	}
	if r := rules(t, st, "kept"); r != "coordinates-other-commune" {
		t.Errorf("kept: %q", r)
	}
	if r := rules(t, st, "right"); r != "" {
		t.Errorf("right: %q", r)
	}
	if r := rules(t, st, "far"); r != "coordinates-far-from-commune,geocoded" {
		t.Errorf("far: %q", r)
	}
	calls := f.Calls("")
	if _, err := p.Run(context.Background(), cfg, pipeline.Options{}); err != nil || f.Calls("") != calls {
		t.Errorf("unchanged re-run: %v, %d more calls", err, f.Calls("")-calls)
	}
}

func withinReach(code string, e geocodertest.Entry) bool {
	_, ratio, ok := geo.Communes().Reach(code, geo.Point{Lat: e.Lat, Lon: e.Lon})
	return ok && ratio <= 1
}

// TestAddressFromPoint: a record with a point but no address gets the
// nearest address (a derived fix) and is published; one whose point has no
// address nearby stays quarantined.
func TestAddressFromPoint(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	var a geocodertest.Entry
	for _, e := range f.Entries() {
		if e.Type == "housenumber" && e.Postcode < "97" && e.Name != "" {
			a = e
			break
		}
	}
	text := fmt.Sprintf("id;nom;adresse;code_postal;commune;date_maj;latitude;longitude\n"+
		"near;Médiathèque;;;;2024-01-01;%g;%g\nfar;Permanence;;;;2024-01-01;%g;%g\n", a.Lat+0.0003, a.Lon, 48.3, -4.1)
	cfg := hubConfig(t, text)
	st, p := geocoding(t, cfg, srv.URL)
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lieux.Total != 1 || rep.Sources[0].Quarantined != 1 {
		t.Fatalf("%d lieux, %d quarantined; want 1 and 1", rep.Lieux.Total, rep.Sources[0].Quarantined)
	}
	var got schema.Lieu
	st.EachLieu(context.Background(), func(r store.LieuRow) error { got = r.Lieu; return nil })
	if got.Adresse != a.Name || got.CodePostal != a.Postcode || got.Commune != a.City || got.CodeINSEE != a.CityCode || got.Territoire == nil {
		t.Errorf("published %q %q %q %q %v, want %q %q %q %q", got.Adresse, got.CodePostal, got.Commune, got.CodeINSEE, got.Territoire,
			a.Name, a.Postcode, a.City, a.CityCode)
	}
	r, err := st.SourceRecord(context.Background(), "hub", "near")
	if err != nil || !slices.ContainsFunc(r.Issues, func(is schema.Issue) bool { return is.Rule == "address-from-reverse" && is.Level == schema.LevelFix }) {
		t.Errorf("near: %v %+v", err, r.Issues)
	}
}
