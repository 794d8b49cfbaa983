// Package web serves maillage's French pages: the search « Trouver un
// lieu d'accompagnement au numérique » (a form and a list rendered on
// the server, which work without JavaScript) and each lieu's page. They
// read the API server's read model, never the store; templates and
// assets are embedded. Every other route goes to the API, and / gives
// the API's JSON landing page to clients that do not ask for HTML.
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/maillage/maillage/internal/ratelimit"
	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Site holds the pages' dependencies.
type Site struct {
	model func() *readmodel.Model
	api   http.Handler
	log   *slog.Logger
	pages *template.Template
	// Now is the clock of the opening status.
	Now func() time.Time
	// Reports, when set, stores the errors people report on a lieu's page
	// (the form is shown only then).
	Reports ReportSaver
	// BasemapStyle is the map's MapLibre style URL ("" for a plain
	// background); the pages' CSP lets the map reach its origin.
	BasemapStyle string
	// PublicURL, when set, is the scheme and host the snippets of
	// « Intégrer la carte » point to (server.public_url); else the
	// request's.
	PublicURL string
	// Sources, when set, gives the sources dashboard (/sources) its
	// statuses and quality reports.
	Sources SourceInfo
	// Stats, when set, gives the observatoire (/observatoire) its figures.
	Stats   StatsSource
	limiter *ratelimit.Limiter
}

// ReportSaver stores a reported error (store.Store does).
type ReportSaver interface {
	SaveReport(ctx context.Context, r store.Report) (int64, error)
}

// reportRate bounds the reports of each client address: 5 at once, then
// one every 2 minutes.
var reportRate = ratelimit.Rate{PerSecond: 1.0 / 120, Burst: 5}

// New returns the pages over the read model model gives, with api
// answering every other route.
func New(model func() *readmodel.Model, api http.Handler, log *slog.Logger) *Site {
	pages := template.Must(template.New("").Funcs(template.FuncMap{"km": distanceText, "splitLines": splitLines, "add": func(a, b int) int { return a + b }}).ParseFS(templateFiles, "templates/*.html"))
	s := &Site{model: model, api: api, log: log, pages: pages, Now: time.Now}
	s.limiter = ratelimit.New(reportRate, func() time.Time { return s.Now() })
	return s
}

// Handler returns the route table: the pages, their assets, then the API.
func (s *Site) Handler() http.Handler {
	r := chi.NewRouter()
	static, _ := fs.Sub(staticFiles, "static")
	r.Group(func(r chi.Router) {
		r.Use(s.securityHeaders, middleware.Compress(5, "text/html", "text/css", "application/javascript", "text/javascript"))
		r.Get("/", s.home)
		r.Get("/lieux/{id}", s.lieu)
		r.Get("/carte", s.carte)
		r.Get("/carte/theme.css", s.theme)
		r.Get("/integrer", s.integrer)
		r.Get("/sources", s.sourcesPage)
		r.Get("/observatoire", s.observatoire)
		r.Get("/sources/{name}", s.sourceDetail)
		r.Get("/sources/{name}/rapport.csv", s.qualityCSV)
		r.Get("/sources/{name}/rapport.json", s.qualityJSON)
		r.With(http.NewCrossOriginProtection().Handler).Post("/lieux/{id}/signaler", s.report)
		r.Handle("/static/*", http.StripPrefix("/static/", noListing(cacheFor(http.FileServerFS(static), 24*time.Hour))))
	})
	r.NotFound(s.api.ServeHTTP)
	r.MethodNotAllowed(s.api.ServeHTTP)
	return r
}

// home is the search page for browsers, the API's landing page for the
// others (GDAL, scripts: JSON unless HTML is asked).
func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept")
	if !wantsHTML(r) {
		s.api.ServeHTTP(w, r)
		return
	}
	s.search(w, r)
}

// wantsHTML says whether a request asks for HTML: f=html, or text/html in
// its Accept header before any JSON type.
func wantsHTML(r *http.Request) bool {
	switch r.URL.Query().Get("f") {
	case "html":
		return true
	case "":
	default:
		return false
	}
	accept := r.Header.Get("Accept")
	html := strings.Index(accept, "text/html")
	if html < 0 {
		return false
	}
	for _, t := range []string{"application/json", "application/geo+json"} {
		if i := strings.Index(accept, t); i >= 0 && i < html {
			return false
		}
	}
	return true
}

// contentSecurityPolicy allows the pages' own scripts, styles, images
// and map worker only (no inline script), and the map's requests to its
// basemap's origin.
func (s *Site) contentSecurityPolicy() string {
	connect := "'self'"
	if u, err := url.Parse(s.BasemapStyle); err == nil && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self'; " +
		"connect-src " + connect + "; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
}

func (s *Site) securityHeaders(next http.Handler) http.Handler {
	csp := s.contentSecurityPolicy()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		next.ServeHTTP(w, r)
	})
}

// noListing answers 404 for a directory of the assets instead of its
// listing.
func noListing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// splitLines cuts a text at its line ends (errors.Join's messages).
func splitLines(s string) []string { return strings.Split(s, "\n") }

func cacheFor(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+itoa(int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

// render writes a page; a template error is logged (the page is then
// cut short, its status already sent).
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages.ExecuteTemplate(w, page, data); err != nil {
		s.log.Error("page_render_failed", "page", page, "path", r.URL.Path, "error", err)
	}
}
