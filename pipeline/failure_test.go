package pipeline_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo/geocodertest"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

const goodCSV = `id,pivot,nom,commune,code_postal,adresse,date_maj,services
h-1,43493312300029,Médiathèque Jean Jaurès,Nevers,58000,12 rue des Arts,2024-04-02,Aide aux démarches administratives
h-2,,EPN du Marais,Paris,75003,"3 rue Perrée
Bâtiment B",2024-03-01,Accès internet et matériel informatique
h-3,,Sans adresse,Nevers,58000,,2024-03-01,
`

const otherCSV = `id;nom;commune;code_postal;adresse;date_maj
o-1;Tiers-lieu La Fabrique;Lyon;69003;4 rue Paul Bert;2024-01-15
`

// flakySource serves a good CSV first, then the bad payload under test.
type flakySource struct {
	bad    atomic.Bool
	status int
	ctype  string
	body   string
}

func (f *flakySource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !f.bad.Load() {
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte(goodCSV))
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.WriteHeader(f.status)
	w.Write([]byte(f.body))
}

// TestFailingSourceKeepsLastGoodData: each kind of bad input fails its
// source with an error naming it (and the row where there is one); the
// other source is harvested; the failing source's lieux stay published
// exactly as they were.
func TestFailingSourceKeepsLastGoodData(t *testing.T) {
	cases := []struct {
		name   string
		kind   string // "file" or "http"
		status int
		ctype  string
		body   string // bad payload; "" with kind file means: file removed
		want   []string
	}{
		{"missing file", "file", 0, "", "", []string{`source "flaky"`, "no such file"}},
		{"HTTP 500", "http", 500, "text/plain", "boom", []string{`source "flaky"`, "HTTP 500"}},
		{"HTML instead of CSV", "http", 200, "text/html; charset=utf-8", "<!DOCTYPE html><html><title>Maintenance</title></html>", []string{`source "flaky"`, "HTML page"}},
		{"truncated JSON", "file", 0, "", `[{"id":"h-1","nom":"A"},{"id":"h-2",`, []string{`source "flaky"`, "truncated JSON"}},
		{"ragged CSV", "file", 0, "", "id,nom,commune\nh-1,A,Nevers\nh-2,B\n", []string{`source "flaky"`, "CSV row 2 (line 3)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			flakyPath := filepath.Join(dir, "flaky.csv")
			os.WriteFile(flakyPath, []byte(goodCSV), 0o644)
			os.WriteFile(filepath.Join(dir, "other.csv"), []byte(otherCSV), 0o644)
			src := &flakySource{status: c.status, ctype: c.ctype, body: c.body}
			srv := httptest.NewServer(src)
			defer srv.Close()
			flaky := config.Source{Source: harvest.Source{Name: "flaky", Kind: "file", Location: "flaky.csv"}}
			if c.kind == "http" {
				flaky.Source = harvest.Source{Name: "flaky", Kind: "http", Location: srv.URL + "/lieux.csv"}
			}
			cfg := &config.Config{Dir: dir, Sources: []config.Source{flaky,
				{Source: harvest.Source{Name: "other", Kind: "file", Location: "other.csv"}}}}
			st, p, before := synced(t, cfg)
			ctx := context.Background()

			src.bad.Store(true)
			if c.kind == "file" && c.body == "" {
				os.Remove(flakyPath)
			} else if c.kind == "file" {
				os.WriteFile(flakyPath, []byte(c.body), 0o644)
			}
			os.WriteFile(filepath.Join(dir, "other.csv"), []byte(otherCSV+"o-2;Médiathèque;Lyon;69001;1 place X;2024-02-01\n"), 0o644)
			rep, err := p.Run(ctx, cfg, pipeline.Options{})
			if err != nil {
				t.Fatal(err)
			}
			fr, or := rep.Sources[0], rep.Sources[1]
			for _, w := range c.want {
				if fr.Status != store.RunFailed || !strings.Contains(fr.Error, w) {
					t.Errorf("flaky: status %s, error %q, want it to contain %q", fr.Status, fr.Error, w)
				}
			}
			if or.Status != store.RunOK || or.Created != 1 {
				t.Errorf("other source must complete: %+v", or.SourceRun)
			}
			after := snapshot(t, st)
			if before.flaky != after.flaky {
				t.Errorf("flaky's published lieux changed:\n%s\n---\n%s", before.flaky, after.flaky)
			}
			if fr.Current.Records != 3 || fr.Current.Linked != 2 || fr.Current.Quarantined != 1 {
				t.Errorf("flaky keeps its last good records: %+v", fr.Current)
			}
		})
	}
}

type state struct{ flaky string }

// snapshot renders the lieux fed by the flaky source.
// synced is a pipeline on a new store that synced cfg once, and what it
// published.
func synced(t *testing.T, cfg *config.Config) (store.Store, *pipeline.Pipeline, state) {
	t.Helper()
	st := openStore(t)
	p := newPipeline(st, cfg)
	if _, err := p.Run(context.Background(), cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	return st, p, snapshot(t, st)
}

func snapshot(t *testing.T, st store.Store) state {
	t.Helper()
	ctx := context.Background()
	ids := map[string]bool{}
	st.EachLink(ctx, func(l store.Link) error {
		if l.Source == "flaky" {
			ids[l.LieuID] = true
		}
		return nil
	})
	var b bytes.Buffer
	st.EachLieu(ctx, func(r store.LieuRow) error {
		if ids[r.Lieu.ID] {
			b.WriteString(strings.Join(r.Lieu.Row(), ",") + "\n")
		}
		return nil
	})
	if len(ids) != 2 {
		t.Fatalf("flaky feeds %d lieux, want 2", len(ids))
	}
	return state{flaky: b.String()}
}

// TestNotModifiedSourceKeepsData: a 304 answer to the conditional GET
// records the run as not_modified and keeps the source's lieux as they are.
func TestNotModifiedSourceKeepsData(t *testing.T) {
	var conditional atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Store(true)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte(goodCSV))
	}))
	defer srv.Close()
	cfg := &config.Config{Dir: t.TempDir(), Sources: []config.Source{{Source: harvest.Source{Name: "hub", Kind: "http", Location: srv.URL}}}}
	st := openStore(t)
	p := newPipeline(st, cfg)
	ctx := context.Background()
	first, err := p.Run(ctx, cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.Run(ctx, cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := second.Sources[0]
	if !conditional.Load() || s.Status != store.RunNotModified || s.PayloadHash != first.Sources[0].PayloadHash ||
		second.Lieux.Total != 2 || second.Lieux.Unchanged != 2 || s.Current.Records != 3 {
		t.Errorf("second run: conditional=%v %+v lieux %+v", conditional.Load(), s.SourceRun, second.Lieux)
	}
}

// TestUnchangedBodyWithoutValidators: a server that gives no ETag nor
// Last-Modified answers the same bytes: the run costs one request, no
// record is normalised again and the geocoder is not asked.
func TestUnchangedBodyWithoutValidators(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte(goodCSV))
	}))
	defer srv.Close()
	fake, geocoder := geocodertest.Start()
	defer geocoder.Close()
	cfg := &config.Config{Dir: t.TempDir(), Sources: []config.Source{{Source: harvest.Source{Name: "hub", Kind: "http", Location: srv.URL}}}}
	_, p := geocoding(t, cfg, geocoder.URL)
	ctx := context.Background()
	if _, err := p.Run(ctx, cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	requests.Store(0)
	calls := fake.Calls("")
	second, err := p.Run(ctx, cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := second.Sources[0]
	if calls == 0 || fake.Calls("") != calls {
		t.Errorf("geocoder calls: %d on the first run, %d more on the second", calls, fake.Calls("")-calls)
	}
	if requests.Load() != 1 || s.Status != store.RunNotModified || s.Valid+s.Fixed+s.Quarantined != 0 || s.Geocoded != 0 ||
		second.Lieux.Total != 2 || second.Lieux.Unchanged != 2 {
		t.Errorf("second run: %d requests, %+v, lieux %+v", requests.Load(), s.SourceRun, second.Lieux)
	}
}
