package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

type feedPage struct {
	Changes []struct {
		Cursor, Type, ID, Survivor string
		Revision                   int64
		Origin                     struct{ Instance, ID string }
		Via                        []string
		Lieu                       *struct {
			Properties struct{ Nom string }       `json:"properties"`
			Provenance map[string]store.RecordRef `json:"provenance"`
		}
	}
	Next          string `json:"next"`
	Last          string `json:"last"`
	Instance      string `json:"instance"`
	FeedVersion   int    `json:"feed_version"`
	SchemaVersion string `json:"schema_version"`
	CaughtUp      bool   `json:"caught_up"`
	Links         []struct{ Href, Rel string }
}

func readFeed(t *testing.T, u string) (int, feedPage) {
	t.Helper()
	resp, body := get(t, u)
	var p feedPage
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("%s: %v\n%s", u, err, body)
		}
	}
	return resp.StatusCode, p
}

// TestChangeFeed: the snapshot pages through every lieu with an opaque
// cursor; later publications come after it as updates, retirements with
// their survivor and tombstones; wait holds an empty answer until a
// publication; bad parameters are 400, a purged cursor 410.
func TestChangeFeed(t *testing.T) {
	f := newFixture(t, 5)
	var ids []string
	next, first := "0", ""
	for range 5 {
		code, p := readFeed(t, f.srv.URL+"/api/v1/changes?limit=2&since="+next)
		if code != 200 {
			t.Fatalf("status %d", code)
		}
		if first == "" && len(p.Changes) > 0 {
			first = p.Changes[0].Cursor
		}
		for _, c := range p.Changes {
			if c.Type != "created" || c.Lieu == nil || c.Lieu.Provenance["nom"].Source != "hub" {
				t.Errorf("snapshot change %+v", c)
			}
			ids = append(ids, c.ID)
		}
		next = p.Next
		if p.CaughtUp {
			break
		}
	}
	if strings.Join(ids, ",") != "lieu-000,lieu-001,lieu-002,lieu-003,lieu-004" || strings.Contains(next, "5") {
		t.Fatalf("snapshot %v, next %q (opaque)", ids, next)
	}
	var landing struct{ Instance string }
	_, body := get(t, f.srv.URL+"/")
	json.Unmarshal(body, &landing)
	_, p0 := readFeed(t, f.srv.URL+"/api/v1/changes?limit=1")
	if o := p0.Changes[0].Origin; landing.Instance == "" || o.Instance != landing.Instance || o.ID != "lieu-000" {
		t.Errorf("origin %+v, the landing's instance %q", o, landing.Instance)
	}
	changed := lieu(1)
	changed.Lieu.Nom = "Lieu un"
	f.save(t, store.LieuSet{Lieux: []store.PublishedLieu{lieu(0), changed, lieu(2)}, Redirects: map[string]string{"lieu-003": "lieu-002"}})
	_, p := readFeed(t, f.srv.URL+"/api/v1/changes?since="+next)
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.Type+":"+c.ID+">"+c.Survivor)
	}
	if strings.Join(got, " ") != "updated:lieu-001> retired:lieu-003>lieu-002 deleted:lieu-004>" || p.Changes[0].Lieu.Properties.Nom != "Lieu un" || !p.CaughtUp {
		t.Errorf("after a publication: %v %+v", got, p)
	}
	next = p.Next

	start := time.Now()
	_, p = readFeed(t, f.srv.URL+"/api/v1/changes?wait=1s&since="+next)
	if len(p.Changes) != 0 || time.Since(start) < time.Second || p.Next != next {
		t.Errorf("wait with nothing new: %+v after %s", p, time.Since(start))
	}
	done := make(chan feedPage)
	go func() {
		_, p := readFeed(t, f.srv.URL+"/api/v1/changes?wait=30s&since="+next)
		done <- p
	}()
	time.Sleep(200 * time.Millisecond)
	f.save(t, store.LieuSet{Lieux: []store.PublishedLieu{lieu(0), changed}})
	select {
	case p := <-done:
		if len(p.Changes) != 1 || p.Changes[0].ID != "lieu-002" || p.Changes[0].Type != "deleted" {
			t.Errorf("the long poll woke with %+v", p)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the long poll did not wake at the publication")
	}

	for _, q := range []string{"since=abc", "since=-1", "limit=0", "limit=1001", "wait=2m", "wait=x", "since=0&since=0", "from=0"} {
		if resp, body := get(t, f.srv.URL+"/api/v1/changes?"+q); resp.StatusCode != 400 || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
	if _, err := f.st.PurgeTombstones(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, f.srv.URL+"/api/v1/changes?since="+first)
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(body), `"rel":"restart"`) || !strings.Contains(string(body), "since=0") {
		t.Errorf("a cursor older than the tombstones kept: %d %s", resp.StatusCode, body)
	}
	var latest feedPage
	_, latest = readFeed(t, f.srv.URL+"/api/v1/changes?since=0")
	if code, _ := readFeed(t, f.srv.URL+"/api/v1/changes?since="+latest.Next); code != 200 {
		t.Errorf("a cursor after the purge: %d", code)
	}
	// a snapshot begun after the purge pages on, though its cursors lie
	// before the purged tombstones: it missed none of them
	_, begun := readFeed(t, f.srv.URL+"/api/v1/changes?since=0&limit=1")
	if code, p := readFeed(t, f.srv.URL+"/api/v1/changes?limit=1&since="+begun.Next); code != 200 || len(p.Changes) != 1 {
		t.Errorf("a snapshot begun after the purge: %d %+v", code, p)
	}
}

// TestChangeFeedFilters: territoire and dispositif leave out of a
// snapshot the lieux they do not match; a lieu that stops matching
// arrives as a deletion; the next link keeps the filters; a lieu from a
// peer keeps its origin and gets this instance at the end of its via
// chain; bad filters are 400.
func TestChangeFeedFilters(t *testing.T) {
	f := newFixture(t, 3)
	elsewhere := lieu(1)
	elsewhere.Lieu.Territoire = &schema.Territoire{Departement: "05", Region: "93"}
	fs := lieu(2)
	fs.Lieu.DispositifProgrammesNationaux = []string{"France Services"}
	fs.Lieu.Federation = &schema.Federation{Origin: schema.Origin{Instance: "hub-instance", ID: "h-1"}, Via: []string{"region-instance"}}
	f.save(t, store.LieuSet{Lieux: []store.PublishedLieu{lieu(0), elsewhere, fs}})
	ids := func(p feedPage) string {
		var out []string
		for _, c := range p.Changes {
			out = append(out, c.Type+":"+c.ID)
		}
		return strings.Join(out, " ")
	}
	var landing struct{ Instance string }
	_, body := get(t, f.srv.URL+"/")
	json.Unmarshal(body, &landing)
	_, p := readFeed(t, f.srv.URL+"/api/v1/changes?territoire=dep:69")
	if got := ids(p); got != "created:lieu-000 updated:lieu-002" || !strings.Contains(p.Links[0].Href, "territoire=dep%3A69") || p.Instance != landing.Instance ||
		p.FeedVersion != 1 || p.SchemaVersion != schema.CurrentVersion || p.Last == "" {
		t.Errorf("dep:69 snapshot: %s %+v", got, p)
	}
	if c := p.Changes[1]; c.Origin.Instance != "hub-instance" || c.Origin.ID != "h-1" || strings.Join(c.Via, ",") != "region-instance,"+landing.Instance {
		t.Errorf("a peer's lieu: origin %+v via %v", c.Origin, c.Via)
	}
	_, p = readFeed(t, f.srv.URL+"/api/v1/changes?dispositif=france%20services")
	if got := ids(p); got != "updated:lieu-002" {
		t.Errorf("dispositif snapshot: %s", got)
	}
	next := p.Next
	fs.Lieu.DispositifProgrammesNationaux = nil
	f.save(t, store.LieuSet{Lieux: []store.PublishedLieu{lieu(0), elsewhere, fs}})
	_, p = readFeed(t, f.srv.URL+"/api/v1/changes?dispositif=France%20Services&since="+next)
	if got := ids(p); got != "deleted:lieu-002" || p.Changes[0].Lieu != nil {
		t.Errorf("a lieu that left the dispositif: %s", got)
	}
	for _, q := range []string{"territoire=dep:6", "territoire=pays:fr", "dispositif=Nope", "dispositif="} {
		if resp, body := get(t, f.srv.URL+"/api/v1/changes?"+q); (resp.StatusCode != 400) != (q == "dispositif=") {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
}
