package api

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/readmodel"
)

// Suggestion limits.
const (
	defaultSuggestions = 5
	maxSuggestions     = 20
	// maxCommuneCandidates bounds the communes ranked for one text (a
	// single letter starts thousands of names).
	maxCommuneCandidates = 3000
)

type communeSuggestion struct {
	Nom          string     `json:"nom"`
	CodeINSEE    string     `json:"code_insee"`
	CodesPostaux []string   `json:"codes_postaux"`
	Departement  string     `json:"departement"`
	Centre       [2]float64 `json:"centre"`
	Lieux        int        `json:"lieux"`
}

type lieuSuggestion struct {
	ID         string `json:"id"`
	Nom        string `json:"nom"`
	Commune    string `json:"commune"`
	CodePostal string `json:"code_postal"`
}

// suggest answers a search box as the person types: the communes (the
// embedded referential, offline) whose name or postcode the text starts,
// communes with the most lieux first, and the lieux whose name has words
// the text's words start.
func (s *Server) suggest(w http.ResponseWriter, r *http.Request) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "query string: "+err.Error())
		return
	}
	text, limit, err := parseSuggest(params)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	m := s.models.Current()
	if notModified(w, r, `W/"suggest-s`+strconv.FormatInt(m.Seq, 10)+"-"+queryTag(url.Values{"q": {text}, "limit": {strconv.Itoa(limit)}})+`"`, m.UpdatedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.writeJSON(w, r, http.StatusOK, contentJSON, map[string]any{
		"q": text, "communes": suggestCommunes(m, text, limit), "lieux": suggestLieux(m, text, limit),
	})
}

func parseSuggest(v url.Values) (string, int, error) {
	limit := defaultSuggestions
	for name, values := range v {
		switch {
		case name != "q" && name != "limit":
			return "", 0, paramError(name, "unknown parameter (known: q, limit)")
		case len(values) > 1:
			return "", 0, paramError(name, "given %d times", len(values))
		}
	}
	text := strings.TrimSpace(v.Get("q"))
	switch {
	case text == "":
		return "", 0, paramError("q", "the text typed is needed")
	case len(text) > 200:
		return "", 0, paramError("q", "longer than 200 bytes")
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxSuggestions {
			return "", 0, paramError("limit", "%s is not an integer between 1 and %d", quoted(l), maxSuggestions)
		}
		limit = n
	}
	return text, limit, nil
}

// suggestCommunes ranks the communes the text starts: a name equal to
// the text first, then by lieux published there, then by size (the
// referential's spacing), then by name.
func suggestCommunes(m *readmodel.Model, text string, limit int) []communeSuggestion {
	want := geo.FoldName(text)
	type candidate struct {
		c     *geo.Commune
		exact bool
		lieux int
	}
	cs := geo.Communes().Suggest(text, maxCommuneCandidates)
	ranked := make([]candidate, len(cs))
	for i, c := range cs {
		ranked[i] = candidate{c: c, exact: c.Folded() == want, lieux: m.CountIn("code_insee", c.Code)}
	}
	slices.SortFunc(ranked, func(a, b candidate) int {
		return cmp.Or(boolFirst(a.exact, b.exact), cmp.Compare(b.lieux, a.lieux), cmp.Compare(b.c.Spacing, a.c.Spacing), strings.Compare(a.c.Name, b.c.Name))
	})
	out := make([]communeSuggestion, 0, limit)
	for _, k := range ranked {
		centre, ok := communePoint(m, k.c)
		if !ok {
			continue // nowhere to search around
		}
		out = append(out, communeSuggestion{Nom: k.c.Name, CodeINSEE: k.c.Code, CodesPostaux: k.c.Postcodes, Departement: k.c.Departement,
			Centre: [2]float64{centre.Lon, centre.Lat}, Lieux: k.lieux})
		if len(out) == limit {
			break
		}
	}
	return out
}

// boolFirst orders true before false.
func boolFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// suggestLieux gives the lieux whose name the text's words start, those
// whose name starts with the text first, then by name.
func suggestLieux(m *readmodel.Model, text string, limit int) []lieuSuggestion {
	words := readmodel.QueryWords(text)
	if len(words) == 0 {
		return []lieuSuggestion{}
	}
	page := m.Search(readmodel.Query{Words: words})
	folded := strings.Join(words, " ")
	slices.SortFunc(page.Hits, func(a, b readmodel.Hit) int {
		an, bn := a.FoldedName(), b.FoldedName()
		return cmp.Or(boolFirst(strings.HasPrefix(an, folded), strings.HasPrefix(bn, folded)), cmp.Compare(len(an), len(bn)),
			strings.Compare(an, bn), strings.Compare(a.ID(), b.ID()))
	})
	out := make([]lieuSuggestion, 0, limit)
	for _, h := range page.Hits[:min(len(page.Hits), limit)] {
		out = append(out, lieuSuggestion{ID: h.ID(), Nom: h.Get("nom"), Commune: h.Get("commune"), CodePostal: h.Get("code_postal")})
	}
	return out
}

// communePoint is where a search around a commune starts: its centre in
// the referential, else the mean point of its lieux (overseas communes
// the referential has no centre for).
func communePoint(m *readmodel.Model, c *geo.Commune) (readmodel.Point, bool) {
	if c.Centre != nil {
		return readmodel.Point{Lon: c.Centre.Lon, Lat: c.Centre.Lat}, true
	}
	return m.CentreOf("code_insee", c.Code)
}
