package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/maillage/maillage/exporters"
)

// TestArchiveRoutes: /exports/archive/ lists the snapshots of the
// published directory with their files' addresses, each file is served,
// and nothing outside a snapshot's listed files is.
func TestArchiveRoutes(t *testing.T) {
	f := newFixture(t, 2)
	dir := t.TempDir()
	for name, body := range map[string]string{"lieux.csv": "id\r\na\r\n", "datapackage.json": "{}", "provenance.csv": "lieu_id,source,record_key\r\n", "secret.txt": "no"} {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	snap := exporters.Snapshot{Date: "2026-12-01", Seq: 3, Feed: 7, PublishedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Lieux: 1,
		Files: []string{"lieux.csv", "datapackage.json"}}
	if err := exporters.KeepSnapshot(dir, snap, []exporters.ArchiveChange{{ID: "a", Kind: "created"}}, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.api.Published = dir
	srv := httptest.NewServer(f.api.Handler())
	defer srv.Close()
	resp, body := get(t, srv.URL+"/exports/archive/")
	var listing struct {
		Snapshots []struct {
			Date    string
			Changes map[string]int
			Links   []struct{ Href string }
		}
	}
	if err := json.Unmarshal(body, &listing); err != nil || resp.StatusCode != 200 || len(listing.Snapshots) != 1 ||
		listing.Snapshots[0].Changes["created"] != 1 || len(listing.Snapshots[0].Links) != 3 {
		t.Fatalf("listing: %d %v %s", resp.StatusCode, err, body)
	}
	for _, l := range listing.Snapshots[0].Links {
		if resp, _ := get(t, l.Href); resp.StatusCode != 200 {
			t.Errorf("%s: %d", l.Href, resp.StatusCode)
		}
	}
	if resp, body := get(t, srv.URL+"/exports/archive/2026-12-01/changes.csv"); resp.StatusCode != 200 || string(body) != "id,change,survivor\r\na,created,\r\n" {
		t.Errorf("changes.csv: %d %q", resp.StatusCode, body)
	}
	for _, path := range []string{"/exports/archive/2026-12-01/secret.txt", "/exports/archive/2026-12-01/..%2F..%2Fsecret.txt",
		"/exports/archive/2026-12-02/lieux.csv", "/exports/archive/..%2F/lieux.csv"} {
		if resp, _ := get(t, srv.URL+path); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, body := get(t, srv.URL+"/exports/datapackage.json"); resp.StatusCode != 200 || string(body) != "{}" {
		t.Errorf("datapackage.json: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/exports/provenance.csv"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("provenance.csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
