package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/maillage/maillage/store"
)

// testDatagouvState: a dataset's data.gouv.fr id and resources are kept;
// saving a resource again replaces its checksum in place, and a save
// naming some resources leaves the others as they were.
func testDatagouvState(t *testing.T, st store.Store) {
	ctx := t.Context()
	if _, ok, err := st.DatagouvDataset(ctx, "dep:05"); ok || err != nil {
		t.Fatalf("an unknown dataset: %v %v", ok, err)
	}
	at := time.Date(2026, 12, 2, 4, 30, 0, 0, time.UTC)
	d := store.DatagouvDataset{Key: "dep:05", DatasetID: "64a1", CreatedAt: at, Resources: map[string]store.DatagouvResource{
		"lieux.csv":     {ResourceID: "r-csv", SHA1: "aa", Bytes: 10, UploadedAt: at},
		"lieux.geojson": {ResourceID: "r-geo", SHA1: "bb", Bytes: 20, UploadedAt: at},
	}}
	if err := st.SaveDatagouvDataset(ctx, d); err != nil {
		t.Fatal(err)
	}
	later := at.Add(24 * time.Hour)
	if err := st.SaveDatagouvDataset(ctx, store.DatagouvDataset{Key: "dep:05", DatasetID: "64a1", CreatedAt: later,
		Resources: map[string]store.DatagouvResource{"lieux.csv": {ResourceID: "r-csv", SHA1: "cc", Bytes: 11, UploadedAt: later}}}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.DatagouvDataset(ctx, "dep:05")
	d.Resources["lieux.csv"] = store.DatagouvResource{ResourceID: "r-csv", SHA1: "cc", Bytes: 11, UploadedAt: later}
	if err != nil || !ok || !reflect.DeepEqual(got, d) {
		t.Errorf("got %+v %v %v\nwant %+v", got, ok, err, d)
	}
}
