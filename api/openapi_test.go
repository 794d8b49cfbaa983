package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"
)

// TestOpenAPIDocument: /api is a valid OpenAPI 3.0 document; every route
// of the route table is in it, every operation it documents answers,
// and each answer (status, content type) is one it documents; so do the
// items routes with each parameter.
func TestOpenAPIDocument(t *testing.T) {
	ctx := context.Background()
	st := examplesStore(t)
	srv := newServer(t, st)
	handler := srv.Handler()
	ts := httptest.NewServer(handler)
	defer ts.Close()
	_, body := get(t, ts.URL+"/api")
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	err = chi.Walk(handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if p := doc.Paths.Find(route); p == nil || p.GetOperation(method) == nil {
			t.Errorf("%s %s is in the route table, not in the OpenAPI document", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := allPages(t, ts.URL+"/collections/lieux/items?limit=1&q=mediatheque")
	var urls []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			u := strings.NewReplacer("{id}", id[0], "{name}", "france-services").Replace(path)
			urls = append(urls, method+" "+u)
		}
	}
	for _, q := range []string{"limit=3", "bbox=5.9,44.4,6.3,44.7", "near=6.08,44.56&radius=5000", "commune=05061", "adresse=Gap",
		"services=aide-aux-demarches-administratives", "ouvert_maintenant=true", "ouvert_le=2026-12-18T10:00", "q=mairie",
		"datetime=2023-01-01/..", "f=csv", "limit=0", "nope=1", "departement=05&typologie=MAIRIE&frais=gratuit"} {
		urls = append(urls, "GET /collections/lieux/items?"+q, "GET /api/v1/lieux?"+q)
	}
	for _, mu := range urls {
		method, u, _ := strings.Cut(mu, " ")
		t.Run(mu, func(t *testing.T) {
			req, _ := http.NewRequest(method, ts.URL+u, nil)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no documented route: %v", err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if resp.StatusCode < 400 {
				if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
					t.Errorf("a request the server accepted (%d) is not valid by the document: %v", resp.StatusCode, err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
				Body: io.NopCloser(bytes.NewReader(raw)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
			if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
				t.Errorf("%d %s: not as documented: %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
			}
		})
	}
}
