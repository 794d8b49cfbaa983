package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema"
)

// openAPIDoc is the API's OpenAPI 3.0 document, but for the parameters
// of the items routes ("ITEMS") and the filters of the tiles' ("TILES"
// in a list), which come from the parameter parsers and the facets, so
// that the document cannot drift from the code.
//
//go:embed data/openapi.json
var openAPIDoc []byte

// openAPIDocument returns the document with the items parameters in and
// the server's base URL.
func openAPIDocument(base string) (map[string]any, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		return nil, fmt.Errorf("api: data/openapi.json: %w", err)
	}
	components := doc["components"].(map[string]any)["parameters"].(map[string]any)
	var params []any
	for name := range itemParams {
		if _, ok := components[name]; !ok {
			return nil, fmt.Errorf("api: data/openapi.json documents no parameter %q", name)
		}
	}
	for _, f := range readmodel.Facets {
		components[f.Name] = facetParameter(f)
	}
	for _, name := range ParamNames() {
		params = append(params, map[string]any{"$ref": "#/components/parameters/" + name})
	}
	var tileParams []any // the filters: tileFilterParams and the facets
	for _, name := range ParamNames() {
		if _, facet := readmodel.FacetNamed(name); facet || slices.Contains(tileFilterParams, name) {
			tileParams = append(tileParams, map[string]any{"$ref": "#/components/parameters/" + name})
		}
	}
	for _, path := range doc["paths"].(map[string]any) {
		for _, op := range path.(map[string]any) {
			o := op.(map[string]any)
			if o["parameters"] == "ITEMS" {
				o["parameters"] = params
			}
			if list, ok := o["parameters"].([]any); ok {
				if i := slices.Index(list, any("TILES")); i >= 0 {
					o["parameters"] = slices.Concat(list[:i], tileParams, list[i+1:])
				}
			}
		}
	}
	doc["servers"] = []any{map[string]any{"url": base}}
	return doc, nil
}

// facetParameter documents a facet's query parameter, with the
// standard's values where it enumerates them (in the description: any
// spelling of them that folds alike is accepted, so they are no enum).
func facetParameter(f readmodel.Facet) map[string]any {
	desc := "lieux qui ont l'une de ces valeurs de " + f.Field + " (séparées par des virgules ; comparées sans casse, accents ni ponctuation)"
	if def, ok := schema.Current().Field(f.Field); ok {
		if values := def.EnumValues(); len(values) > 0 {
			desc += ". Valeurs du schéma : " + strings.Join(values, " ; ")
		}
	}
	return map[string]any{
		"name": f.Name, "in": "query", "style": "form", "explode": false, "description": desc,
		"schema": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
	}
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := openAPIDocument(s.base(w, r))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, contentOpenAPI, doc)
}
