package readmodel

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
)

// model builds a model from a real SQLite store holding lieux.
func model(t *testing.T, lieux ...schema.Lieu) *Model {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var set store.LieuSet
	for _, l := range lieux {
		set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: l})
	}
	if _, err := st.SaveLieux(context.Background(), set, time.Now()); err != nil {
		t.Fatal(err)
	}
	m, err := Build(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func at(id string, lon, lat float64) schema.Lieu {
	return schema.Lieu{ID: id, Nom: "Lieu " + id, Longitude: &lon, Latitude: &lat, DateMaj: "2024-01-01"}
}

func ids(p Page) []string {
	var out []string
	for _, h := range p.Hits {
		out = append(out, h.ID())
	}
	return out
}

// TestPagesByDistance: pages of a search around a point follow one
// another without skipping or repeating, forwards (After) and backwards
// (Before), lieux at the same distance ordered by id.
func TestPagesByDistance(t *testing.T) {
	var lieux []schema.Lieu
	for i := range 12 {
		lieux = append(lieux, at(fmt.Sprintf("l%02d", i), 6+float64(i%6)*0.01, 44))
	}
	m := model(t, lieux...)
	q := Query{Near: &Point{6, 44}, Radius: 5000, Limit: 5}
	var got []string
	var pages []Page
	for p := m.Search(q); ; {
		pages = append(pages, p)
		got = append(got, ids(p)...)
		if !p.More {
			break
		}
		last := p.Hits[len(p.Hits)-1]
		q.After = &Cursor{ID: last.ID(), Distance: last.Distance, ByDistance: true}
		p = m.Search(q)
	}
	want := []string{"l00", "l06", "l01", "l07", "l02", "l08", "l03", "l09", "l04", "l10", "l05", "l11"}
	if !slices.Equal(got, want) || len(pages) != 3 || pages[0].Matched != 12 {
		t.Fatalf("forwards: %v in %d pages, want %v", got, len(pages), want)
	}
	first := pages[2].Hits[0]
	back := m.Search(Query{Near: &Point{6, 44}, Radius: 5000, Limit: 5, Before: &Cursor{ID: first.ID(), Distance: first.Distance, ByDistance: true}})
	if !slices.Equal(ids(back), want[5:10]) || !back.Less || !back.More {
		t.Errorf("backwards from %s: %v (less %v, more %v), want %v", first.ID(), ids(back), back.Less, back.More, want[5:10])
	}
}

// TestFeatureWith: a member added first to the properties keeps the
// Feature valid JSON.
func TestFeatureWith(t *testing.T) {
	m := model(t, at("a", 1, 2))
	var b strings.Builder
	m.Entry(0).WriteFeatureWith(&b, []byte(`"distance_m":12`))
	got := b.String()
	if want := `"properties":{"distance_m":12,"id":"a"`; !strings.Contains(got, want) {
		t.Errorf("%s\nwant it to hold %s", got, want)
	}
}

func TestWithinEdits(t *testing.T) {
	cases := []struct {
		a, b string
		k    int
		want bool
	}{
		{"mediateque", "mediatheque", 2, true},
		{"mediateque", "mediatheques", 2, true},
		{"mairei", "mairie", 1, false}, // a transposition is two edits
		{"mairei", "mairie", 2, true},
		{"gap", "gap", 0, true},
		{"poste", "postes", 1, true},
		{"poste", "pasteur", 1, true}, // « paste », a start of it, is one edit away
		{"poste", "maison", 1, false},
		{"numeriqe", "numerique", 2, true},
		{"numerique", "numerik", 2, false}, // three edits
		{"abcdefgh", "zzzzzzzz", 2, false},
	}
	for _, c := range cases {
		if got := withinEdits(c.a, c.b, c.k); got != c.want {
			t.Errorf("withinEdits(%q, %q, %d) = %v, want %v", c.a, c.b, c.k, got, c.want)
		}
	}
}

// TestZonesAndHolidays: each territory's hours are read at its own clock,
// with its own public holidays.
func TestZonesAndHolidays(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	cases := []struct {
		name  string
		lieu  schema.Lieu
		zone  string
		local string // a local date and time
		open  bool
	}{
		{"Paris, a weekday", schema.Lieu{CodePostal: "75011", Horaires: "Mo-Fr 09:00-17:00"}, "Europe/Paris", "2026-12-08T10:00", true},
		{"Paris, Christmas", schema.Lieu{CodePostal: "75011", Horaires: "Mo-Fr 09:00-17:00"}, "Europe/Paris", "2026-12-25T10:00", false},
		{"Paris, Christmas, open on PH", schema.Lieu{CodePostal: "75011", Horaires: "Mo-Fr 09:00-17:00; PH 10:00-12:00"}, "Europe/Paris", "2026-12-25T11:00", true},
		{"Strasbourg, Saint-Étienne", schema.Lieu{CodePostal: "67000", Horaires: "Mo-Sa 09:00-17:00"}, "Europe/Paris", "2026-12-26T10:00", false},
		{"Paris, Saint-Étienne", schema.Lieu{CodePostal: "75011", Horaires: "Mo-Sa 09:00-17:00"}, "Europe/Paris", "2026-12-26T10:00", true},
		{"Metz, Good Friday", schema.Lieu{CodeINSEE: "57463", Horaires: "Mo-Fr 09:00-17:00"}, "Europe/Paris", "2027-03-26T10:00", false},
		{"Réunion, 20 December", schema.Lieu{CodePostal: "97400", Horaires: "Mo-Su 09:00-17:00"}, "Indian/Reunion", "2026-12-20T10:00", false},
		{"Réunion, 21 December", schema.Lieu{CodePostal: "97400", Horaires: "Mo-Su 09:00-17:00"}, "Indian/Reunion", "2026-12-21T10:00", true},
		{"Nouméa", schema.Lieu{Territoire: &schema.Territoire{Departement: "988"}, Horaires: "Mo-Fr 07:30-11:30"}, "Pacific/Noumea", "2026-12-07T07:45", true},
		{"Guyane, 10 June", schema.Lieu{CodePostal: "97300", Horaires: "Mo-Su 08:00-12:00"}, "America/Cayenne", "2027-06-10T09:00", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.lieu.ID = "x"
			d, err := newDraft(store.LieuRow{Lieu: c.lieu}, &exporters.CSVRenderer{})
			if err != nil {
				t.Fatal(err)
			}
			var m Model
			if err := m.compact([]draft{d}); err != nil {
				t.Fatal(err)
			}
			e := m.Entry(0)
			if e.Zone().String() != c.zone {
				t.Errorf("zone %s, want %s", e.Zone(), c.zone)
			}
			local, _ := time.ParseInLocation("2006-01-02T15:04", c.local, e.Zone())
			if got := e.OpenAt(local.In(paris)); got != c.open {
				t.Errorf("open at %s there: %v, want %v", c.local, got, c.open)
			}
		})
	}
}

func TestCellNames(t *testing.T) {
	if len(cellNames) != cellCount {
		t.Fatalf("%d cell names, cellCount %d", len(cellNames), cellCount)
	}
}

// TestChordsGiveTheHaversineDistance: the chord a search by distance
// compares converts to the great-circle distance Distance gives, and a
// radius to the chord that bounds it, from a metre to the antipode.
func TestChordsGiveTheHaversineDistance(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		lon1, lat1 := rnd.Float64()*360-180, rnd.Float64()*180-90
		scale := math.Pow(10, rnd.Float64()*7-5) // from about 1 m to the other side
		lon2, lat2 := lon1+(rnd.Float64()*2-1)*scale*180, math.Max(-90, math.Min(90, lat1+(rnd.Float64()*2-1)*scale*90))
		want := Distance(lon1, lat1, lon2, lat2)
		c2 := chord2(unitVector(lon1, lat1), unitVector(lon2, lat2))
		if got := chordDistance(c2); math.Abs(got-want) > 1e-6*math.Max(1, want) {
			t.Fatalf("(%g %g) (%g %g): chord gives %.6f m, haversine %.6f m", lon1, lat1, lon2, lat2, got, want)
		}
		if r := want * 1.000001; c2 > chord2OfDistance(r) {
			t.Fatalf("(%g %g) (%g %g) at %.3f m: outside the chord of a radius of %.3f m", lon1, lat1, lon2, lat2, want, r)
		}
	}
}
