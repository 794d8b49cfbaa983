package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/maillage/maillage/internal/failpoint"
	"github.com/maillage/maillage/internal/pgtest"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/postgres"
	"github.com/maillage/maillage/store/sqlite"
)

var exports = []string{"lieux.csv", "lieux.geojson", "provenance.csv"}

// crashSite is a database, a source file and an output directory.
type crashSite struct {
	env     []string
	backend string
	db      string // SQLite path or PostgreSQL URL
	src     string
	config  string
	out     string
}

func newCrashSite(t *testing.T, backend string) *crashSite {
	dir := t.TempDir()
	s := &crashSite{backend: backend, src: filepath.Join(dir, "src.json"), config: filepath.Join(dir, "config.yaml"), out: filepath.Join(dir, "out")}
	if backend == "postgres" {
		s.db = pgtest.Database(t, nil)
		s.env = []string{"DATABASE_URL=" + s.db}
	} else {
		s.db = filepath.Join(dir, "m.db")
		s.env = []string{"MAILLAGE_DB=" + s.db}
	}
	s.env = append(s.env, "MAILLAGE_GEOCODER_URL=off", "MAILLAGE_LOG_LEVEL=warn")
	os.WriteFile(s.config, []byte("sources:\n  - name: nc\n    kind: file\n    location: "+s.src+"\n"), 0o644)
	return s
}

// versions gives the source's two states: the Nouvelle-Calédonie example,
// then the same without its first ten records and with a renamed one.
func versions(t *testing.T) (v1, v2 []byte) {
	raw, err := os.ReadFile("../../examples/nouvelle-caledonie-20240320.json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(raw, &recs); err != nil {
		t.Fatal(err)
	}
	v1, _ = json.Marshal(recs)
	recs = recs[10:]
	recs[0]["nom"] = "Espace numérique renommé"
	v2, _ = json.Marshal(recs)
	return v1, v2
}

// sync runs a sync to its end, or up to the failpoint and kills it there.
func (s *crashSite) sync(t *testing.T, src []byte, killAt string) {
	t.Helper()
	os.WriteFile(s.src, src, 0o644)
	cmd := exec.Command(os.Args[0], "sync", "--config", s.config, "--out", s.out)
	cmd.Env = append(append(os.Environ(), s.env...), beMain+"=1", "MAILLAGE_FAILPOINT="+killAt)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan bool, 1)
	var said bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			said.WriteString(sc.Text() + "\n")
			if killAt != "" && sc.Text() == "failpoint "+killAt {
				reached <- true
				return
			}
		}
		reached <- false
	}()
	select {
	case ok := <-reached:
		if killAt == "" {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("sync: %v\n%s", err, said.String())
			}
			return
		}
		if !ok {
			cmd.Wait()
			t.Fatalf("sync ended before failpoint %s:\n%s", killAt, said.String())
		}
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("sync hung:\n%s", said.String())
	}
}

func (s *crashSite) files(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range exports {
		b, err := os.ReadFile(filepath.Join(s.out, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// lieuIDs lists the published lieux the store shows.
func (s *crashSite) lieuIDs(t *testing.T) []string {
	ctx := context.Background()
	var st store.Store
	var err error
	if s.backend == "postgres" {
		st, err = postgres.Open(ctx, s.db, postgres.Options{})
	} else {
		st, err = sqlite.Open(ctx, s.db)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []string
	if err := st.EachLieu(ctx, func(r store.LieuRow) error { ids = append(ids, r.Lieu.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	return ids
}

// csvIDs lists the ids of an exported lieux.csv.
func csvIDs(t *testing.T, b []byte) []string {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows[1:] {
		ids = append(ids, r[0])
	}
	slices.Sort(ids)
	return ids
}

// TestSyncKilledAnywhere is issue 7's acceptance point 4: a sync killed
// with SIGKILL while fetching, inside the store's transaction or while
// exporting leaves the old or the new lieux (never a mix), each file old
// or new, and the next sync ends as an uninterrupted one; on both stores.
func TestSyncKilledAnywhere(t *testing.T) {
	v1, v2 := versions(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ref := newCrashSite(t, backend)
			ref.sync(t, v1, "")
			old := ref.files(t)
			ref.sync(t, v2, "")
			fresh := ref.files(t)
			oldIDs, newIDs := csvIDs(t, old["lieux.csv"]), csvIDs(t, fresh["lieux.csv"])
			if slices.Equal(oldIDs, newIDs) {
				t.Fatal("the two versions publish the same lieux: the test would prove nothing")
			}
			for _, point := range []string{failpoint.Fetch, failpoint.StoreWrite, failpoint.Export} {
				t.Run(point, func(t *testing.T) {
					s := newCrashSite(t, backend)
					s.sync(t, v1, "")
					s.sync(t, v2, point)
					if ids := s.lieuIDs(t); !slices.Equal(ids, oldIDs) && !slices.Equal(ids, newIDs) {
						t.Errorf("after the kill the store shows %d lieux, neither the old %d nor the new %d", len(ids), len(oldIDs), len(newIDs))
					}
					for f, b := range s.files(t) {
						if !bytes.Equal(b, old[f]) && !bytes.Equal(b, fresh[f]) {
							t.Errorf("after the kill %s is neither the old nor the new file (%d bytes)", f, len(b))
						}
					}
					s.sync(t, v2, "")
					for f, b := range s.files(t) {
						if !bytes.Equal(b, fresh[f]) {
							t.Errorf("the run after the kill wrote another %s than an uninterrupted run", f)
						}
					}
					if leftovers, _ := filepath.Glob(filepath.Join(s.out, ".lieux*")); len(leftovers) > 0 {
						t.Errorf("temporary files left: %v", leftovers)
					}
				})
			}
		})
	}
}
