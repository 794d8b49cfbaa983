package api_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/maillage/maillage/internal/pgtest"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/postgres"
)

// TestBothStoresServeAlike: the examples' lieux published in SQLite and
// in PostgreSQL give the same answers, byte for byte but for the time
// stamp, to every kind of request.
func TestBothStoresServeAlike(t *testing.T) {
	ctx := context.Background()
	lite := examplesStore(t)
	pg, err := postgres.Open(ctx, pgtest.Database(t, nil), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	var set store.LieuSet
	err = lite.EachLieu(ctx, func(r store.LieuRow) error {
		set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: r.Lieu, Provenance: r.Provenance})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pg.SaveLieux(ctx, set, time.Now()); err != nil {
		t.Fatal(err)
	}
	servers := map[string]*httptest.Server{}
	for name, st := range map[string]store.Store{"sqlite": lite, "postgres": pg} {
		s := newServer(t, st)
		s.PublicURL = "https://lieux.example.fr"
		servers[name] = httptest.NewServer(s.Handler())
		defer servers[name].Close()
	}
	stamp := regexp.MustCompile(`"timeStamp":"[^"]*"`)
	_, first := get(t, servers["sqlite"].URL+"/collections/lieux/items?limit=1&q=mediatheque")
	var p page
	if err := json.Unmarshal(first, &p); err != nil || len(p.Features) == 0 {
		t.Fatalf("%v %s", err, first)
	}
	for _, q := range []string{
		"/collections/lieux/items?limit=500",
		"/collections/lieux/items?bbox=5.9,44.4,6.3,44.7",
		"/collections/lieux/items?near=6.08,44.56&radius=30000&services=aide-aux-demarches-administratives",
		"/collections/lieux/items?adresse=Gap&ouvert_le=2026-12-18T10:00",
		"/collections/lieux/items?q=france%20serv&f=csv",
		"/collections/lieux/items?filter=" + url.QueryEscape("A_OVERLAPS(services, ('Loisirs et créations numériques')) OR commune LIKE 'Nou%'"),
		"/collections/lieux/items/" + p.Features[0].ID,
		"/collections/lieux", "/collections/lieux/queryables",
		"/api/v1/suggest?q=gap",
		"/exports/lieux.csv", "/exports/lieux.geojson",
	} {
		_, a := get(t, servers["sqlite"].URL+q)
		_, b := get(t, servers["postgres"].URL+q)
		if x, y := stamp.ReplaceAll(a, nil), stamp.ReplaceAll(b, nil); string(x) != string(y) {
			t.Errorf("%s: SQLite and PostgreSQL differ (%d and %d bytes)\n%.300s\n%.300s", q, len(a), len(b), x, y)
		}
	}
}
