package stats

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// handTerritory is a département of four communes on one meridian (a
// degree of latitude is 111.19 km there) and three lieux; every figure
// below is computed by hand from it.
//
//	commune  lat    population  EPCI   lieux
//	A        44.00  1 000       E1     L1 (44.00, free, Saturday), L2 (44.05)
//	B        44.10  3 000       E1     —
//	C        44.30    500       E2     L3 (44.30, free)
//	D        45.00    200       E2     —
func handTerritory() ([]Lieu, []Commune) {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	lieu := func(id string, lat float64, commune, epci string, free, saturday bool, updated string, typo ...string) Lieu {
		return Lieu{ID: id, Lon: 6, Lat: lat, HasPoint: true, Commune: commune, Departement: "05", Region: "93", EPCI: epci,
			Typologies: typo, Free: free, Saturday: saturday, Updated: day(updated)}
	}
	commune := func(code string, lat float64, pop int, epci string) Commune {
		return Commune{Code: code, Name: "Commune " + code, Departement: "05", Region: "93", EPCI: epci, Lon: 6, Lat: lat, HasCentre: true, Population: pop}
	}
	return []Lieu{
			lieu("L1", 44.00, "A", "E1", true, true, "2026-11-01", "MEDIATHEQUE"),
			lieu("L2", 44.05, "A", "E1", false, false, "2025-06-01", "FRANCE_SERVICES", "ASSO"),
			lieu("L3", 44.30, "C", "E2", true, false, "2025-12-01", "MEDIATHEQUE"),
		}, []Commune{
			commune("A", 44.00, 1000, "E1"), commune("B", 44.10, 3000, "E1"),
			commune("C", 44.30, 500, "E2"), commune("D", 45.00, 200, "E2"),
		}
}

func TestHandComputedTerritory(t *testing.T) {
	lieux, communes := handTerritory()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	r := Compute(Scope{Kind: "dep", Code: "05"}, lieux, communes, now, func(kind, code string) string { return kind + " " + code })
	if r.Supply != (Supply{Lieux: 3, Population: 4700, PerTenThousand: 6.38}) {
		t.Errorf("supply %+v", r.Supply)
	}
	// any: A 0, B 5.56 (L2), C 0, D 77.8 (L3); free: B 11.1 (L1);
	// Saturday: B 11.1, C 33.4, D 111.2
	want := []Coverage{
		{"tous", []float64{0.3191, 0.9574, 0.9574}},
		{"gratuits", []float64{0.3191, 0.3191, 0.9574}},
		{"ouverts_le_samedi", []float64{0.2128, 0.2128, 0.8511}},
	}
	if !reflect.DeepEqual(r.Coverage, want) {
		t.Errorf("coverage %+v, want %+v", r.Coverage, want)
	}
	if len(r.Farthest) != 4 || r.Farthest[0].Code != "D" || r.Farthest[0].DistanceKm != 77.8 || r.Farthest[0].Nearest != "L3" ||
		r.Farthest[1].Code != "B" || r.Farthest[1].DistanceKm != 5.6 || r.Farthest[1].Nearest != "L2" {
		t.Errorf("farthest %+v", r.Farthest)
	}
	wantParts := []Territory{
		{Kind: "epci", Code: "E1", Name: "epci E1", Supply: Supply{Lieux: 2, Population: 4000, PerTenThousand: 5}, Within10: 1,
			Freshness: Freshness{MedianDays: (30 + 548) / 2, WithinYear: 0.5}},
		{Kind: "epci", Code: "E2", Name: "epci E2", Supply: Supply{Lieux: 1, Population: 700, PerTenThousand: 14.29}, Within10: 0.7143,
			Freshness: Freshness{MedianDays: 365, WithinYear: 1}},
	}
	if !reflect.DeepEqual(r.Territories, wantParts) {
		t.Errorf("territories %+v\nwant %+v", r.Territories, wantParts)
	}
	if r.Freshness != (Freshness{MedianDays: 365, WithinYear: 0.6667}) {
		t.Errorf("freshness %+v", r.Freshness)
	}
	if !reflect.DeepEqual(r.Typologies, []Count{{"MEDIATHEQUE", 2}, {"ASSO", 1}, {"FRANCE_SERVICES", 1}}) {
		t.Errorf("typologies %+v", r.Typologies)
	}
	other := Compute(Scope{Kind: "dep", Code: "13"}, lieux, communes, now, func(kind, code string) string { return code })
	if other.Lieux != 0 || other.Population != 0 || len(other.Territories) != 0 || other.Freshness.MedianDays != -1 {
		t.Errorf("an empty territory: %+v", other)
	}
}

// TestNearestIsExact: the tree finds the same nearest lieu as a scan of
// every lieu, for points spread over France and beyond.
func TestNearestIsExact(t *testing.T) {
	var lieux []Lieu
	for i := range 400 {
		lon := -5 + math.Mod(float64(i)*7.31, 15)
		lat := 41 + math.Mod(float64(i)*3.17, 10)
		lieux = append(lieux, Lieu{ID: string(rune('a'+i%26)) + string(rune('a'+i/26)), Lon: lon, Lat: lat, HasPoint: true})
	}
	g := newTree(lieux, func(*Lieu) bool { return true })
	for i := range 300 {
		lon, lat := -8+math.Mod(float64(i)*1.93, 22), 39+math.Mod(float64(i)*0.77, 15)
		got := g.nearest(lon, lat)
		want := nearest{km: math.Inf(1)}
		for _, l := range lieux {
			if d := haversineKm(lon, lat, l.Lon, l.Lat); d < want.km || d == want.km && l.ID < want.id {
				want = nearest{km: d, id: l.ID}
			}
		}
		if got.id != want.id || math.Abs(got.km-want.km) > 1e-6 {
			t.Fatalf("(%v, %v): %+v, want %+v", lon, lat, got, want)
		}
	}
}
