package pipeline_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/pipeline"
)

// TestArchiveSnapshots: a publication that changes the data keeps a
// dated snapshot of the files and a changes.csv since the previous day's
// snapshot; a publication that changes nothing keeps none; a second one
// the same day replaces that day's; the previous day's files keep their
// content; snapshots older than the retention are removed.
func TestArchiveSnapshots(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("../examples/nouvelle-caledonie-20240320.json")
	if err != nil {
		t.Fatal(err)
	}
	var records []map[string]any
	if err := json.Unmarshal(raw, &records); err != nil {
		t.Fatal(err)
	}
	source := filepath.Join(dir, "nc.json")
	writeRecords := func(rs []map[string]any) {
		b, _ := json.Marshal(rs)
		if err := os.WriteFile(source, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeRecords(records)
	os.WriteFile(filepath.Join(dir, "maillage.yaml"), []byte("sources:\n  - name: nc\n    kind: file\n    location: nc.json\n    licence: etalab-2.0\n"), 0o600)
	cfg, err := config.Load(filepath.Join(dir, "maillage.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	p := newPipeline(st, cfg)
	p.ArchiveRetention = 30 * 24 * time.Hour
	out := filepath.Join(dir, "out")
	day := time.Date(2026, 12, 1, 22, 30, 0, 0, time.UTC) // 23:30 in Paris: still 1 December
	sync := func(at time.Time) *pipeline.Result {
		t.Helper()
		p.Now = func() time.Time { return at }
		res, err := p.Run(t.Context(), cfg, pipeline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.WriteFiles(t.Context(), out, res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	index := func() []exporters.Snapshot {
		t.Helper()
		snaps, err := exporters.ReadArchiveIndex(out)
		if err != nil {
			t.Fatal(err)
		}
		return snaps
	}
	changes := func(date string) [][]string {
		t.Helper()
		return readCSV(t, filepath.Join(out, "archive", date, "changes.csv"))
	}

	sync(day)
	snaps := index()
	if len(snaps) != 1 || snaps[0].Date != "2026-12-01" || snaps[0].Changes["created"] != snaps[0].Lieux || snaps[0].Lieux < 80 {
		t.Fatalf("first snapshot: %+v", snaps)
	}
	for _, name := range append(snaps[0].Files, "lieux.csv") {
		if _, err := os.Stat(filepath.Join(out, "archive", "2026-12-01", name)); err != nil {
			t.Error(err)
		}
	}
	day1CSV, _ := os.ReadFile(filepath.Join(out, "archive", "2026-12-01", "lieux.csv"))

	sync(day.Add(time.Hour))
	if again := index(); !reflect.DeepEqual(again, snaps) {
		t.Errorf("a publication that changed nothing kept a snapshot: %+v", again)
	}

	// the next day (in the morning): one record renamed, one gone; the
	// changes are those the publication made (the source has no date_maj,
	// so every lieu takes the day's and is updated)
	nextDay := day.Add(10 * time.Hour)
	records[0]["nom"] = "Nouveau nom du lieu"
	writeRecords(records[:len(records)-1])
	res := sync(nextDay)
	snaps = index()
	if len(snaps) != 2 || snaps[0].Date != "2026-12-02" || snaps[0].Changes["updated"] != res.Lieux.Updated ||
		snaps[0].Changes["deleted"] != 1 || res.Lieux.Deleted != 1 || len(changes("2026-12-02")) != res.Lieux.Updated+1 {
		t.Errorf("the second day: %+v; the publication %+v", snaps[0], res.Lieux)
	}
	if now, _ := os.ReadFile(filepath.Join(out, "archive", "2026-12-01", "lieux.csv")); string(now) != string(day1CSV) {
		t.Error("the first day's snapshot changed with the publication of the second")
	}

	// later the same day: one more record gone; the day's snapshot is
	// replaced and still counts from the first day's
	updated := snaps[0].Changes["updated"]
	writeRecords(records[:len(records)-2])
	sync(nextDay.Add(2 * time.Hour))
	snaps = index()
	if len(snaps) != 2 || snaps[0].Date != "2026-12-02" || snaps[0].Changes["deleted"] != 2 || snaps[0].Changes["updated"] != updated {
		t.Errorf("the second day, republished: %+v", snaps)
	}

	// forty days later, the first days are past the retention
	records[1]["nom"] = "Encore un autre nom"
	writeRecords(records[:len(records)-2])
	res = sync(day.Add(40 * 24 * time.Hour))
	snaps = index()
	if len(snaps) != 1 || snaps[0].Date != "2027-01-10" {
		t.Errorf("after the retention: %+v", snaps)
	}
	if _, err := os.Stat(filepath.Join(out, "archive", "2026-12-01")); !os.IsNotExist(err) {
		t.Errorf("the expired snapshot's directory: %v", err)
	}
	if got := changes("2027-01-10"); len(got) != res.Lieux.Updated || snaps[0].Changes["updated"] != res.Lieux.Updated {
		t.Errorf("changes since the last snapshot kept: %d, the publication updated %d", len(got), res.Lieux.Updated)
	}
}
