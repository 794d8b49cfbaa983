package geo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/geo/geocodertest"
)

func entries(f *geocodertest.Fake, typ string, n int) []geocodertest.Entry {
	var out []geocodertest.Entry
	for _, e := range f.Entries() {
		if e.Type == typ && e.QueryPostcode == e.Postcode && len(out) < n {
			out = append(out, e)
		}
	}
	return out
}

func TestGeocoderBatchSearchReverse(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	known := entries(f, "housenumber", 4)
	var qs []geo.Query
	for _, e := range known {
		qs = append(qs, geo.Query{Address: e.QueryAddress, Postcode: e.Postcode, City: e.QueryCity, CityCode: e.CityCode})
	}
	qs = append(qs, geo.Query{Address: "1 impasse introuvable", Postcode: "75001", City: "Paris"})
	g := geo.NewGeocoder(geo.GeocoderOptions{BaseURL: srv.URL, BatchSize: 2})
	res, err := g.Batch(context.Background(), qs)
	if err != nil || len(res) != 5 {
		t.Fatalf("%v %d results", err, len(res))
	}
	for i, e := range known {
		if !res[i].Found || res[i].Label != e.Label || res[i].Lat != e.Lat || res[i].CityCode != e.CityCode {
			t.Errorf("query %d: %+v, want %s", i, res[i], e.Label)
		}
	}
	if res[4].Found || f.Calls("/search/csv") != 3 {
		t.Errorf("unknown address %+v; %d batch calls for 5 rows by 2", res[4], f.Calls("/search/csv"))
	}
	one, err := g.Search(context.Background(), qs[0])
	if err != nil || one.Label != known[0].Label {
		t.Errorf("search: %v %+v", err, one)
	}
	rev, err := g.Reverse(context.Background(), known[1].Lat, known[1].Lon)
	if err != nil || rev.CityCode != known[1].CityCode {
		t.Errorf("reverse: %v %+v", err, rev)
	}
}

func TestGeocoderFaults(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	q := []geo.Query{{Address: "1 rue X", Postcode: "75001"}}
	cases := []struct {
		name    string
		fault   geocodertest.Fault
		wait    time.Duration
		calls   int64
		minTime time.Duration
	}{
		{"500 retried then given up", geocodertest.ServerError, 0, 3, 0},
		{"429 waits Retry-After", geocodertest.TooManyRequests, time.Second, 2, time.Second},
		{"refused connections", geocodertest.Refuse, 0, 3, 0},
		{"hang past the timeout", geocodertest.Hang, 2 * time.Second, 3, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			retries := 2
			if c.fault == geocodertest.TooManyRequests {
				retries = 1
			}
			g := geo.NewGeocoder(geo.GeocoderOptions{BaseURL: srv.URL, Timeout: 150 * time.Millisecond, Retries: retries, Backoff: 10 * time.Millisecond})
			f.SetFault(c.fault, c.wait)
			before := f.Calls("/search/csv")
			start := time.Now()
			_, err := g.Batch(context.Background(), q)
			if !errors.Is(err, geo.ErrGeocoder) || f.Calls("/search/csv")-before != c.calls || time.Since(start) < c.minTime {
				t.Errorf("err %v, %d calls in %v", err, f.Calls("/search/csv")-before, time.Since(start))
			}
		})
	}
	f.SetFault(geocodertest.NoFault, 0)
}

func TestGeocoderRateLimit(t *testing.T) {
	_, srv := geocodertest.Start()
	defer srv.Close()
	g := geo.NewGeocoder(geo.GeocoderOptions{BaseURL: srv.URL, RatePerSecond: 20})
	start := time.Now()
	for range 11 {
		g.Reverse(context.Background(), 45, 5)
	}
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Errorf("11 requests at 20/s took %v", d)
	}
}

func TestPolicy(t *testing.T) {
	cases := []struct {
		r      geo.Result
		expect string
		ok     bool
	}{
		{geo.Result{Found: true, Score: 0.9, Type: "housenumber", CityCode: "75056"}, "75056", true},
		{geo.Result{Found: true, Score: 0.8, Type: "street", CityCode: "75056"}, "", true},
		{geo.Result{Found: true, Score: 0.7, Type: "housenumber", CityCode: "75056"}, "75056", false},
		{geo.Result{Found: true, Score: 0.95, Type: "municipality", CityCode: "75056"}, "75056", false},
		{geo.Result{Found: true, Score: 0.95, Type: "housenumber", CityCode: "69123"}, "75056", false},
		{geo.Result{}, "", false},
	}
	for _, c := range cases {
		if got := geo.DefaultPolicy.Accept(c.r, c.expect); got != c.ok {
			t.Errorf("Accept(%+v, %q) = %v", c.r, c.expect, got)
		}
	}
}

func TestGeocoderReverseBatch(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	known := entries(f, "housenumber", 3)
	var pts []geo.Point
	for _, e := range known {
		pts = append(pts, geo.Point{Lat: e.Lat + 0.00005, Lon: e.Lon}) // ~5 m away
	}
	pts = append(pts, geo.Point{Lat: 45, Lon: -5}) // Bay of Biscay
	g := geo.NewGeocoder(geo.GeocoderOptions{BaseURL: srv.URL, BatchSize: 3})
	res, err := g.ReverseBatch(context.Background(), pts)
	if err != nil || len(res) != 4 {
		t.Fatalf("%v %d results", err, len(res))
	}
	for i, e := range known {
		if !res[i].Found || res[i].CityCode != e.CityCode || res[i].Lat != e.Lat || res[i].Type != e.Type || res[i].Label != e.Label {
			t.Errorf("point %d: %+v, want %s (%s)", i, res[i], e.Label, e.CityCode)
		}
	}
	if res[3].Found || f.Calls("/reverse/csv") != 2 {
		t.Errorf("point at sea %+v; %d batch calls for 4 points by 3", res[3], f.Calls("/reverse/csv"))
	}
}
