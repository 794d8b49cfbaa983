package datagouv_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/exporters/datagouv"
	"github.com/maillage/maillage/exporters/datagouv/datagouvtest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
)

func lieuAt(i int, dep string) store.PublishedLieu {
	lat, lon := 44.5+float64(i)/100, 6.0+float64(i)/100
	return store.PublishedLieu{Lieu: schema.Lieu{ID: fmt.Sprintf("lieu-%02d", i), Pivot: schema.PivotPlaceholder, Nom: fmt.Sprintf("Lieu %d", i),
		Commune: "Gap", CodePostal: dep + "000", CodeINSEE: dep + "061", Adresse: fmt.Sprintf("%d rue Carnot", i), Latitude: &lat, Longitude: &lon,
		DateMaj: fmt.Sprintf("2026-11-%02d", i+1), Services: []string{"Aide aux démarches administratives"},
		Territoire: &schema.Territoire{Departement: dep, Region: "93"}}}
}

type fixture struct {
	st  store.Store
	dg  *datagouvtest.Server
	pub *datagouv.Publisher
	cfg []datagouv.DatasetConfig
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var set store.LieuSet
	for i := range 6 {
		dep := "05"
		if i >= 4 {
			dep = "13"
		}
		set.Lieux = append(set.Lieux, lieuAt(i, dep))
	}
	if _, err := st.SaveLieux(t.Context(), set, time.Now()); err != nil {
		t.Fatal(err)
	}
	dg := datagouvtest.New("secret")
	t.Cleanup(dg.Close)
	dep05, _ := schema.ParseTerritory("dep:05")
	return &fixture{st: st, dg: dg,
		pub: &datagouv.Publisher{Client: &datagouv.Client{BaseURL: dg.API(), APIKey: "secret", Retries: 2, Backoff: time.Millisecond},
			Store: st, Organization: "org-1", Formats: exporters.Formats, Licence: "lov2", Frequency: "daily", TempDir: t.TempDir()},
		cfg: []datagouv.DatasetConfig{
			{Title: "Lieux de médiation numérique", Description: "National"},
			{Territory: &dep05, Title: "Lieux de médiation numérique des Hautes-Alpes", Description: "Hautes-Alpes", Private: true},
		}}
}

func whats(actions []datagouv.Action) string {
	var out []string
	for _, a := range actions {
		out = append(out, a.Dataset+" "+a.File+" "+a.What)
	}
	return strings.Join(out, "; ")
}

// TestPublishInPlace is issue 20's acceptance point 1: the first run
// creates each dataset and uploads its files; the second changes
// nothing (no upload, no metadata call); a changed file replaces the
// same resource; a failed upload leaves the previous file published and
// says so; a rate limit is waited for; a private dataset stays private.
func TestPublishInPlace(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	actions, err := f.pub.Publish(ctx, f.cfg)
	if err != nil {
		t.Fatalf("%v: %s", err, whats(actions))
	}
	calls := f.dg.Count()
	if calls["POST datasets"] != 2 || calls["POST upload-new"] != 8 || calls["POST upload"] != 0 {
		t.Errorf("first run: %v; %s", calls, whats(actions))
	}
	national, _, _ := f.st.DatagouvDataset(ctx, "national")
	dep05, _, _ := f.st.DatagouvDataset(ctx, "dep:05")
	remote05, ok := f.dg.Dataset(dep05.DatasetID)
	if !ok || !remote05.Private || remote05.Spatial.Zones[0] != "fr:departement:05" || remote05.TemporalCoverage.Start != "2026-11-01" ||
		remote05.TemporalCoverage.End != "2026-11-04" || remote05.License != "lov2" || remote05.Frequency != "daily" || len(remote05.Resources) != 4 {
		t.Errorf("the dep:05 dataset: %+v", remote05)
	}
	csvID := dep05.Resources["lieux.csv"].ResourceID
	csvRes := remote05.Resources[0]
	if csvRes.ID != csvID || csvRes.Schema == nil || csvRes.Schema.Name != "LaMednum/standard-mediation-num" || csvRes.Title != "lieux.csv" {
		t.Errorf("the csv resource: %+v", csvRes)
	}
	if rows := bytes.Count(f.dg.File(csvID), []byte("\r\n")); rows != 5 { // header and the 4 lieux of dep:05
		t.Errorf("dep:05 csv: %d lines", rows)
	}

	// the second run: nothing changed
	actions, err = f.pub.Publish(ctx, f.cfg)
	calls = f.dg.Count()
	if err != nil || calls["POST upload"]+calls["POST upload-new"]+calls["PUT dataset"]+calls["PUT resource"]+calls["POST datasets"] != 0 {
		t.Errorf("second run: %v %v; %s", err, calls, whats(actions))
	}

	// a lieu of dep:13 changes: the national files are replaced in place,
	// the dep:05 ones are left alone; the national dataset's temporal
	// coverage moves, so its metadata is updated
	changed := lieuAt(5, "13")
	changed.Lieu.Nom, changed.Lieu.DateMaj = "Nouveau nom", "2026-12-01"
	if _, err := f.st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{lieuAt(0, "05"), lieuAt(1, "05"), lieuAt(2, "05"), lieuAt(3, "05"), lieuAt(4, "13"), changed}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.dg.Fail("upload", http.StatusTooManyRequests, 1, "1")
	actions, err = f.pub.Publish(ctx, f.cfg)
	calls = f.dg.Count()
	after, _, _ := f.st.DatagouvDataset(ctx, "national")
	if err != nil || calls["POST upload"] != 5 || calls["POST upload-new"] != 0 || calls["PUT dataset"] != 1 { // 4 files, one 429 waited for
		t.Errorf("after a change: %v %v; %s", err, calls, whats(actions))
	}
	for name, r := range after.Resources {
		if r.ResourceID != national.Resources[name].ResourceID || r.SHA1 == national.Resources[name].SHA1 {
			t.Errorf("%s: resource %s (was %s), sha1 %s (was %s)", name, r.ResourceID, national.Resources[name].ResourceID, r.SHA1, national.Resources[name].SHA1)
		}
	}
	if !bytes.Contains(f.dg.File(after.Resources["lieux.csv"].ResourceID), []byte("Nouveau nom")) {
		t.Error("the national csv on data.gouv.fr is not the new one")
	}

	// a failed upload: the previous file stays, the run says so, the next
	// run uploads it
	changed.Lieu.Nom = "Encore un nom"
	f.st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{lieuAt(0, "05"), lieuAt(1, "05"), lieuAt(2, "05"), lieuAt(3, "05"), lieuAt(4, "13"), changed}}, time.Now())
	before := f.dg.File(after.Resources["lieux.parquet"].ResourceID)
	f.dg.Fail("upload", http.StatusBadGateway, 3, "")
	actions, err = f.pub.Publish(ctx, f.cfg)
	if err == nil || !strings.Contains(whats(actions), "national lieux.csv failed") || !strings.Contains(err.Error(), "1 of 2 datasets") {
		t.Errorf("a failed upload: %v; %s", err, whats(actions))
	}
	var failed datagouv.Action
	for _, a := range actions {
		if a.What == "failed" && a.File == "lieux.csv" {
			failed = a
		}
	}
	if !strings.Contains(failed.Detail, "502") {
		t.Errorf("the failure says %q", failed.Detail)
	}
	kept, _, _ := f.st.DatagouvDataset(ctx, "national")
	if kept.Resources["lieux.csv"].SHA1 != after.Resources["lieux.csv"].SHA1 {
		t.Error("a failed upload was recorded as done")
	}
	if got := f.dg.File(after.Resources["lieux.parquet"].ResourceID); bytes.Equal(got, before) {
		t.Error("the uploads after the failed one did not go on")
	}
	actions, err = f.pub.Publish(ctx, f.cfg)
	if err != nil || !strings.Contains(whats(actions), "national lieux.csv replace") {
		t.Errorf("the run after the failure: %v; %s", err, whats(actions))
	}

	// made private on the site, the national dataset stays private
	f.dg.SetPrivate(national.DatasetID, true)
	f.dg.Count()
	if _, err := f.pub.Publish(ctx, f.cfg); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.dg.Dataset(national.DatasetID); !d.Private {
		t.Error("a private dataset was made public")
	}
}

// TestPublishRefusals: a wrong API key, a 4xx, an invalid file and a dry
// run: nothing is uploaded, and each is said.
func TestPublishRefusals(t *testing.T) {
	t.Run("dry run", func(t *testing.T) {
		f := newFixture(t)
		f.pub.DryRun = true
		actions, err := f.pub.Publish(t.Context(), f.cfg)
		if calls := f.dg.Count(); err != nil || len(calls) != 0 || !strings.Contains(whats(actions), "national  create; national lieux.csv upload") {
			t.Errorf("%v %v; %s", err, calls, whats(actions))
		}
		if _, ok, _ := f.st.DatagouvDataset(t.Context(), "national"); ok {
			t.Error("a dry run recorded a dataset")
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		f := newFixture(t)
		f.pub.Client.APIKey = "nope"
		_, err := f.pub.Publish(t.Context(), f.cfg)
		if err == nil || f.dg.Count()["POST upload-new"] != 0 {
			t.Errorf("%v", err)
		}
	})
	t.Run("a 403 on the metadata", func(t *testing.T) {
		f := newFixture(t)
		if _, err := f.pub.Publish(t.Context(), f.cfg); err != nil {
			t.Fatal(err)
		}
		f.pub.Frequency = "weekly"
		f.dg.Fail("dataset", http.StatusForbidden, 1, "")
		actions, err := f.pub.Publish(t.Context(), f.cfg)
		if err == nil || !strings.Contains(whats(actions), "failed") || !strings.Contains(fmt.Sprint(actions), "403 Forbidden") {
			t.Errorf("%v; %+v", err, actions)
		}
	})
	t.Run("an invalid file", func(t *testing.T) {
		f := newFixture(t)
		bad := lieuAt(0, "05")
		bad.Lieu.CodePostal = "ABCDE" // the standard's pattern refuses it
		f.st.SaveLieux(t.Context(), store.LieuSet{Lieux: []store.PublishedLieu{bad}}, time.Now())
		actions, err := f.pub.Publish(t.Context(), f.cfg)
		if calls := f.dg.Count(); err == nil || calls["POST upload-new"] != 0 || calls["POST datasets"] != 0 || !strings.Contains(whats(actions), "national  invalid") ||
			!strings.Contains(actions[0].Detail, "errors against the standard") {
			t.Errorf("%v %v; %+v", err, calls, actions)
		}
	})
}
