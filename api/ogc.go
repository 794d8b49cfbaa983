package api

import (
	"net/http"
	"time"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema"
)

const (
	contentOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	contentSchema  = "application/schema+json"
)

// conformanceClasses are the OGC API classes the server passes: Part 1
// Core, GeoJSON and OpenAPI 3.0; Part 3's queryables and filter, with
// CQL2 text (basic, advanced comparisons, CASEI and ACCENTI, basic
// spatial functions, arrays).
var conformanceClasses = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
}

// landing lists the entry points (OGC API landing page).
func (s *Server) landing(w http.ResponseWriter, r *http.Request) {
	base := s.base(w, r)
	instance, err := s.instanceID(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, contentJSON, map[string]any{
		"instance":    instance,
		"title":       "maillage — lieux de médiation numérique",
		"description": "Lieux de médiation numérique moissonnés, normalisés au schéma national v1.0.2 et dédoublonnés. OGC API – Features, recherche autour d'un point, exports ouverts.",
		"links": []link{
			{Href: base + "/", Rel: "self", Type: contentJSON, Title: "cette page"},
			{Href: base + "/api", Rel: "service-desc", Type: contentOpenAPI, Title: "définition de l'API (OpenAPI 3.0)"},
			{Href: base + "/conformance", Rel: "conformance", Type: contentJSON, Title: "classes de conformité OGC"},
			{Href: base + "/collections", Rel: "data", Type: contentJSON, Title: "collections"},
			{Href: base + "/collections/lieux/items", Rel: "items", Type: contentGeoJSON, Title: "lieux (GeoJSON, paginé)"},
			{Href: base + "/api/v1/sources", Rel: "related", Type: contentJSON, Title: "état des sources moissonnées"},
			{Href: base + "/api/v1/changes?since=0", Rel: "related", Type: contentJSON, Title: "flux des changements (fédération)"},
			{Href: base + "/exports/lieux.csv", Rel: "enclosure", Type: "text/csv", Title: "export CSV au schéma national"},
			{Href: base + "/exports/lieux.geojson", Rel: "enclosure", Type: contentGeoJSON, Title: "export GeoJSON"},
			{Href: base + "/healthz", Rel: "service-status", Type: contentJSON, Title: "santé du service"},
		},
	})
}

func (s *Server) conformance(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, contentJSON, map[string]any{"conformsTo": conformanceClasses})
}

// collectionInfo describes the lieux collection.
type collectionInfo struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	ItemType    string         `json:"itemType"`
	CRS         []string       `json:"crs"`
	Extent      map[string]any `json:"extent,omitempty"`
	Links       []link         `json:"links"`
}

const crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

func (s *Server) lieuxCollection(w http.ResponseWriter, r *http.Request, m *readmodel.Model) collectionInfo {
	base := s.base(w, r) + "/collections/lieux"
	c := collectionInfo{
		ID: "lieux", Title: "Lieux de médiation numérique", ItemType: "feature", CRS: []string{crs84},
		Description: "Lieux publiés au schéma national des lieux de médiation numérique v1.0.2, dédoublonnés, avec la source de chaque valeur.",
		Links: []link{
			{Href: base, Rel: "self", Type: contentJSON, Title: "cette collection"},
			{Href: base + "/items", Rel: "items", Type: contentGeoJSON, Title: "lieux (GeoJSON)"},
			{Href: base + "/items?f=csv", Rel: "items", Type: "text/csv", Title: "lieux (CSV)"},
			{Href: base + "/queryables", Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", Type: contentSchema, Title: "propriétés filtrables"},
			{Href: base + "/schema", Rel: "describedby", Type: contentSchema, Title: "schéma des propriétés des lieux"},
			{Href: s.base(w, r) + "/exports/lieux.csv", Rel: "enclosure", Type: "text/csv", Title: "export complet (CSV)"},
		},
	}
	if m.Len() > 0 {
		interval := []any{nil, nil}
		if !m.UpdatedFrom.IsZero() {
			interval = []any{m.UpdatedFrom.Format(time.RFC3339), m.UpdatedTo.Format(time.RFC3339)}
		}
		c.Extent = map[string]any{
			"spatial":  map[string]any{"bbox": [][4]float64{m.Extent}, "crs": crs84},
			"temporal": map[string]any{"interval": [][]any{interval}, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
		}
	}
	return c
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request) {
	base := s.base(w, r)
	s.writeJSON(w, r, http.StatusOK, contentJSON, map[string]any{
		"links":       []link{{Href: base + "/collections", Rel: "self", Type: contentJSON}},
		"collections": []collectionInfo{s.lieuxCollection(w, r, s.models.Current())},
	})
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, contentJSON, s.lieuxCollection(w, r, s.models.Current()))
}

// queryables describes, as a JSON Schema, the properties the items can
// be filtered on with query parameters (Part 3): the facets, with the
// standard's values where it enumerates them, and the others.
func (s *Server) queryables(w http.ResponseWriter, r *http.Request) {
	props := map[string]any{
		"geometry": map[string]any{"format": "geometry-point", "x-ogc-role": "primary-geometry", "description": "bbox, near, commune, adresse et radius"},
		"nom":      map[string]any{"type": "string", "description": "q : mots du nom, sans casse ni accents, préfixes et fautes de frappe tolérés"},
		"date_maj": map[string]any{"type": "string", "format": "date", "x-ogc-role": "primary-instant", "description": "datetime"},
		"horaires": map[string]any{"type": "string", "description": "ouvert_maintenant et ouvert_le, à l'heure locale du lieu"},
	}
	ts := schema.Current()
	for _, f := range readmodel.Facets {
		item := map[string]any{"type": "string"}
		if def, ok := ts.Field(f.Field); ok {
			if values := def.EnumValues(); len(values) > 0 {
				item["enum"] = values
			}
			item["title"] = def.Title
		}
		props[f.Name] = map[string]any{"type": "array", "items": item, "description": "propriété " + f.Field + " : un lieu qui a l'une des valeurs données (séparées par des virgules)"}
	}
	s.writeJSON(w, r, http.StatusOK, contentSchema, map[string]any{
		"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": s.base(w, r) + r.URL.Path,
		"type": "object", "title": "Lieux de médiation numérique", "properties": props, "additionalProperties": false,
	})
}

// featureSchema describes, as a JSON Schema, the properties of every
// lieu: the standard's 32 fields (lists as arrays, coordinates as
// numbers, date_maj as a date) and maillage's placement and territoire.
// Clients such as GDAL take their layer's fields from it.
func (s *Server) featureSchema(w http.ResponseWriter, r *http.Request) {
	ts := schema.Current()
	props := map[string]any{}
	for _, f := range schema.Fields {
		p := map[string]any{"type": "string"}
		switch f.Kind {
		case schema.KindList:
			p = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
		case schema.KindNumber:
			p = map[string]any{"type": "number"}
		}
		if def, ok := ts.Field(f.Name); ok {
			p["title"] = def.Title
			if def.Format == "date" || def.Type == "date" {
				p["format"] = "date"
			}
		}
		props[f.Name] = p
	}
	props["placement"] = map[string]any{"type": "object", "description": "d'où vient le point du lieu (source, géocodeur, centre de la commune) et sa précision"}
	props["territoire"] = map[string]any{"type": "object", "description": "département, région et EPCI du lieu"}
	props["distance_m"] = map[string]any{"type": "number", "description": "distance au point de la recherche, en mètres (recherches autour d'un point)"}
	s.writeJSON(w, r, http.StatusOK, contentSchema, map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": s.base(w, r) + r.URL.Path,
		"type": "object", "title": "Lieu de médiation numérique", "properties": props,
	})
}
