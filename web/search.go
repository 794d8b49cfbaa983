package web

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema"
)

// searchForm is the search as its URL holds it (a GET form: the URL is
// the whole search, to share or to come back to).
type searchForm struct {
	Adresse                        string
	Rayon                          int // km
	Services, Publics, Frais       []string
	Modalites                      []string
	Maintenant, Samedi, Accessible bool
	Nombre                         int
}

// filterGroup is a group of checkboxes of the form: a facet and its
// values (the standard's), those ticked.
type filterGroup struct {
	Name, Legend string
	Options      []option
}

type option struct {
	Value   string
	Checked bool
}

// radii are the distances offered, in km.
var radii = []int{2, 5, 10, 20, 50}

const (
	defaultRadius = 10
	pageSize      = 50
	maxResults    = 200
)

func parseForm(v url.Values) searchForm {
	f := searchForm{Adresse: strings.TrimSpace(v.Get("adresse")), Rayon: defaultRadius, Nombre: pageSize,
		Services: v["services"], Publics: v["publics"], Frais: v["frais"], Modalites: v["modalites"],
		Maintenant: v.Get("ouvert") == "maintenant", Samedi: v.Get("samedi") == "1", Accessible: v.Get("accessible") == "1"}
	if len(f.Adresse) > 200 {
		f.Adresse = f.Adresse[:200]
	}
	if r, err := strconv.Atoi(v.Get("rayon")); err == nil && slices.Contains(radii, r) {
		f.Rayon = r
	}
	if n, err := strconv.Atoi(v.Get("nombre")); err == nil && n > 0 {
		f.Nombre = min(n, maxResults)
	}
	return f
}

// groups are the form's checkbox groups, with f's ticks.
func (f searchForm) groups() []filterGroup {
	return []filterGroup{
		checkboxes("services", "services", "Services", f.Services),
		checkboxes("publics", "publics_specifiquement_adresses", "Publics accueillis", f.Publics),
		checkboxes("frais", "frais_a_charge", "Frais", f.Frais),
		checkboxes("modalites", "modalites_accompagnement", "Accompagnement", f.Modalites),
	}
}

// checkboxes is a group of checkboxes: the values the standard defines
// for a field, those ticked checked.
func checkboxes(name, field, legend string, ticked []string) filterGroup {
	g := filterGroup{Name: name, Legend: legend}
	def, _ := schema.Current().Field(field)
	for _, v := range def.EnumValues() {
		g.Options = append(g.Options, option{v, slices.Contains(ticked, v)})
	}
	return g
}

// result is one lieu of the list.
type result struct {
	ID, Nom, Adresse, Status string
	Open, Unknown            bool
	Distance                 float64
	Phone                    string
	PhoneHref                template.URL // tel: and the digits only, which html/template would not let through otherwise
	Rdv                      string
}

// searchPage is what the search template shows.
type searchPage struct {
	Form         searchForm
	Groups       []filterGroup
	Radii        []int
	Searched     bool
	Place        string
	Message      string
	Results      []result
	Matched      int
	UnknownHours int
	// Others are the other communes of a postcode searched alone.
	Others []otherCommune
	// Printed is the day and time of the search, for the printed list.
	Printed       string
	More, MoreURL string
	// the map: its tiles (the search's filters the tiles take), centre,
	// zoom and basemap.
	MapTiles, MapCentre, MapStyle string
	MapZoom                       int
}

func (s *Site) search(w http.ResponseWriter, r *http.Request) {
	form := parseForm(r.URL.Query())
	page := searchPage{Form: form, Groups: form.groups(), Radii: radii, MapStyle: s.BasemapStyle}
	status := http.StatusOK
	if form.Adresse != "" {
		page.Searched = true
		if err := s.fill(&page, r.URL.Query()); err != nil {
			page.Message, status = err.Error(), http.StatusUnprocessableEntity
		}
	}
	s.render(w, r, status, "search.html", page)
}

// fill runs the search of the page's form.
func (s *Site) fill(page *searchPage, params url.Values) error {
	form := page.Form
	m, now := s.model(), s.Now()
	c, err := geo.Communes().Place(form.Adresse)
	if err == nil && postcodeOnly.MatchString(form.Adresse) {
		c, page.Others = mainCommune(m, form.Adresse, c)
	}
	switch {
	case errors.Is(err, geo.ErrPlaceAmbiguous):
		return fmt.Errorf("Plusieurs communes s'appellent « %s » : ajoutez le code postal (par exemple « 05000 Gap »).", form.Adresse)
	case err != nil || c.Centre == nil:
		return fmt.Errorf("Aucune commune ne correspond à « %s ». Essayez le nom de la commune ou son code postal.", form.Adresse)
	}
	q := readmodel.Query{Near: &readmodel.Point{Lon: c.Centre.Lon, Lat: c.Centre.Lat}, Radius: float64(form.Rayon) * 1000,
		Facets: map[string][]string{}, Limit: form.Nombre}
	for facet, values := range map[string][]string{"services": form.Services, "publics": form.Publics, "frais": form.Frais, "modalites": form.Modalites} {
		for _, v := range values {
			q.Facets[facet] = append(q.Facets[facet], readmodel.FoldValue(v))
		}
		if len(q.Facets[facet]) == 0 {
			delete(q.Facets, facet)
		}
	}
	if form.Maintenant {
		q.Open = &readmodel.OpenTime{At: now}
	}
	q.Match = matchOf(form, now)
	res := m.Search(q)
	page.Place = c.Name
	if len(c.Postcodes) > 0 {
		page.Place += " (" + c.Postcodes[0] + ")"
	}
	page.Matched, page.UnknownHours, page.Printed = res.Matched, res.UnknownHours, frenchDateTime(now)
	page.MapTiles, page.MapCentre, page.MapZoom = "/tiles/lieux.json"+tileFilters(form, now), fmt.Sprintf("%.5f,%.5f", c.Centre.Lon, c.Centre.Lat), zoomOf(form.Rayon)
	for _, h := range res.Hits {
		page.Results = append(page.Results, resultOf(h, now))
	}
	if res.More && form.Nombre < maxResults {
		more := url.Values{}
		for k, v := range params {
			more[k] = v
		}
		more.Set("nombre", strconv.Itoa(min(form.Nombre+pageSize, maxResults)))
		page.MoreURL = "/?" + more.Encode()
	}
	return nil
}

// postcodeOnly is a text that is a postcode alone.
var postcodeOnly = regexp.MustCompile(`^\d{5}$`)

// otherCommune is another commune of the postcode searched, as a link to
// the same search around it.
type otherCommune struct{ Name, Href string }

// mainCommune picks, among the current communes of a postcode, the one a
// search for the postcode alone is centred on: the most lieux published
// there, then the largest (the referential's spacing), then the code,
// the order of the address suggestions. The others are offered as links.
func mainCommune(m *readmodel.Model, cp string, first *geo.Commune) (*geo.Commune, []otherCommune) {
	var cs []*geo.Commune
	for _, c := range geo.Communes().ByPostcode(cp) {
		if c.Type == geo.TypeCurrent && c.Centre != nil {
			cs = append(cs, c)
		}
	}
	if len(cs) < 2 {
		return first, nil
	}
	lieux := map[string]int{}
	for _, c := range cs {
		lieux[c.Code] = m.CountIn("code_insee", c.Code)
	}
	slices.SortFunc(cs, func(a, b *geo.Commune) int {
		return cmp.Or(cmp.Compare(lieux[b.Code], lieux[a.Code]), cmp.Compare(b.Spacing, a.Spacing), strings.Compare(a.Code, b.Code))
	})
	others := make([]otherCommune, 0, len(cs)-1)
	for _, c := range cs[1:] {
		others = append(others, otherCommune{Name: c.Name, Href: "/?" + url.Values{"adresse": {cp + " " + c.Name}}.Encode()})
	}
	return cs[0], others
}

// tileFilters are the form's filters as the tiles take them, so that the
// map shows the list's lieux: open on Saturday is ouvert_le with the
// date alone, the accessibility sheet a CQL2 filter.
func tileFilters(form searchForm, now time.Time) string {
	v := url.Values{}
	for facet, values := range map[string][]string{"services": form.Services, "publics": form.Publics, "frais": form.Frais, "modalites": form.Modalites} {
		if len(values) > 0 {
			v.Set(facet, strings.Join(values, ","))
		}
	}
	if form.Maintenant {
		v.Set("ouvert_maintenant", "true")
	}
	if form.Samedi {
		v.Set("ouvert_le", nextSaturday(now).Format(time.DateOnly))
	}
	if form.Accessible {
		v.Set("filter", "fiche_acces_libre IS NOT NULL")
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// zoomOf is the map's zoom that shows a radius (km) around its centre.
func zoomOf(km int) int {
	switch {
	case km <= 2:
		return 13
	case km <= 5:
		return 12
	case km <= 10:
		return 11
	case km <= 20:
		return 10
	}
	return 9
}

// matchOf is the form's criteria no index answers: open on Saturday, an
// accessibility sheet.
func matchOf(form searchForm, now time.Time) func(*readmodel.Entry) bool {
	if !form.Samedi && !form.Accessible {
		return nil
	}
	saturday := nextSaturday(now)
	return func(e *readmodel.Entry) bool {
		return (!form.Samedi || e.OpensOn(saturday)) && (!form.Accessible || e.Get("fiche_acces_libre") != "")
	}
}

// frenchDateTime is a time in Paris written in French: « 8 décembre 2026 à 11 h 30 ».
func frenchDateTime(t time.Time) string {
	if paris, err := time.LoadLocation("Europe/Paris"); err == nil {
		t = t.In(paris)
	}
	return fmt.Sprintf("%d %s %d à %d h %02d", t.Day(), frenchMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// nextSaturday is today when it is a Saturday, else the next one.
func nextSaturday(now time.Time) time.Time {
	return now.AddDate(0, 0, (int(time.Saturday)-int(now.Weekday())+7)%7)
}

func resultOf(h readmodel.Hit, now time.Time) result {
	text, open := status(h.Entry, now)
	r := result{ID: h.ID(), Nom: h.Get("nom"), Adresse: addressOf(h.Entry), Status: text, Open: open, Unknown: h.Schedule() == nil,
		Distance: h.Distance, Rdv: webLink(h.Get("prise_rdv"))}
	if phone := h.Get("telephone"); phone != "" {
		r.Phone, r.PhoneHref = phone, template.URL("tel:"+strings.Map(func(c rune) rune {
			if c == '+' || c >= '0' && c <= '9' {
				return c
			}
			return -1
		}, phone))
	}
	return r
}

// addressOf is a lieu's postal address on one line.
func addressOf(e *readmodel.Entry) string {
	var parts []string
	for _, p := range []string{e.Get("adresse"), e.Get("complement_adresse"), strings.TrimSpace(e.Get("code_postal") + " " + e.Get("commune"))} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// webLink keeps a link only when it is http or https (a source's value
// could be any scheme).
func webLink(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	return u.String()
}

// distanceText is a distance in French: « 350 m », « 1,2 km ».
func distanceText(m float64) string {
	if m < 1000 {
		return strconv.Itoa(int(m/10+0.5)*10) + " m"
	}
	return strings.Replace(strconv.FormatFloat(m/1000, 'f', 1, 64), ".", ",", 1) + " km"
}

func itoa(n int) string { return strconv.Itoa(n) }
