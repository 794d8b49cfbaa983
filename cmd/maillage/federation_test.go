package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// adminToken is the token the federated instances' administrators use
// to start a poll.
const adminToken = "federation-test-token"

// node is one maillage instance of a federation test: its address
// (fixed before it starts, since its peers' configurations name it), its
// directory, and the process while it runs.
type node struct {
	name string
	addr string
	dir  string
	proc *instance
	out  *syncBuffer
	id   string // the instance id, once started
}

// syncBuffer is a process's output, safe to read while it writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ncRecords are the Nouvelle-Calédonie example's records: real data the
// instances' own sources share out.
func ncRecords(t *testing.T) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../../examples/nouvelle-caledonie-20240320.json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(raw, &recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeRecords(t *testing.T, path string, recs []map[string]any) {
	t.Helper()
	b, _ := json.Marshal(recs)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newNode prepares an instance: its own records (none when recs is nil)
// and peer sources reading the given nodes.
func newNode(t *testing.T, name string, recs []map[string]any, pageSize int, peers ...*node) *node {
	t.Helper()
	n := &node{name: name, addr: freeAddr(t), dir: filepath.Join(t.TempDir(), name)}
	os.MkdirAll(n.dir, 0o755)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "log_level: warn\nsync_on_start: false\nschedule: \"@every 24h\"\nsources:\n")
	if recs != nil {
		writeRecords(t, filepath.Join(n.dir, "local.json"), recs)
		fmt.Fprintf(&cfg, "  - name: local\n    kind: file\n    location: %s\n", filepath.Join(n.dir, "local.json"))
	}
	n.writeConfig(t, cfg.String(), pageSize, peers...)
	return n
}

func (n *node) writeConfig(t *testing.T, head string, pageSize int, peers ...*node) {
	t.Helper()
	cfg := head
	for _, p := range peers {
		cfg += fmt.Sprintf("  - name: from-%s\n    kind: peer\n    location: http://%s/\n    peer:\n      page_size: %d\n", p.name, p.addr, pageSize)
	}
	if err := os.WriteFile(filepath.Join(n.dir, "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// start runs `maillage serve` for the node, with extra environment.
func (n *node) start(t *testing.T, env ...string) {
	t.Helper()
	n.out = &syncBuffer{}
	env = append([]string{"MAILLAGE_DB=" + filepath.Join(n.dir, "maillage.db"), "MAILLAGE_OUT=" + filepath.Join(n.dir, "out"),
		"MAILLAGE_GEOCODER_URL=off", "MAILLAGE_ADMIN_TOKEN=" + adminToken, "DATABASE_URL="}, env...)
	n.proc = startInstanceAt(t, n.addr, n.out, env, "serve", "--config", filepath.Join(n.dir, "config.yaml"))
	waitHealthy(t, n.addr)
	var landing struct{ Instance string }
	getJSON(t, "http://"+n.addr+"/", &landing)
	n.id = landing.Instance
}

func (n *node) kill(t *testing.T) {
	t.Helper()
	n.proc.cmd.Process.Signal(syscall.SIGKILL)
	n.proc.cmd.Wait()
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// sourceState is a source as /api/v1/sources shows it.
type sourceState struct {
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	LastSuccess *time.Time `json:"last_success"`
	LastError   string     `json:"last_error"`
	Running     bool       `json:"running"`
	Peer        *struct {
		Instance string `json:"instance"`
		Position int64  `json:"position"`
		Complete bool   `json:"snapshot_complete"`
	} `json:"peer"`
}

func (n *node) source(t *testing.T, name string) sourceState {
	t.Helper()
	var all struct{ Sources []sourceState }
	getJSON(t, "http://"+n.addr+"/api/v1/sources", &all)
	for _, s := range all.Sources {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("%s has no source %s", n.name, name)
	return sourceState{}
}

func (s sourceState) mark() string {
	at := ""
	if s.LastSuccess != nil {
		at = s.LastSuccess.String()
	}
	return s.Status + "|" + at + "|" + s.LastError
}

// harvest starts a harvest of one of the node's sources (a poll, for a
// peer source) and returns its status once it ended.
func (n *node) harvest(t *testing.T, source string) sourceState {
	t.Helper()
	before := n.source(t, source).mark()
	n.trigger(t, source)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if s := n.source(t, source); s.mark() != before && !s.Running {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: the harvest of %s did not end", n.name, source)
	return sourceState{}
}

func (n *node) trigger(t *testing.T, source string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+n.addr+"/api/v1/sources/"+source+"/sync", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("%s: sync %s: %d %s", n.name, source, res.StatusCode, body)
	}
}

// fedLieu is a lieu as an instance's feed gives it.
type fedLieu struct {
	ID, Survivor, Type string
	Nom                string
	Origin             struct{ Instance, ID string }
	Via                []string
}

// feed reads a node's whole feed: every lieu at its latest change.
func (n *node) feed(t *testing.T) []fedLieu {
	t.Helper()
	var out []fedLieu
	for since := "0"; ; {
		var page struct {
			Changes []struct {
				fedLieu
				Lieu *struct {
					Properties struct{ Nom string }
				}
			}
			Next     string `json:"next"`
			CaughtUp bool   `json:"caught_up"`
		}
		getJSON(t, "http://"+n.addr+"/api/v1/changes?limit=1000&since="+since, &page)
		for _, c := range page.Changes {
			l := c.fedLieu
			if c.Lieu != nil {
				l.Nom = c.Lieu.Properties.Nom
			}
			out = append(out, l)
		}
		if page.CaughtUp {
			return out
		}
		since = page.Next
	}
}

// live is a node's published lieux by origin ("instance/id").
func (n *node) live(t *testing.T) map[string]fedLieu {
	t.Helper()
	out := map[string]fedLieu{}
	for _, l := range n.feed(t) {
		if l.Type == "created" || l.Type == "updated" {
			key := l.Origin.Instance + "/" + l.Origin.ID
			if _, dup := out[key]; dup {
				t.Errorf("%s publishes %s twice", n.name, key)
			}
			out[key] = l
		}
	}
	return out
}

// byID is a node's latest change of each of its lieu ids.
func (n *node) byID(t *testing.T) map[string]fedLieu {
	t.Helper()
	out := map[string]fedLieu{}
	for _, l := range n.feed(t) {
		out[l.ID] = l
	}
	return out
}

// polls harvests each node's peer sources once, in order, and checks
// each poll applied (ok) or found nothing new (not_modified).
func polls(t *testing.T, wantStatus string, edges ...[2]*node) {
	t.Helper()
	for _, e := range edges {
		s := e[0].harvest(t, "from-"+e[1].name)
		if s.Status != wantStatus && !(wantStatus == "" && (s.Status == "ok" || s.Status == "not_modified")) {
			t.Fatalf("%s polling %s: %s %s", e[0].name, e[1].name, s.Status, s.LastError)
		}
	}
}

// TestFederation is issue 19's acceptance point 1: three real serve
// processes, each on its SQLite, read each other's feeds in a ring
// (B reads A, C reads B, A reads C), then in a star around B (B reads A
// and C, A and C read B). An edit of a source record at A reaches C in
// two polls; a deletion arrives as a tombstone; a merge at A as a
// retirement into the survivor; ten quiet rounds change no count and
// carry nothing (every poll finds nothing new); a B killed mid-snapshot
// resumes from its checkpoint and ends with the lieux of a B that was not.
func TestFederation(t *testing.T) {
	recs := ncRecords(t)
	own := map[string][]map[string]any{"a": recs[:60], "c": recs[60:]}
	t.Run("ring", func(t *testing.T) {
		a := newNode(t, "a", own["a"], 1000)
		b := newNode(t, "b", nil, 1000, a)
		c := newNode(t, "c", own["c"], 1000, b)
		// A has a second source, whose one record will become a duplicate
		// of one of A's own: a merge at A
		extra := clone(own["a"][4], "id", "x-1", "nom", "Cyber-base de Dumbéa", "adresse", "12 rue des Cerisiers",
			"latitude", -22.15, "longitude", 166.45, "commune", "Dumbéa", "code_postal", "98835", "code_insee", "98805", "telephone", "+687410000")
		writeRecords(t, filepath.Join(a.dir, "extra.json"), []map[string]any{extra})
		a.writeConfig(t, "log_level: warn\nsync_on_start: false\nschedule: \"@every 24h\"\nsources:\n  - name: local\n    kind: file\n    location: "+
			filepath.Join(a.dir, "local.json")+"\n  - name: extra\n    kind: file\n    location: "+filepath.Join(a.dir, "extra.json")+"\n", 1000, c)
		for _, n := range []*node{a, b, c} {
			n.start(t)
		}
		a.harvest(t, "local")
		a.harvest(t, "extra")
		c.harvest(t, "local")
		ring := [][2]*node{{b, a}, {c, b}, {a, c}}
		polls(t, "ok", ring...)
		settle(t, ring)
		sameCounts(t, a, b, c)
		checkFederation(t, a, b, c)
		quiet(t, []*node{a, b, c}, [][2]*node{{b, a}, {c, b}, {a, c}})

		// an edit and a deletion of A's records, and its extra record the
		// same place as another: a merge
		edited := slices.Clone(own["a"])
		edited[0] = clone(edited[0], "nom", "Espace municipal de Rivière Salée — salle numérique")
		deleted := edited[6]["id"]
		edited = slices.Delete(edited, 6, 7)
		writeRecords(t, filepath.Join(a.dir, "local.json"), edited)
		writeRecords(t, filepath.Join(a.dir, "extra.json"), []map[string]any{clone(own["a"][4], "id", "x-1")})
		a.harvest(t, "local")
		a.harvest(t, "extra")
		atA := a.byID(t)
		var mergedAt, survivorAt, deletedAt, editedAt string
		for id, l := range atA {
			switch {
			case l.Type == "retired":
				mergedAt, survivorAt = id, l.Survivor
			case l.Type == "deleted":
				deletedAt = id
			case strings.HasSuffix(l.Nom, "salle numérique"):
				editedAt = id
			}
		}
		if mergedAt == "" || deletedAt == "" || editedAt == "" {
			t.Fatalf("at A: merged %q, deleted %q (record %v), edited %q", mergedAt, deletedAt, deleted, editedAt)
		}
		polls(t, "ok", [2]*node{b, a}, [2]*node{c, b}) // two polls
		atC, liveC := c.byID(t), c.live(t)
		if l, ok := liveC[a.id+"/"+editedAt]; !ok || !strings.HasSuffix(l.Nom, "salle numérique") {
			t.Errorf("the edit at A did not reach C in two polls: %+v", l)
		}
		if _, ok := liveC[a.id+"/"+deletedAt]; ok {
			t.Errorf("the deletion at A did not reach C")
		}
		var tombstone, retired bool
		survivorAtC := liveC[a.id+"/"+survivorAt].ID
		for _, l := range atC {
			tombstone = tombstone || l.Type == "deleted"
			retired = retired || (l.Type == "retired" && l.Survivor == survivorAtC && survivorAtC != "")
		}
		if !tombstone || !retired {
			t.Errorf("at C: a tombstone %v, a retirement into %q (the survivor at A %s) %v", tombstone, survivorAtC, survivorAt, retired)
		}
		settle(t, ring)
		quiet(t, []*node{a, b, c}, [][2]*node{{b, a}, {c, b}, {a, c}})
	})

	t.Run("star around B, and B killed mid-snapshot", func(t *testing.T) {
		a := newNode(t, "a", own["a"], 1000)
		c := newNode(t, "c", own["c"], 1000)
		b := newNode(t, "b", nil, 1000, a, c)
		head := func(n *node) string {
			return "log_level: warn\nsync_on_start: false\nschedule: \"@every 24h\"\nsources:\n  - name: local\n    kind: file\n    location: " +
				filepath.Join(n.dir, "local.json") + "\n"
		}
		a.writeConfig(t, head(a), 1000, b)
		c.writeConfig(t, head(c), 1000, b)
		for _, n := range []*node{a, b, c} {
			n.start(t)
		}
		a.harvest(t, "local")
		c.harvest(t, "local")
		star := [][2]*node{{b, a}, {b, c}, {a, b}, {c, b}}
		polls(t, "ok", star...)
		settle(t, star)
		sameCounts(t, a, b, c)
		checkFederation(t, a, b, c)
		quiet(t, []*node{a, b, c}, star)

		// another B reads A ten lieux a page, and is killed after the
		// first page
		k := newNode(t, "k", nil, 10, a)
		k.start(t, "MAILLAGE_FAILPOINT=peer-page")
		k.trigger(t, "from-a")
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(k.out.String(), "failpoint peer-page") {
			if time.Now().After(deadline) {
				t.Fatal("k never reached the failpoint")
			}
			time.Sleep(20 * time.Millisecond)
		}
		k.kill(t)
		k.start(t)
		s := k.source(t, "from-a")
		if s.Peer == nil || s.Peer.Position == 0 || s.Peer.Complete {
			t.Fatalf("after the kill, k's checkpoint: %+v", s)
		}
		if s := k.harvest(t, "from-a"); s.Status != "ok" || !s.Peer.Complete {
			t.Fatalf("k resumed: %+v", s)
		}
		code, stdout, stderr := runCLI(t, t.Context(), map[string]string{"MAILLAGE_DB": filepath.Join(k.dir, "maillage.db"), "MAILLAGE_GEOCODER_URL": "off"},
			"sources", "--config", filepath.Join(k.dir, "config.yaml"))
		if code != 0 || !strings.Contains(stdout, "PEER SOURCE") || !regexp.MustCompile(`from-a +`+a.id+` +\d+ +complete `).MatchString(stdout) {
			t.Errorf("maillage sources: %d %s\n%s", code, stdout, stderr)
		}
		want, got := b.live(t), k.live(t)
		var wantNames, gotNames []string
		for key, l := range want {
			if strings.HasPrefix(key, a.id+"/") || strings.HasPrefix(key, c.id+"/") {
				wantNames = append(wantNames, key+" "+l.Nom)
			}
		}
		for key, l := range got {
			gotNames = append(gotNames, key+" "+l.Nom)
		}
		slices.Sort(wantNames)
		slices.Sort(gotNames)
		if !slices.Equal(wantNames, gotNames) {
			t.Errorf("k resumed with %d lieux, B has %d:\n%v\n%v", len(gotNames), len(wantNames), gotNames, wantNames)
		}
	})
}

// sameCounts: every instance publishes the same number of lieux, that of
// the places the instances' own records describe (the 90 records hold a
// few duplicates, which dedup merges wherever they meet).
func sameCounts(t *testing.T, nodes ...*node) {
	t.Helper()
	want := len(nodes[0].live(t))
	for _, n := range nodes {
		if got := len(n.live(t)); got != want || got < 85 || got > 90 {
			t.Fatalf("%s publishes %d lieux, %s %d", n.name, got, nodes[0].name, want)
		}
	}
}

func clone(rec map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range rec {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// checkFederation: a lieu from elsewhere names its first publisher as
// origin, and in via the other instances whose data it holds or came
// through, this one last; a lieu of this instance names none but the
// peers whose data it holds.
func checkFederation(t *testing.T, nodes ...*node) {
	t.Helper()
	for _, n := range nodes {
		for key, l := range n.live(t) {
			local, via := l.Origin.Instance == n.id, l.Via
			if !local {
				if len(via) == 0 || via[len(via)-1] != n.id {
					t.Errorf("%s: %s came from elsewhere, but via %v", n.name, key, via)
					continue
				}
				via = via[:len(via)-1]
			}
			if slices.Contains(via, n.id) || slices.Contains(via, l.Origin.Instance) {
				t.Errorf("%s: %s has via %v", n.name, key, l.Via)
			}
		}
	}
}

// settle polls round the edges until a whole round finds nothing new
// (what each read goes round: a value travels a path that visits each
// instance once, so a federation of n instances settles within n rounds).
func settle(t *testing.T, edges [][2]*node) {
	t.Helper()
	for round := range len(edges) + 1 {
		news := 0
		for _, e := range edges {
			s := e[0].harvest(t, "from-"+e[1].name)
			switch s.Status {
			case "ok":
				news++
			case "not_modified":
			default:
				t.Fatalf("%s polling %s: %s %s", e[0].name, e[1].name, s.Status, s.LastError)
			}
		}
		if news == 0 {
			t.Logf("settled after %d rounds", round)
			return
		}
	}
	t.Fatalf("the federation did not settle in %d rounds", len(edges)+1)
}

// quiet runs ten rounds of polls with nothing new anywhere: every poll
// finds nothing (not_modified: no change, so no record, came) and no
// instance's count of lieux moves.
func quiet(t *testing.T, nodes []*node, edges [][2]*node) {
	t.Helper()
	counts := map[string]int{}
	for _, n := range nodes {
		counts[n.name] = len(n.live(t))
	}
	for round := range 10 {
		for _, e := range edges {
			if s := e[0].harvest(t, "from-"+e[1].name); s.Status != "not_modified" {
				t.Fatalf("quiet round %d: %s polling %s: %s %s", round+1, e[0].name, e[1].name, s.Status, s.LastError)
			}
		}
	}
	for _, n := range nodes {
		if got := len(n.live(t)); got != counts[n.name] {
			t.Errorf("%s: %d lieux after ten quiet rounds, were %d", n.name, got, counts[n.name])
		}
	}
}
