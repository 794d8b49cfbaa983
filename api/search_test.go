package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema/hours"
	"github.com/maillage/maillage/store"
)

// page is the part of an items answer the search tests read.
type page struct {
	Features []struct {
		ID    string `json:"id"`
		Props struct {
			Nom      string   `json:"nom"`
			Distance *float64 `json:"distance_m"`
		} `json:"properties"`
	} `json:"features"`
	NumberMatched  int      `json:"numberMatched"`
	NumberReturned int      `json:"numberReturned"`
	Notes          []string `json:"notes"`
	Links          []struct{ Href, Rel string }
}

func (p page) link(rel string) string {
	for _, l := range p.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// allPages follows the next links of a search from its first page and
// returns the ids in order, checking numberMatched on every page.
func allPages(t *testing.T, first string) ([]string, page) {
	t.Helper()
	var ids []string
	var p, head page
	for u := first; u != ""; u = p.link("next") {
		resp, body := get(t, u)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, body)
		}
		p = page{}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if u == first {
			head = p
		} else if p.NumberMatched != head.NumberMatched {
			t.Fatalf("%s: numberMatched %d, first page %d", u, p.NumberMatched, head.NumberMatched)
		}
		for _, f := range p.Features {
			ids = append(ids, f.ID)
		}
		if len(ids) > 100000 {
			t.Fatal("endless pages")
		}
	}
	if len(ids) != head.NumberMatched {
		t.Errorf("%s: %d lieux over the pages, numberMatched %d", first, len(ids), head.NumberMatched)
	}
	if back := backPages(t, p); !slices.Equal(back, ids[:len(ids)-len(p.Features)]) {
		t.Errorf("%s: the prev links from the last page give %d lieux, the next links %d before it", first, len(back), len(ids)-len(p.Features))
	}
	return ids, head
}

// backPages follows the prev links from a page to the first and returns
// the ids before that page, in order. It asks pages of 17 (a cursor holds
// no limit), so that the pages back do not line up with those forward.
func backPages(t *testing.T, last page) []string {
	t.Helper()
	var pages [][]string
	for u, n := withLimit(t, last.link("prev"), 17), 0; u != ""; n++ {
		resp, body := get(t, u)
		var p page
		if resp.StatusCode != 200 || json.Unmarshal(body, &p) != nil || n > 10000 {
			t.Fatalf("%s: %d %.200s", u, resp.StatusCode, body)
		}
		var ids []string
		for _, f := range p.Features {
			ids = append(ids, f.ID)
		}
		pages = append(pages, ids)
		u = withLimit(t, p.link("prev"), 17)
	}
	slices.Reverse(pages)
	return slices.Concat(pages...)
}

// withLimit is a link with another limit ("" stays "").
func withLimit(t *testing.T, link string, limit int) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query()
	v.Set("limit", strconv.Itoa(limit))
	u.RawQuery = v.Encode()
	return u.String()
}

// oracle selects lieux the slow way, from the store: every lieu checked,
// distances by its own haversine.
type oracle struct {
	lieux []store.LieuRow
}

func newOracle(t *testing.T, st store.Store) *oracle {
	o := &oracle{}
	if err := st.EachLieu(context.Background(), func(r store.LieuRow) error { o.lieux = append(o.lieux, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return o
}

// cond is a condition on a lieu; with a point, the oracle sorts by
// distance from it and keeps those within radius.
type cond func(r *store.LieuRow) bool

func (o *oracle) ids(c cond, near *[2]float64, radius float64) []string {
	type hit struct {
		id string
		d  float64
	}
	var hits []hit
	for i := range o.lieux {
		r := &o.lieux[i]
		if !c(r) {
			continue
		}
		h := hit{id: r.Lieu.ID}
		if near != nil {
			if r.Lieu.Latitude == nil || r.Lieu.Longitude == nil {
				continue
			}
			h.d = haversine(near[0], near[1], *r.Lieu.Longitude, *r.Lieu.Latitude)
			if h.d > radius {
				continue
			}
		}
		hits = append(hits, h)
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.d != b.d {
			return map[bool]int{true: -1, false: 1}[a.d < b.d]
		}
		return strings.Compare(a.id, b.id)
	})
	out := []string{}
	for _, h := range hits {
		out = append(out, h.id)
	}
	return out
}

func haversine(lon1, lat1, lon2, lat2 float64) float64 {
	rad := math.Pi / 180
	a := math.Pow(math.Sin((lat2-lat1)*rad/2), 2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Pow(math.Sin((lon2-lon1)*rad/2), 2)
	return 2 * 6371008.8 * math.Asin(math.Sqrt(a))
}

func all(cs ...cond) cond {
	return func(r *store.LieuRow) bool {
		for _, c := range cs {
			if !c(r) {
				return false
			}
		}
		return true
	}
}

func inBox(b [4]float64) cond {
	return func(r *store.LieuRow) bool {
		l := r.Lieu
		return l.Longitude != nil && l.Latitude != nil && *l.Longitude >= b[0] && *l.Longitude <= b[2] && *l.Latitude >= b[1] && *l.Latitude <= b[3]
	}
}

func holds(get func(r *store.LieuRow) []string, values ...string) cond {
	return func(r *store.LieuRow) bool {
		for _, v := range get(r) {
			for _, w := range values {
				if geo.Fold(v) == geo.Fold(w) {
					return true
				}
			}
		}
		return false
	}
}

func services(r *store.LieuRow) []string { return r.Lieu.Services }
func frais(r *store.LieuRow) []string    { return r.Lieu.FraisACharge }
func departement(r *store.LieuRow) []string {
	if r.Lieu.Territoire == nil {
		return nil
	}
	return []string{r.Lieu.Territoire.Departement}
}

// nameHasPrefixes: every word is the start of a word of the name, or is
// a typo away from one (one edit from 4 letters, two from 8; the first
// letter right), as the API documents.
func nameHasPrefixes(words ...string) cond {
	return func(r *store.LieuRow) bool {
		name := strings.Fields(geo.Fold(r.Lieu.Nom))
		for _, w := range words {
			if !slices.ContainsFunc(name, func(n string) bool { return strings.HasPrefix(n, w) || typo(w, n) }) {
				return false
			}
		}
		return true
	}
}

// typo says whether word w is within its typo budget of name word n or
// of a start of n at least as long as w.
func typo(w, n string) bool {
	budget := 0
	switch rw := len([]rune(w)); {
	case rw >= 8:
		budget = 2
	case rw >= 4:
		budget = 1
	}
	if budget == 0 || w[0] != n[0] {
		return false
	}
	rn := []rune(n)
	for end := len([]rune(w)); end <= len(rn); end++ {
		if levenshtein(w, string(rn[:end])) <= budget {
			return true
		}
	}
	return levenshtein(w, n) <= budget
}

func levenshtein(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range y {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
		}
	}
	return d[len(x)][len(y)]
}

func updatedBetween(from, to string) cond {
	return func(r *store.LieuRow) bool {
		d := r.Lieu.DateMaj
		return len(d) == 10 && (from == "" || d >= from) && (to == "" || d <= to)
	}
}

// zoneOfTest is the zone of a lieu of the examples, from its postcode.
func zoneOfTest(r *store.LieuRow) *time.Location {
	name := "Europe/Paris"
	overseas := map[string]string{"971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
		"974": "Indian/Reunion", "976": "Indian/Mayotte", "987": "Pacific/Tahiti", "988": "Pacific/Noumea"}
	if cp := r.Lieu.CodePostal; len(cp) >= 3 && overseas[cp[:3]] != "" {
		name = overseas[cp[:3]]
	}
	loc, _ := time.LoadLocation(name)
	return loc
}

// openAt: the lieu's hours, read at its own wall clock, say open, and the
// day is no national public holiday (no lieu of the examples mentions PH).
func openAt(at func(loc *time.Location) time.Time) cond {
	return func(r *store.LieuRow) bool {
		s, err := hours.Parse(r.Lieu.Horaires)
		if r.Lieu.Horaires == "" || err != nil {
			return false
		}
		t := at(zoneOfTest(r))
		return !hours.IsPublicHoliday(t) && s.IsOpen(t)
	}
}

// opensDuring holds for a lieu open at some minute of a day (its local
// calendar; a public holiday never, as the examples' hours do not name
// them).
func opensDuring(day string) cond {
	return func(r *store.LieuRow) bool {
		s, err := hours.Parse(r.Lieu.Horaires)
		if r.Lieu.Horaires == "" || err != nil {
			return false
		}
		start, _ := time.ParseInLocation(time.DateOnly, day, zoneOfTest(r))
		if hours.IsPublicHoliday(start) {
			return false
		}
		for m := 0; m < 24*60; m++ {
			if s.IsOpen(start.Add(time.Duration(m) * time.Minute)) {
				return true
			}
		}
		return false
	}
}

func wallClock(layout string) func(*time.Location) time.Time {
	return func(loc *time.Location) time.Time {
		t, _ := time.ParseInLocation("2006-01-02T15:04", layout, loc)
		return t
	}
}

func instant(s string) func(*time.Location) time.Time {
	return func(loc *time.Location) time.Time {
		t, _ := time.Parse(time.RFC3339, s)
		return t.In(loc)
	}
}

func everything(*store.LieuRow) bool { return true }

// TestSearchOnTheExamples: every parameter, alone and combined, on the
// bundled examples' 3 278 lieux, page after page of 40, gives the lieux
// a plain scan of the store gives, in the same order.
func TestSearchOnTheExamples(t *testing.T) {
	st := examplesStore(t)
	srv := newServer(t, st)
	srv.Now = func() time.Time { return time.Date(2026, 12, 8, 10, 30, 0, 0, time.UTC) } // a Tuesday, 11:30 in Paris
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	o := newOracle(t, st)
	gap := [2]float64{6.0794, 44.5594}
	gapCentre := communeCentre(t, "05061")
	paita := [2]float64{166.36928, -22.12885}
	cases := []struct {
		name, query string
		want        cond
		near        *[2]float64
		radius      float64
		atLeast     int
	}{
		{"everything", "", everything, nil, 0, 3000},
		{"bbox around Gap", "bbox=5.9,44.4,6.3,44.7", inBox([4]float64{5.9, 44.4, 6.3, 44.7}), nil, 0, 10},
		{"near a point, 10 km by default", "near=6.0794,44.5594", everything, &gap, 10000, 10},
		{"near a point, 3 km", "near=6.0794,44.5594&radius=3000", everything, &gap, 3000, 3},
		{"around a commune by its INSEE code", "commune=05061&radius=20000", everything, &gapCentre, 20000, 10},
		{"around a place by postcode and name", "adresse=05000%20Gap&radius=20000", everything, &gapCentre, 20000, 10},
		{"around a place by name", "adresse=gap&radius=20000", everything, &gapCentre, 20000, 10},
		{"a service", "services=Aide%20aux%20d%C3%A9marches%20administratives", holds(services, "Aide aux démarches administratives"), nil, 0, 100},
		{"two services, folded", "services=aide-aux-demarches-administratives,PARENTALITE%20ET%20EDUCATION%20AVEC%20LE%20NUMERIQUE",
			holds(services, "Aide aux démarches administratives", "Parentalité et éducation avec le numérique"), nil, 0, 100},
		{"a service and free", "services=Aide%20aux%20d%C3%A9marches%20administratives&frais=gratuit",
			all(holds(services, "Aide aux démarches administratives"), holds(frais, "Gratuit")), nil, 0, 50},
		{"a département", "departement=05", holds(departement, "05"), nil, 0, 40},
		{"a département near a point", "departement=05&near=6.0794,44.5594&radius=50000", holds(departement, "05"), &gap, 50000, 10},
		{"name prefix", "q=mediat", nameHasPrefixes("mediat"), nil, 0, 10},
		{"two name words", "q=france%20serv", nameHasPrefixes("france", "serv"), nil, 0, 100},
		{"a name word with a typo", "q=mediateque", nameHasPrefixes("mediateque"), nil, 0, 10},
		{"a name word and a service", "q=mairie&services=aide-aux-demarches-administratives", all(nameHasPrefixes("mairie"), holds(services, "Aide aux démarches administratives")), nil, 0, 1},
		{"updated since", "datetime=2023-01-01/..", updatedBetween("2023-01-01", ""), nil, 0, 10},
		{"updated until", "datetime=../2022-12-31", updatedBetween("", "2022-12-31"), nil, 0, 10},
		{"updated on a day", "datetime=2022-12-01T10:00:00Z", updatedBetween("2022-12-01", "2022-12-01"), nil, 0, 1000},
		{"open on a Friday at 10:00, each at its own clock", "ouvert_le=2026-12-18T10:00", openAt(wallClock("2026-12-18T10:00")), nil, 0, 500},
		{"open on Christmas Day at 10:00: a public holiday", "ouvert_le=2026-12-25T10:00", openAt(wallClock("2026-12-25T10:00")), nil, 0, 0},
		{"open on Easter Monday 2027", "ouvert_le=2027-03-29T10:00", openAt(wallClock("2027-03-29T10:00")), nil, 0, 0},
		{"opens at some time on Saturday 19 December 2026", "ouvert_le=2026-12-19", opensDuring("2026-12-19"), nil, 0, 50},
		{"open now and on Saturday", "ouvert_maintenant=true&ouvert_le=2026-12-19", all(openAt(instant("2026-12-08T10:30:00Z")), opensDuring("2026-12-19")), nil, 0, 20},
		{"opens on Christmas Day: a public holiday", "ouvert_le=2026-12-25", opensDuring("2026-12-25"), nil, 0, 0},
		{"open the Tuesday after DST starts, 07:30 UTC (09:30 in Paris)", "ouvert_le=2027-03-30T07:30:00Z", openAt(instant("2027-03-30T07:30:00Z")), nil, 0, 1000},
		{"open the Tuesday before, 07:30 UTC (08:30 in Paris)", "ouvert_le=2027-03-23T07:30:00Z", openAt(instant("2027-03-23T07:30:00Z")), nil, 0, 100},
		{"open now near a point", "ouvert_maintenant=true&near=6.0794,44.5594&radius=30000", openAt(instant("2026-12-08T10:30:00Z")), &gap, 30000, 1},
		{"filter: an array and a LIKE", "filter=" + url.QueryEscape("A_OVERLAPS(services, ('Aide aux démarches administratives')) AND code_postal LIKE '05%'"),
			all(func(r *store.LieuRow) bool {
				return slices.Contains(r.Lieu.Services, "Aide aux démarches administratives")
			},
				func(r *store.LieuRow) bool { return strings.HasPrefix(r.Lieu.CodePostal, "05") }), nil, 0, 5},
		{"filter: CASEI", "filter=" + url.QueryEscape("CASEI(commune) = 'gap'"), func(r *store.LieuRow) bool { return strings.ToLower(r.Lieu.Commune) == "gap" }, nil, 0, 5},
		{"filter: ACCENTI and CASEI with LIKE", "filter=" + url.QueryEscape("ACCENTI(CASEI(nom)) LIKE '%mediatheque%'"),
			func(r *store.LieuRow) bool { return strings.Contains(geo.Fold(r.Lieu.Nom), "mediatheque") }, nil, 0, 10},
		{"filter: DWITHIN", "filter=" + url.QueryEscape("DWITHIN(geometry, POINT(6.0794 44.5594), 5, kilometers)"),
			func(r *store.LieuRow) bool {
				return r.Lieu.Latitude != nil && haversine(6.0794, 44.5594, *r.Lieu.Longitude, *r.Lieu.Latitude) <= 5000
			}, nil, 0, 5},
		{"filter: S_INTERSECTS a BBOX", "filter=" + url.QueryEscape("S_INTERSECTS(geometry, BBOX(5.9,44.4,6.3,44.7))"), inBox([4]float64{5.9, 44.4, 6.3, 44.7}), nil, 0, 10},
		{"filter: a date and IS NOT NULL", "filter=" + url.QueryEscape("date_maj >= DATE('2023-01-01') AND NOT telephone IS NULL"),
			all(updatedBetween("2023-01-01", ""), func(r *store.LieuRow) bool { return r.Lieu.Telephone != "" }), nil, 0, 10},
		{"filter: IN or a territory", "filter=" + url.QueryEscape("code_postal IN ('05000', '05100') OR departement = '04'"),
			func(r *store.LieuRow) bool {
				return r.Lieu.CodePostal == "05000" || r.Lieu.CodePostal == "05100" || r.Lieu.Territoire != nil && r.Lieu.Territoire.Departement == "04"
			}, nil, 0, 10},
		{"filter: BETWEEN and a facet", "services=aide-aux-demarches-administratives&filter=" + url.QueryEscape("latitude BETWEEN 44 AND 45"),
			all(holds(services, "Aide aux démarches administratives"), func(r *store.LieuRow) bool {
				return r.Lieu.Latitude != nil && *r.Lieu.Latitude >= 44 && *r.Lieu.Latitude <= 45
			}), nil, 0, 10},
		{"New Caledonia, 07:45 there", "near=166.36928,-22.12885&radius=50000&ouvert_le=2026-12-07T07:45", openAt(wallClock("2026-12-07T07:45")), &paita, 50000, 1},
		{"New Caledonia, 07:45 in Paris", "near=166.36928,-22.12885&radius=50000&ouvert_le=2026-12-07T07:45:00%2B01:00", openAt(instant("2026-12-07T06:45:00Z")), &paita, 50000, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := "limit=40"
			if c.query != "" {
				q += "&" + c.query
			}
			got, head := allPages(t, ts.URL+"/collections/lieux/items?"+q)
			want := o.ids(c.want, c.near, c.radius)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %d lieux, want %d\n got %v\nwant %v", q, len(got), len(want), head1(got), head1(want))
			}
			if len(want) < c.atLeast {
				t.Errorf("%s: the oracle selects %d lieux, fewer than the %d the case is meant for", q, len(want), c.atLeast)
			}
			if c.near != nil && len(head.Features) > 0 && head.Features[0].Props.Distance == nil {
				t.Errorf("%s: no distance_m in the features", q)
			}
			if strings.Contains(q, "ouvert") && len(head.Notes) == 0 {
				t.Errorf("%s: no note saying lieux with unknown hours are never open", q)
			}
		})
	}
}

func head1(ids []string) []string { return ids[:min(len(ids), 5)] }

func communeCentre(t *testing.T, code string) [2]float64 {
	c, ok := geo.Communes().Commune(code)
	if !ok || c.Centre == nil {
		t.Fatalf("commune %s: no centre", code)
	}
	return [2]float64{c.Centre.Lon, c.Centre.Lat}
}

// TestSearchPinned: facts of the examples a prescriber would check by
// hand.
func TestSearchPinned(t *testing.T) {
	st := examplesStore(t)
	ts := httptest.NewServer(newServer(t, st).Handler())
	defer ts.Close()
	names := func(q string) []string {
		_, body := get(t, ts.URL+"/collections/lieux/items?"+q)
		var p page
		json.Unmarshal(body, &p)
		var out []string
		for _, f := range p.Features {
			out = append(out, f.Props.Nom)
		}
		return out
	}
	paita := "near=166.36928,-22.12885&radius=1000&limit=5"
	if got := names(paita + "&ouvert_le=2026-12-07T07:45"); !slices.Contains(got, "Espace connecté de Paita") {
		t.Errorf("Païta at 07:45 on a Monday there: %v, want Espace connecté de Paita (Mo-Fr 07:30-11:30)", got)
	}
	if got := names(paita + "&ouvert_le=2026-12-07T07:15"); slices.Contains(got, "Espace connecté de Paita") {
		t.Errorf("Païta at 07:15 there: %v, it opens at 07:30", got)
	}
	if got := names(paita + "&ouvert_le=2026-12-06T20:45:00Z"); !slices.Contains(got, "Espace connecté de Paita") {
		t.Errorf("Païta at 20:45 UTC on Sunday (07:45 on Monday there): %v", got)
	}
	if got := names("q=mediateque&limit=100"); len(got) == 0 || !slices.ContainsFunc(got, func(n string) bool { return strings.Contains(geo.Fold(n), "mediatheque") }) {
		t.Errorf("a typo (mediateque) finds no médiathèque: %v", got)
	}
}

// TestSearchCSV: f=csv and Accept: text/csv give the standard's CSV of
// the same page.
func TestSearchCSV(t *testing.T) {
	st := examplesStore(t)
	ts := httptest.NewServer(newServer(t, st).Handler())
	defer ts.Close()
	for _, c := range []struct{ query, accept string }{{"f=csv&departement=05", ""}, {"departement=05", "text/csv"}} {
		resp, body := get(t, ts.URL+"/collections/lieux/items?"+c.query, "Accept", c.accept)
		rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) < 2 || rows[0][0] != "id" {
			t.Fatalf("%s (Accept %q): %v %s, %d rows", c.query, c.accept, err, resp.Header.Get("Content-Type"), len(rows))
		}
		want, _ := allPages(t, ts.URL+"/collections/lieux/items?departement=05")
		if len(rows)-1 != min(len(want), 100) || rows[1][0] != want[0] {
			t.Errorf("%s: %d rows, first %s; GeoJSON: %d, first %s", c.query, len(rows)-1, rows[1][0], len(want), want[0])
		}
	}
}

// TestFilterErrors: a filter that does not parse or does not fit the
// queryables is a 400 naming the filter and the character.
func TestFilterErrors(t *testing.T) {
	st := examplesStore(t)
	ts := httptest.NewServer(newServer(t, st).Handler())
	defer ts.Close()
	cases := []struct{ filter, want string }{
		{"nom == 'x'", "filter: at character 6: expected a property or a value"},
		{"nom2 = 'x'", "filter: at character 1: unknown property"},
		{"services = 'x'", "filter: at character 1: the property services is an array: use A_CONTAINS"},
		{"latitude = 'x'", "filter: at character 12: the property latitude is a number"},
		{"nom LIKE 3", "filter: at character 10: LIKE takes a string pattern"},
		{"date_maj > 'hier'", "filter: at character 12: date_maj is a date"},
		{"DWITHIN(geometry, POINT(1 2), 3, furlongs)", "filter: at character 34: DWITHIN's units"},
		{"FOO(nom)", "filter: at character 1: unknown condition FOO"},
	}
	for _, c := range cases {
		resp, body := get(t, ts.URL+"/collections/lieux/items?filter="+url.QueryEscape(c.filter))
		if resp.StatusCode != 400 || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s\nwant 400 with %q", c.filter, resp.StatusCode, body, c.want)
		}
	}
	for _, q := range []string{"filter-lang=cql2-json", "filter-crs=EPSG:2154"} {
		if resp, body := get(t, ts.URL+"/collections/lieux/items?"+q); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
}
