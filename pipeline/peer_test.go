package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maillage/maillage/api"
	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// upstream is a real instance's feed (the api package over a store a
// configuration's sources were harvested into), behind a switch that can make it answer
// the faults a peer may answer, and that counts the requests and the
// lieux they carried.
type upstream struct {
	st  store.Store
	api *api.Server
	srv *httptest.Server

	mu       sync.Mutex
	fault    func(w http.ResponseWriter, r *http.Request, next http.Handler) bool
	requests int
	records  int
}

func newUpstream(t testing.TB, cfg *config.Config) *upstream {
	t.Helper()
	u := &upstream{st: openStore(t)}
	if _, err := newPipeline(u.st, cfg).Run(t.Context(), cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	u.api = api.New(u.st, quiet)
	if err := u.api.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	feed := u.api.Handler()
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests++
		fault := u.fault
		u.mu.Unlock()
		if fault != nil && fault(w, r, feed) {
			return
		}
		rec := httptest.NewRecorder()
		feed.ServeHTTP(rec, r)
		var page struct {
			Changes []struct{ Lieu json.RawMessage }
		}
		body := io.Reader(bytes.NewReader(rec.Body.Bytes()))
		if rec.Header().Get("Content-Encoding") == "gzip" {
			body, _ = gzip.NewReader(body)
		}
		json.NewDecoder(body).Decode(&page)
		u.mu.Lock()
		for _, c := range page.Changes {
			if len(c.Lieu) > 0 {
				u.records++
			}
		}
		u.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// oneSourceConfig harvests only the bundled Nouvelle-Calédonie file
// (90 records): enough lieux for several feed pages, small enough that
// the tests that run many harvests stay quick under the race detector.
func oneSourceConfig(t testing.TB) *config.Config {
	t.Helper()
	dir := t.TempDir()
	example, err := filepath.Abs("../examples/nouvelle-caledonie-20240320.json")
	if err != nil {
		t.Fatal(err)
	}
	return loadYAML(t, dir, "sources:\n  - name: nouvelle-caledonie\n    kind: file\n    location: "+example+"\n")
}

// loadYAML loads a configuration written into dir.
func loadYAML(t testing.TB, dir, yaml string) *config.Config {
	t.Helper()
	path := filepath.Join(dir, "maillage.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// counts returns the requests and the lieux carried since the last call.
func (u *upstream) counts() (requests, records int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	requests, records, u.requests, u.records = u.requests, u.records, 0, 0
	return requests, records
}

func (u *upstream) setFault(f func(w http.ResponseWriter, r *http.Request, next http.Handler) bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.fault = f
}

// publish saves a set of lieux at the upstream, as its pipeline would.
func (u *upstream) publish(t testing.TB, set store.LieuSet) {
	t.Helper()
	if _, err := u.st.SaveLieux(t.Context(), set, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := u.api.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// live lists an instance's published lieux by id.
func live(t testing.TB, st store.Store) map[string]store.LieuRow {
	t.Helper()
	out := map[string]store.LieuRow{}
	for since := int64(0); ; {
		page, err := st.LieuChanges(t.Context(), since, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Changes {
			if c.Kind == store.ChangeCreated || c.Kind == store.ChangeUpdated {
				out[c.ID] = c.Lieu
			}
			since = c.Seq
		}
		if len(page.Changes) < 1000 {
			return out
		}
	}
}

func peerConfig(t testing.TB, location string) *config.Config {
	t.Helper()
	return loadYAML(t, t.TempDir(), "sources:\n  - name: national\n    kind: peer\n    location: "+location+"\n    peer:\n      page_size: 25\n")
}

func sourceRun(t *testing.T, res *pipeline.Result, err error) pipeline.SourceReport {
	t.Helper()
	if res == nil || len(res.Sources) != 1 {
		t.Fatalf("run: %v %+v", err, res)
	}
	return res.Sources[0]
}

// TestPeerSource: an instance harvests another through its feed: the
// snapshot publishes every lieu of the upstream once, with its origin and
// its per-field provenance prefixed by the peer; a poll with nothing new
// is one request carrying no lieu and changes nothing; an edit, a merge
// and a deletion upstream arrive as an update, a retirement into the
// survivor's lieu and a deletion; a lieu that came from this instance is
// never imported.
func TestPeerSource(t *testing.T) {
	up := newUpstream(t, oneSourceConfig(t))
	want := live(t, up.st)
	upID, _ := up.st.InstanceID(t.Context())
	st := openStore(t)
	cfg := peerConfig(t, up.srv.URL)
	p := newPipeline(st, cfg)
	res, err := p.Run(t.Context(), cfg, pipeline.Options{})
	if run := sourceRun(t, res, err); run.Status != store.RunOK {
		t.Fatalf("the snapshot: %+v", run)
	}
	requests, records := up.counts()
	got := live(t, st)
	if len(got) != len(want) || records != len(want) || requests != (len(want)+24)/25 {
		t.Errorf("the snapshot published %d lieux of %d, in %d requests carrying %d", len(got), len(want), requests, records)
	}
	byOrigin := map[string]string{}
	for id, l := range got {
		f := l.Lieu.Federation
		if f == nil || f.Origin.Instance != upID || len(f.Via) != 0 {
			t.Fatalf("%s: federation %+v, want origin %s", id, f, upID)
		}
		byOrigin[f.Origin.ID] = id
		upstreamNom := want[f.Origin.ID].Provenance["nom"]
		if prov := l.Provenance["nom"]; prov.Source != "national/"+upstreamNom.Source || prov.RecordKey != upstreamNom.RecordKey {
			t.Errorf("%s: nom from %+v, upstream from %+v", id, prov, upstreamNom)
		}
	}

	statuses, err := pipeline.Statuses(t.Context(), st, cfg, time.Now(), nil)
	if err != nil || statuses[0].Peer == nil || statuses[0].Peer.Instance != upID || !statuses[0].Peer.Complete ||
		statuses[0].Peer.Position == 0 || statuses[0].Peer.LagSeconds == nil || statuses[0].Peer.LastEventAt == nil {
		t.Errorf("the peer's status: %v %+v", err, statuses)
	}
	seq, _ := st.LieuSequence(t.Context())
	res, err = p.Run(t.Context(), cfg, pipeline.Options{})
	requests, records = up.counts()
	if run := sourceRun(t, res, err); run.Status != store.RunNotModified || requests != 1 || records != 0 || run.Normalised != 0 {
		t.Errorf("a poll with nothing new: %s, %d requests carrying %d lieux, %d normalised", run.Status, requests, records, run.Normalised)
	}
	if after, _ := st.LieuSequence(t.Context()); after != seq || res.Lieux.Unchanged != len(got) || res.Lieux.Total != len(got) || res.Totals.Linked != len(got) {
		t.Errorf("a poll with nothing new published again: lieux sequence %d, was %d; %+v %+v", after, seq, res.Lieux, res.Totals)
	}

	ids := slices.Sorted(maps.Keys(want))
	edited, merged, survivor, deleted := want[ids[0]], ids[1], ids[2], ids[3]
	edited.Lieu.Nom += " (nouveau nom)"
	set := store.LieuSet{Redirects: map[string]string{merged: survivor}}
	pub := func(r store.LieuRow) store.PublishedLieu {
		return store.PublishedLieu{Lieu: r.Lieu, Provenance: r.Provenance}
	}
	for _, id := range ids[4:] {
		set.Lieux = append(set.Lieux, pub(want[id]))
	}
	set.Lieux = append(set.Lieux, pub(edited), pub(want[survivor]))
	self, _ := st.InstanceID(t.Context())
	echo := want[ids[4]]
	echo.Lieu.ID = "echo"
	echo.Lieu.Federation = &schema.Federation{Origin: schema.Origin{Instance: self, ID: "x"}}
	set.Lieux = append(set.Lieux, pub(echo))
	up.publish(t, set)
	before := got
	res, err = p.Run(t.Context(), cfg, pipeline.Options{})
	if run := sourceRun(t, res, err); run.Status != store.RunOK {
		t.Fatalf("after the changes upstream: %+v", run)
	}
	requests, records = up.counts()
	got = live(t, st)
	if requests != 1 || records != 2 || len(got) != len(before)-2 { // the edit and the echo
		t.Errorf("the changes: %d requests carrying %d lieux; %d lieux, were %d", requests, records, len(got), len(before))
	}
	if got[byOrigin[ids[0]]].Lieu.Nom != edited.Lieu.Nom {
		t.Errorf("the edit: %q", got[byOrigin[ids[0]]].Lieu.Nom)
	}
	changes := feedKinds(t, st)
	if changes[byOrigin[merged]] != "retired>"+byOrigin[survivor] || changes[byOrigin[deleted]] != "deleted" {
		t.Errorf("the merge: %q, want retired into %s; the deletion: %q", changes[byOrigin[merged]], byOrigin[survivor], changes[byOrigin[deleted]])
	}
	for _, l := range got {
		if l.Lieu.Federation.Origin.ID == "echo" {
			t.Errorf("a lieu from this instance came back: %+v", l.Lieu)
		}
	}
	if !strings.Contains(strings.Join(res.Sources[0].Notes, " "), "1 changes left out") {
		t.Errorf("notes %v", res.Sources[0].Notes)
	}
}

// feedKinds is each lieu's latest change in an instance's feed:
// created, updated, deleted or retired>survivor.
func feedKinds(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	page, err := st.LieuChanges(t.Context(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range page.Changes {
		out[c.ID] = c.Kind
		if c.Survivor != "" {
			out[c.ID] += ">" + c.Survivor
		}
	}
	return out
}

// rewrite is a fault that serves the real feed's page after change
// edited it.
func rewrite(change func(page map[string]any)) func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		r.Header.Del("Accept-Encoding")
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var page map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return true
		}
		change(page)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page)
		return true
	}
}

// TestPeerSourceFaults: a peer answering garbage, another feed or schema
// version, or a feed that went back fails the harvest with a clear
// error, and the lieux stay as they were; a cursor the peer no longer
// keeps (410) restarts from a snapshot and ends with the peer's lieux; a
// new snapshot far smaller than the last is held; an instance does not
// read its own feed.
func TestPeerSourceFaults(t *testing.T) {
	up := newUpstream(t, oneSourceConfig(t))
	st := openStore(t)
	cfg := peerConfig(t, up.srv.URL)
	p := newPipeline(st, cfg)
	if _, err := p.Run(t.Context(), cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	good := live(t, st)
	// something new upstream, so that the harvests below read a page
	want := live(t, up.st)
	ids := slices.Sorted(maps.Keys(want))
	var set store.LieuSet
	for _, id := range ids[1:] {
		set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: want[id].Lieu, Provenance: want[id].Provenance})
	}
	up.publish(t, set)
	faults := []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request, next http.Handler) bool
		want  string
	}{
		{"garbage", func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			w.Write([]byte("<html><body>Maintenance</body></html>"))
			return true
		}, "not a change feed"},
		{"a server error", func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			http.Error(w, "down", http.StatusBadGateway)
			return true
		}, "502"},
		{"another feed version", rewrite(func(p map[string]any) { p["feed_version"] = 2 }), "feed version 2"},
		{"another major version of the standard", rewrite(func(p map[string]any) { p["schema_version"] = "v2.0.0" }), "v2.0.0"},
		{"a feed that went back", rewrite(func(p map[string]any) {
			p["changes"], p["last"], p["caught_up"] = []any{}, "Y2hhbmdlczox", true // last changes:1, before next
		}), "backwards"},
	}
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			up.setFault(tc.fault)
			defer up.setFault(nil)
			res, err := p.Run(t.Context(), cfg, pipeline.Options{})
			run := sourceRun(t, res, err)
			if run.Status != store.RunFailed || !strings.Contains(run.Error, tc.want) {
				t.Errorf("status %s, error %q, want failed naming %q", run.Status, run.Error, tc.want)
			}
			if got := live(t, st); len(got) != len(good) {
				t.Errorf("%d lieux, were %d", len(got), len(good))
			}
		})
	}

	t.Run("a cursor older than the peer keeps", func(t *testing.T) {
		if _, err := up.st.PurgeTombstones(t.Context(), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(t.Context(), cfg, pipeline.Options{})
		run := sourceRun(t, res, err)
		if run.Status != store.RunOK || !strings.Contains(strings.Join(run.Notes, " "), "410") || len(live(t, st)) != len(want)-1 {
			t.Errorf("after a 410: %s %q %v, %d lieux, want %d", run.Status, run.Error, run.Notes, len(live(t, st)), len(want)-1)
		}
	})

	t.Run("a new snapshot far smaller than the last", func(t *testing.T) {
		before := len(live(t, st))
		small := openStore(t)
		var set store.LieuSet
		for _, id := range ids[:10] {
			set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: want[id].Lieu, Provenance: want[id].Provenance})
		}
		if _, err := small.SaveLieux(t.Context(), set, time.Now()); err != nil {
			t.Fatal(err)
		}
		other := api.New(small, quiet)
		if err := other.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		up.setFault(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
			other.Handler().ServeHTTP(w, r)
			return true
		})
		defer up.setFault(nil)
		res, err := p.Run(t.Context(), cfg, pipeline.Options{})
		run := sourceRun(t, res, err)
		if run.Status != store.RunHeld || len(live(t, st)) != before || !strings.Contains(strings.Join(run.Notes, " "), "another instance") {
			t.Errorf("another instance with 10 lieux: %s %q %v, %d lieux, were %d", run.Status, run.Error, run.Notes, len(live(t, st)), before)
		}
	})

	t.Run("its own feed", func(t *testing.T) {
		own := api.New(st, quiet)
		srv := httptest.NewServer(own.Handler())
		defer srv.Close()
		self := peerConfig(t, srv.URL)
		res, err := newPipeline(st, self).Run(t.Context(), self, pipeline.Options{})
		if run := sourceRun(t, res, err); run.Status != store.RunFailed || !strings.Contains(run.Error, "this instance itself") {
			t.Errorf("its own feed: %s %q", run.Status, run.Error)
		}
	})
}

// BenchmarkPeerSnapshot: an instance's first harvest of a peer that
// published the examples (3 278 lieux), over loopback, into an empty
// SQLite store; 25 changes a page.
func BenchmarkPeerSnapshot(b *testing.B) {
	up := newUpstream(b, exampleConfig(b))
	cfg := peerConfig(b, up.srv.URL)
	for b.Loop() {
		b.StopTimer()
		st := openStore(b)
		p := newPipeline(st, cfg)
		b.StartTimer()
		if _, err := p.Run(b.Context(), cfg, pipeline.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPeerPoll: a poll of that peer with nothing new (one request,
// not_modified, no publication), and one after 1 % of its lieux changed.
func BenchmarkPeerPoll(b *testing.B) {
	up := newUpstream(b, exampleConfig(b))
	cfg := peerConfig(b, up.srv.URL)
	st := openStore(b)
	p := newPipeline(st, cfg)
	if _, err := p.Run(b.Context(), cfg, pipeline.Options{}); err != nil {
		b.Fatal(err)
	}
	b.Run("nothing new", func(b *testing.B) {
		for b.Loop() {
			if res, err := p.Run(b.Context(), cfg, pipeline.Options{}); err != nil || res.Sources[0].Status != store.RunNotModified {
				b.Fatal(err, res.Sources[0].Status)
			}
		}
	})
	b.Run("1 % changed", func(b *testing.B) {
		rows := live(b, up.st)
		ids := slices.Sorted(maps.Keys(rows))
		round := 0
		for b.Loop() {
			b.StopTimer()
			round++
			var set store.LieuSet
			for i, id := range ids {
				l := rows[id]
				if i%100 == 0 {
					l.Lieu.Nom += fmt.Sprintf(" (%d)", round)
				}
				set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: l.Lieu, Provenance: l.Provenance})
			}
			up.publish(b, set)
			b.StartTimer()
			if res, err := p.Run(b.Context(), cfg, pipeline.Options{}); err != nil || res.Lieux.Updated != len(ids)/100+1 {
				b.Fatal(err, res.Lieux)
			}
		}
	})
}

// TestPeerRecordsMergeWithOwn: a peer's lieu and this instance's own
// record of the same place merge, and the sources' order decides whose
// values win; the merged lieu is this instance's (no origin elsewhere),
// naming the peer in via, and the peer's values keep its provenance.
func TestPeerRecordsMergeWithOwn(t *testing.T) {
	up := newUpstream(t, oneSourceConfig(t))
	upID, _ := up.st.InstanceID(t.Context())
	rows := live(t, up.st)
	var place store.LieuRow
	for _, id := range slices.Sorted(maps.Keys(rows)) {
		if l := rows[id].Lieu; l.Telephone != "" && l.Latitude != nil && l.Adresse != "" {
			place = rows[id]
			break
		}
	}
	l := place.Lieu
	own := []map[string]any{{"id": "own-1", "nom": l.Nom, "adresse": l.Adresse, "code_postal": l.CodePostal, "commune": l.Commune,
		"latitude": *l.Latitude, "longitude": *l.Longitude, "telephone": "+33299000000", "date_maj": l.DateMaj, "pivot": l.Pivot}}
	for _, ownFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("own source first: %v", ownFirst), func(t *testing.T) {
			dir := t.TempDir()
			b, _ := json.Marshal(own)
			os.WriteFile(filepath.Join(dir, "own.json"), b, 0o600)
			ownSrc := "  - name: own\n    kind: file\n    location: own.json\n"
			peerSrc := "  - name: national\n    kind: peer\n    location: " + up.srv.URL + "\n"
			yaml := "sources:\n" + ownSrc + peerSrc
			if !ownFirst {
				yaml = "sources:\n" + peerSrc + ownSrc
			}
			os.WriteFile(filepath.Join(dir, "maillage.yaml"), []byte(yaml), 0o600)
			cfg, err := config.Load(filepath.Join(dir, "maillage.yaml"), func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			st := openStore(t)
			if _, err := newPipeline(st, cfg).Run(t.Context(), cfg, pipeline.Options{}); err != nil {
				t.Fatal(err)
			}
			got := live(t, st)
			if len(got) != len(rows) {
				t.Errorf("%d lieux, the peer has %d: the own record did not merge", len(got), len(rows))
			}
			var merged *store.LieuRow
			for _, r := range got {
				if r.Provenance["telephone"].Source == "own" || r.Lieu.Nom == l.Nom && r.Lieu.Adresse == l.Adresse {
					merged = &r
				}
			}
			if merged == nil {
				t.Fatal("no lieu of the place")
			}
			wantPhone, wantFrom := "+33299000000", "own"
			if !ownFirst {
				wantPhone, wantFrom = l.Telephone, "national/"+place.Provenance["telephone"].Source
			}
			if merged.Lieu.Telephone != wantPhone || merged.Provenance["telephone"].Source != wantFrom {
				t.Errorf("telephone %q from %+v, want %q from %s", merged.Lieu.Telephone, merged.Provenance["telephone"], wantPhone, wantFrom)
			}
			if f := merged.Lieu.Federation; f == nil || f.Origin.Instance != "" || !slices.Equal(f.Via, []string{upID}) {
				t.Errorf("the merged lieu's federation %+v, want this instance's with the peer in via", f)
			}
		})
	}
}
