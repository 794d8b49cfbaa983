package web

import (
	"fmt"
	"html"
	"net/http"
)

// integrerPage is what the « Intégrer la carte » template shows: the
// choices' form, then the snippet they make and its preview.
type integrerPage struct {
	Params  embedParams
	Groups  []filterGroup
	Problem string
	Snippet string
	Preview string // the preview iframe's URL (same origin)
}

// integrer builds the iframe snippet of /carte from a hub's choices
// (a GET form: the page works without JavaScript; a script only adds a
// copy button).
func (s *Site) integrer(w http.ResponseWriter, r *http.Request) {
	p, err := parseEmbed(r.URL.Query())
	page := integrerPage{Params: p, Groups: embedGroups(p)}
	status := http.StatusOK
	if err != nil {
		page.Problem, status = err.Error(), http.StatusBadRequest
	} else {
		page.Preview = "/carte"
		if q := p.query(true).Encode(); q != "" {
			page.Preview += "?" + q
		}
		page.Snippet = fmt.Sprintf(`<iframe src="%s" title="%s" width="100%%" height="%d" style="border:0" loading="lazy" allow="geolocation"></iframe>`,
			html.EscapeString(s.publicBase(r)+page.Preview), html.EscapeString("Carte : "+p.Titre), p.Hauteur)
	}
	s.render(w, r, status, "integrer.html", page)
}

// embedGroups are the embed's filter checkboxes, with p's ticks.
func embedGroups(p embedParams) []filterGroup {
	groups := make([]filterGroup, 0, len(embedFacets))
	for _, f := range embedFacets {
		groups = append(groups, checkboxes(f.Name, f.Field, f.Legend, p.Filters[f.Name]))
	}
	return groups
}

// publicBase is the scheme and host other sites reach maillage at: the
// configured public URL, else the request's.
func (s *Site) publicBase(r *http.Request) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
