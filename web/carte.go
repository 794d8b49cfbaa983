package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema"
)

// embedParams is what a hub chooses for the map it embeds (/carte): the
// territory, the filters, its colour, its logo and a title. The same
// parameters build the snippet of « Intégrer la carte ».
type embedParams struct {
	Territoire string // "dep:05", "reg:93", "epci:200067452", "com:05061" or ""
	Filters    map[string][]string
	Couleur    string // #rrggbb
	Logo       string // an https URL, or ""
	Titre      string
	Hauteur    int // px, of the iframe
}

// embedFacets are the filters the embed takes: facet (query parameter)
// and the standard's field whose values it accepts.
var embedFacets = []struct{ Name, Field, Legend string }{
	{"services", "services", "Services"},
	{"publics", "publics_specifiquement_adresses", "Publics accueillis"},
	{"frais", "frais_a_charge", "Frais"},
	{"dispositif", "dispositif_programmes_nationaux", "Dispositifs"},
}

const (
	defaultColour   = "#0b4f9c"
	defaultTitle    = "Lieux d'accompagnement au numérique"
	defaultHeight   = 600
	maxEmbedList    = 500
	maxTitleLength  = 100
	maxLogoURLBytes = 500
)

var hexColour = regexp.MustCompile(`^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$`)

// parseEmbed reads and checks the embed's parameters; an error names the
// parameter and says what it accepts, in French (the hub reads it).
func parseEmbed(v url.Values) (embedParams, error) {
	p := embedParams{Filters: map[string][]string{}, Couleur: defaultColour, Titre: defaultTitle, Hauteur: defaultHeight}
	var errs []error
	if t := strings.TrimSpace(v.Get("territoire")); t != "" {
		if tt, err := schema.ParseTerritory(t); err != nil {
			errs = append(errs, errors.New("territoire : « "+clip(t)+" » n'est pas un territoire (dep:05, reg:93, epci:200067452 ou com:05061)"))
		} else {
			p.Territoire = tt.String()
		}
	}
	ts := schema.Current()
	for _, f := range embedFacets {
		def, _ := ts.Field(f.Field)
		for _, given := range splitValues(v[f.Name]) {
			value, ok := enumValue(def.EnumValues(), given)
			if !ok {
				errs = append(errs, errors.New(f.Name+" : « "+clip(given)+" » n'est pas une valeur du standard"))
				continue
			}
			if !slices.Contains(p.Filters[f.Name], value) {
				p.Filters[f.Name] = append(p.Filters[f.Name], value)
			}
		}
	}
	if c := strings.TrimSpace(v.Get("couleur")); c != "" {
		if !hexColour.MatchString(c) {
			errs = append(errs, errors.New("couleur : « "+clip(c)+" » n'est pas une couleur #rrvvbb"))
		} else {
			p.Couleur = normaliseColour(c)
		}
	}
	if l := strings.TrimSpace(v.Get("logo")); l != "" {
		u, err := url.Parse(l)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(l) > maxLogoURLBytes {
			errs = append(errs, errors.New("logo : l'adresse d'une image en https est attendue"))
		} else {
			p.Logo = u.String()
		}
	}
	if t := strings.TrimSpace(v.Get("titre")); t != "" {
		p.Titre = truncateRunes(t, maxTitleLength)
	}
	if h := v.Get("hauteur"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 300 || n > 1200 {
			errs = append(errs, errors.New("hauteur : un nombre de pixels entre 300 et 1200 est attendu"))
		} else {
			p.Hauteur = n
		}
	}
	return p, errors.Join(errs...)
}

// splitValues reads values given repeated or separated by commas.
func splitValues(given []string) []string {
	var out []string
	for _, g := range given {
		for _, v := range strings.Split(g, ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// enumValue finds the standard's spelling of a value given with any case
// or accents.
func enumValue(values []string, given string) (string, bool) {
	want := readmodel.FoldValue(given)
	for _, v := range values {
		if readmodel.FoldValue(v) == want {
			return v, true
		}
	}
	return "", false
}

func normaliseColour(c string) string {
	c = strings.ToLower(strings.TrimPrefix(c, "#"))
	if len(c) == 3 {
		c = string([]byte{c[0], c[0], c[1], c[1], c[2], c[2]})
	}
	return "#" + c
}

func clip(s string) string { return truncateRunes(s, 60) }

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// query is the embed's parameters as the URL of /carte (and of the
// tiles, without the presentation ones) holds them, in a stable order.
func (p embedParams) query(presentation bool) url.Values {
	v := url.Values{}
	if p.Territoire != "" {
		if presentation {
			v.Set("territoire", p.Territoire)
		} else {
			tt, _ := schema.ParseTerritory(p.Territoire)
			v.Set(tt.Kind.Facet, tt.Code)
		}
	}
	for _, f := range embedFacets {
		if len(p.Filters[f.Name]) > 0 {
			v.Set(f.Name, strings.Join(p.Filters[f.Name], ","))
		}
	}
	if !presentation {
		return v
	}
	if p.Couleur != defaultColour {
		v.Set("couleur", p.Couleur)
	}
	if p.Logo != "" {
		v.Set("logo", p.Logo)
	}
	if p.Titre != defaultTitle {
		v.Set("titre", p.Titre)
	}
	return v
}

// readQuery is the embed's selection as a read-model query.
func (p embedParams) readQuery() readmodel.Query {
	q := readmodel.Query{Facets: map[string][]string{}}
	for facet, values := range p.query(false) {
		for _, v := range strings.Split(values[0], ",") {
			q.Facets[facet] = append(q.Facets[facet], readmodel.FoldValue(v))
		}
	}
	return q
}

// embedPage is what the carte template shows.
type embedPage struct {
	Params          embedParams
	TextColour      string
	Tiles, Bounds   string
	Style           string // the basemap's
	Count           int
	Lieux           []result
	Truncated       bool
	Problem         string
	ThemeStylesheet string
}

// carte serves the map made for an iframe: the lieux of a territory and
// filters, in the hub's colour, with the list as its equivalent.
func (s *Site) carte(w http.ResponseWriter, r *http.Request) {
	p, err := parseEmbed(r.URL.Query())
	page := embedPage{Params: p, Style: s.BasemapStyle, ThemeStylesheet: "/carte/theme.css?couleur=" + url.QueryEscape(p.Couleur)}
	if err != nil {
		page.Problem = err.Error()
		s.renderEmbed(w, r, http.StatusBadRequest, page)
		return
	}
	m, now := s.model(), s.Now()
	box := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	m.Each(p.readQuery(), func(_ int, e *readmodel.Entry) {
		page.Count++
		if e.HasPoint {
			box = [4]float64{min(box[0], e.Lon), min(box[1], e.Lat), max(box[2], e.Lon), max(box[3], e.Lat)}
		}
		if len(page.Lieux) < maxEmbedList {
			page.Lieux = append(page.Lieux, resultOf(readmodel.Hit{Entry: e}, now))
		}
	})
	page.Truncated = page.Count > len(page.Lieux)
	slices.SortFunc(page.Lieux, func(a, b result) int { return strings.Compare(a.Nom, b.Nom) })
	if box[0] <= box[2] {
		page.Bounds = fmt.Sprintf("%.5f,%.5f,%.5f,%.5f", box[0], box[1], box[2], box[3])
	}
	page.Tiles = "/tiles/lieux.json"
	if q := p.query(false).Encode(); q != "" {
		page.Tiles += "?" + q
	}
	page.TextColour = textOn(p.Couleur)
	s.renderEmbed(w, r, http.StatusOK, page)
}

func (s *Site) renderEmbed(w http.ResponseWriter, r *http.Request, status int, page embedPage) {
	w.Header().Set("Content-Security-Policy", s.embedPolicy(page.Params.Logo))
	s.render(w, r, status, "carte.html", page)
}

// embedPolicy is the pages' policy, but any site may frame the map, and
// its logo's origin may serve images.
func (s *Site) embedPolicy(logo string) string {
	csp := strings.Replace(s.contentSecurityPolicy(), "frame-ancestors 'self'", "frame-ancestors *", 1)
	if u, err := url.Parse(logo); err == nil && u.Host != "" {
		csp = strings.Replace(csp, "img-src 'self'", "img-src 'self' https://"+u.Host, 1)
	}
	return csp
}

// theme is the embed's stylesheet: the hub's colour, and the text colour
// that contrasts most with it (a style sheet, since the policy lets no
// inline style through).
func (s *Site) theme(w http.ResponseWriter, r *http.Request) {
	c := r.URL.Query().Get("couleur")
	if !hexColour.MatchString(c) {
		c = defaultColour
	}
	c = normaliseColour(c)
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	fmt.Fprintf(w, ":root { --hub: %s; --hub-text: %s; }\n", c, textOn(c))
}

// textOn is black or white, whichever contrasts most with a colour
// (WCAG 2 relative luminance).
func textOn(hex string) string {
	l := luminance(hex)
	if (l+0.05)/0.05 >= 1.05/(l+0.05) {
		return "#000000"
	}
	return "#ffffff"
}

func luminance(hex string) float64 {
	n, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	channel := func(v uint64) float64 {
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(n>>16&0xff) + 0.7152*channel(n>>8&0xff) + 0.0722*channel(n&0xff)
}
