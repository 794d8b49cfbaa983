package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/maillage/maillage/readmodel"
)

// lieuPage is what the lieu template shows.
type lieuPage struct {
	result
	Presentation, Details string
	Hours                 [][2]string
	HoursText             string
	Services, Publics     []string
	Frais, Modalites      []string
	Site, Email, Acces    string
	Typologie             string
	DateMaj               string
	Sources               []string
	Lon, Lat              float64
	HasPoint              bool
	// the « Signaler une erreur » form: shown when reports are stored;
	// Thanks after one was, Problem and the values typed when refused.
	CanReport, Thanks bool
	Problem           string
	Message, Contact  string
}

// lieu serves a lieu's page; a lieu merged into another redirects there,
// a deleted one is 410.
func (s *Site) lieu(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	m := s.model()
	e, retired := m.Lookup(id)
	switch {
	case e == nil && retired != nil && retired.MergedInto != "":
		http.Redirect(w, r, "/lieux/"+retired.MergedInto, http.StatusMovedPermanently)
		return
	case e == nil && retired != nil:
		s.render(w, r, http.StatusGone, "gone.html", id)
		return
	case e == nil:
		s.render(w, r, http.StatusNotFound, "notfound.html", id)
		return
	}
	s.renderLieu(w, r, e, http.StatusOK, lieuPage{Thanks: r.URL.Query().Get("signalement") == "merci"})
}

// renderLieu shows a lieu's page, with what the report form says.
func (s *Site) renderLieu(w http.ResponseWriter, r *http.Request, e *readmodel.Entry, status int, form lieuPage) {
	now := s.Now()
	p := lieuPage{result: resultOf(readmodel.Hit{Entry: e}, now), Presentation: e.Get("presentation_resume"), Details: e.Get("presentation_detail"),
		Hours: dayHours(e, now), HoursText: e.Get("horaires"), Services: e.List("services"), Publics: e.List("publics_specifiquement_adresses"),
		Frais: e.List("frais_a_charge"), Modalites: append(e.List("modalites_acces"), e.List("modalites_accompagnement")...),
		Site: webLink(firstOf(e.Get("site_web"))), Email: firstOf(e.Get("courriels")), Acces: webLink(e.Get("fiche_acces_libre")),
		Typologie: e.Get("typologie"), DateMaj: e.Get("date_maj"), Sources: sourcesOf(e), Lon: e.Lon, Lat: e.Lat, HasPoint: e.HasPoint,
		CanReport: s.Reports != nil, Thanks: form.Thanks, Problem: form.Problem, Message: form.Message, Contact: form.Contact}
	s.render(w, r, status, "lieu.html", p)
}

// firstOf is the first of a list's values.
func firstOf(list string) string {
	first, _, _ := strings.Cut(list, "|")
	return first
}

// sourcesOf are the sources the lieu's values come from, from its
// provenance (and its source field when it has none). A value that came
// through peer instances has the path "peer/…/source": it reads
// « source (via peer, …) ».
func sourcesOf(e *readmodel.Entry) []string {
	var prov map[string]struct {
		Source string `json:"source"`
	}
	var out []string
	if json.Unmarshal(e.Provenance(), &prov) == nil {
		for _, ref := range prov {
			name := ref.Source
			if i := strings.LastIndex(name, "/"); i > 0 && i < len(name)-1 {
				name = name[i+1:] + " (via " + strings.ReplaceAll(name[:i], "/", ", ") + ")"
			}
			if name != "" && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	if len(out) == 0 && e.Get("source") != "" {
		out = append(out, e.Get("source"))
	}
	slices.Sort(out)
	return out
}
