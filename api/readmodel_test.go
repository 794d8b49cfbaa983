package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maillage/maillage/store"
)

// countingStore is a real store that counts the calls reading lieux.
type countingStore struct {
	store.Store
	reads atomic.Int64
}

func (c *countingStore) ListLieux(ctx context.Context, q store.LieuQuery) ([]store.LieuRow, error) {
	c.reads.Add(1)
	return c.Store.ListLieux(ctx, q)
}

func (c *countingStore) EachLieu(ctx context.Context, fn func(store.LieuRow) error) error {
	c.reads.Add(1)
	return c.Store.EachLieu(ctx, fn)
}

func (c *countingStore) Lieu(ctx context.Context, id string) (store.LieuRow, error) {
	c.reads.Add(1)
	return c.Store.Lieu(ctx, id)
}

func (c *countingStore) LieuxOf(ctx context.Context, ids []string) ([]store.LieuRow, error) {
	c.reads.Add(1)
	return c.Store.LieuxOf(ctx, ids)
}

func (c *countingStore) Redirect(ctx context.Context, id string) (string, bool, error) {
	c.reads.Add(1)
	return c.Store.Redirect(ctx, id)
}

func (c *countingStore) RetiredLieux(ctx context.Context) ([]store.RetiredLieu, error) {
	c.reads.Add(1)
	return c.Store.RetiredLieux(ctx)
}

func (c *countingStore) Version(ctx context.Context) (store.Version, error) {
	c.reads.Add(1)
	return c.Store.Version(ctx)
}

func (c *countingStore) LieuDigests(ctx context.Context) ([]store.LieuDigest, error) {
	c.reads.Add(1)
	return c.Store.LieuDigests(ctx)
}

// TestRequestsNeverReadTheStore: once the read model is built, no route
// serving lieux reads them from the store.
func TestRequestsNeverReadTheStore(t *testing.T) {
	cs := &countingStore{Store: examplesStore(t)}
	srv := newServer(t, cs)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	if cs.reads.Load() == 0 {
		t.Fatal("building the read model read nothing")
	}
	cs.reads.Store(0)
	ids, _ := allPages(t, ts.URL+"/collections/lieux/items?limit=1000")
	for _, path := range []string{"/", "/collections", "/collections/lieux", "/collections/lieux/queryables", "/collections/lieux/schema", "/api",
		"/collections/lieux/items?near=6.08,44.56&services=aide-aux-demarches-administratives&ouvert_maintenant=true",
		"/collections/lieux/items?filter=nom%20LIKE%20'M%25'", "/collections/lieux/items/" + ids[7], "/api/v1/lieux/" + ids[8],
		"/api/v1/lieux/nope", "/api/v1/suggest?q=gap", "/exports/lieux.csv", "/exports/lieux.geojson", "/healthz"} {
		if resp, body := get(t, ts.URL+path); resp.StatusCode >= 500 {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	if n := cs.reads.Load(); n != 0 {
		t.Errorf("requests read lieux from the store %d times", n)
	}
}

// TestPublicationSwapsAtomically: while publications alternate between
// two generations of the same lieux (every name marked with its
// generation), each followed by a refresh, concurrent requests for the
// whole collection always see one generation whole: never lieux of both,
// never a count of one with the lieux of the other.
func TestPublicationSwapsAtomically(t *testing.T) {
	f := newFixture(t, 300)
	generation := func(g int) store.LieuSet {
		var set store.LieuSet
		n := 300
		if g%2 == 1 {
			n = 250 // the odd generations have fewer lieux too
		}
		for i := range n {
			l := lieu(i)
			l.Lieu.Nom = fmt.Sprintf("Lieu %d gen%d", i, g)
			set.Lieux = append(set.Lieux, l)
		}
		return set
	}
	f.save(t, generation(0))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen, mixed atomic.Int64
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, body := get(t, f.srv.URL+"/collections/lieux/items?limit=1000")
				if resp.StatusCode != 200 {
					t.Errorf("%d %s", resp.StatusCode, body)
					return
				}
				var p page
				if err := json.Unmarshal(body, &p); err != nil {
					t.Error(err)
					return
				}
				gens := map[string]bool{}
				for _, ft := range p.Features {
					gens[ft.Props.Nom[strings.LastIndex(ft.Props.Nom, " ")+1:]] = true
				}
				want := 300
				if gens["gen1"] || gens["gen3"] || gens["gen5"] || gens["gen7"] || gens["gen9"] {
					want = 250
				}
				seen.Add(1)
				if len(gens) != 1 || p.NumberMatched != want || len(p.Features) != want {
					mixed.Add(1)
				}
			}
		})
	}
	deadline := time.Now().Add(3 * time.Second)
	for g := 1; time.Now().Before(deadline); g = (g + 1) % 10 {
		f.save(t, generation(g)) // saves, then refreshes the read model
	}
	close(stop)
	wg.Wait()
	if seen.Load() < 20 || mixed.Load() != 0 {
		t.Errorf("%d answers, %d mixing two publications", seen.Load(), mixed.Load())
	}
}
