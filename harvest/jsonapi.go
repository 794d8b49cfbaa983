package harvest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// JSONAPIOptions describe a paginated JSON API (kind http-json; the
// source's location is the first page's URL).
type JSONAPIOptions struct {
	// Records is the dotted path to the records in a page ("data",
	// "results.items"); empty when the page is the array itself.
	Records string `yaml:"records"`
	// Paging is "" (one request), "next" (each page links the next: the
	// dotted path Next, else an HTTP Link header rel="next"), "page" (the
	// query parameter PageParam counts from FirstPage) or "offset"
	// (OffsetParam and LimitParam, PageSize records at a time).
	Paging      string `yaml:"paging"`
	Next        string `yaml:"next"`
	PageParam   string `yaml:"page_param"`
	FirstPage   int    `yaml:"first_page"`
	OffsetParam string `yaml:"offset_param"`
	LimitParam  string `yaml:"limit_param"`
	PageSize    int    `yaml:"page_size"`
	// AuthHeader is sent with the value of the environment variable
	// AuthEnv (the secret stays out of the configuration file), e.g.
	// « Authorization » and a variable holding « Bearer … ».
	AuthHeader string `yaml:"auth_header"`
	AuthEnv    string `yaml:"auth_env"`
	// MaxPages stops a paging that never ends (default 1000).
	MaxPages int `yaml:"max_pages"`
}

func validateJSONAPI(src Source) error {
	var errs []error
	if err := needURL(src, "the first page's URL"); err != nil {
		errs = append(errs, err)
	}
	o := src.JSONAPI
	switch o.Paging {
	case "", "next", "page", "offset":
	default:
		errs = append(errs, fmt.Errorf("http_json.paging %q (next, page, offset)", o.Paging))
	}
	if (o.AuthHeader == "") != (o.AuthEnv == "") {
		errs = append(errs, errors.New("http_json.auth_header and auth_env go together"))
	}
	if o.PageSize < 0 || o.MaxPages < 0 {
		errs = append(errs, errors.New("http_json.page_size and max_pages cannot be negative"))
	}
	return errors.Join(errs...)
}

// jsonAPI walks the pages and returns their records as one JSON array.
type jsonAPI struct {
	web    *HTTPFetcher
	getenv func(string) string
}

func (j *jsonAPI) Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error) {
	o := withPagingDefaults(src.JSONAPI)
	var header http.Header
	if o.AuthHeader != "" {
		v := j.getenv(o.AuthEnv)
		if v == "" {
			return nil, fmt.Errorf("http_json: environment variable %s (auth_env) is empty", o.AuthEnv)
		}
		header = http.Header{http.CanonicalHeaderKey(o.AuthHeader): {v}}
	}
	var records []json.RawMessage
	tally := pageTally{}
	if o.Paging == "offset" || src.JSONAPI.PageSize > 0 {
		tally.pageSize = o.PageSize
	}
	link := src.Location
	if o.Paging == "page" || o.Paging == "offset" {
		link = pageURL(src.Location, 0, o)
	}
	for page := 0; link != ""; page++ {
		if page == o.MaxPages {
			return nil, fmt.Errorf("http_json: more than %d pages (max_pages)", o.MaxPages)
		}
		c := Conditional{}
		if page == 0 && o.Paging == "" {
			c = cond // a single document can be fetched conditionally
		}
		// credentials go to the configured origin only, never to a host
		// a next link names
		h := header
		if !SameOrigin(link, src.Location) {
			h = nil
		}
		p, err := j.web.Get(ctx, link, c, h)
		if err != nil || p.NotModified {
			return p, err
		}
		recs, next, doc, err := readPage(p, o)
		if err != nil {
			return nil, err
		}
		records = append(records, recs...)
		tally.add(p, doc, len(recs))
		link = nextLink(src.Location, link, next, page, len(recs), o)
		if o.Paging == "" {
			if err := tally.check(); err != nil {
				return nil, fmt.Errorf("http_json: %w", err)
			}
			p.Body, _ = json.Marshal(records)
			return p, nil
		}
	}
	if err := tally.check(); err != nil {
		return nil, fmt.Errorf("http_json: %w", err)
	}
	body, err := json.Marshal(records)
	if err != nil {
		return nil, err
	}
	return &Payload{Body: body, URL: src.Location, ContentType: "application/json", FetchedAt: time.Now().UTC()}, nil
}

func withPagingDefaults(o JSONAPIOptions) JSONAPIOptions {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Next, "next")
	def(&o.PageParam, "page")
	def(&o.OffsetParam, "offset")
	def(&o.LimitParam, "limit")
	if o.PageSize == 0 {
		o.PageSize = 100
	}
	if o.MaxPages == 0 {
		o.MaxPages = 1000
	}
	if o.FirstPage == 0 && o.Paging == "page" {
		o.FirstPage = 1
	}
	return o
}

// readPage returns a page's records, the link to the following page for
// next-link paging ("" at the end), and the page's document.
func readPage(p *Payload, o JSONAPIOptions) ([]json.RawMessage, string, any, error) {
	var doc any
	if err := json.Unmarshal(p.Body, &doc); err != nil {
		return nil, "", nil, fmt.Errorf("%s: not JSON: %w", p.URL, err)
	}
	at, found := dig(doc, o.Records)
	list, ok := at.([]any)
	if !ok && !(found && at == nil) { // null is an empty page
		return nil, "", nil, fmt.Errorf("%s: no list of records at %q", p.URL, o.Records)
	}
	recs := make([]json.RawMessage, len(list))
	for i, r := range list {
		recs[i], _ = json.Marshal(r)
	}
	n, _ := dig(doc, o.Next)
	next, _ := n.(string)
	if next == "" {
		next = linkNext(p.Link)
	}
	return recs, next, doc, nil
}

// dig follows a dotted path of object keys ("" is the document itself);
// found says whether the path exists.
func dig(doc any, path string) (v any, found bool) {
	if path == "" {
		return doc, true
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, false
		}
		if doc, ok = m[k]; !ok {
			return nil, false
		}
	}
	return doc, true
}

// nextLink is the following page's URL, or "" when the pages are done: a
// page-counting or offset paging stops at the first short page.
func nextLink(first, current, next string, page, n int, o JSONAPIOptions) string {
	switch o.Paging {
	case "next":
		if next == "" {
			return ""
		}
		base, err := url.Parse(current)
		ref, err2 := url.Parse(next)
		if err != nil || err2 != nil {
			return ""
		}
		return base.ResolveReference(ref).String()
	case "page", "offset":
		if n == 0 || o.Paging == "offset" && n < o.PageSize {
			return ""
		}
		return pageURL(first, page+1, o)
	}
	return ""
}

// pageURL is the URL of the page numbered from 0, for page-counting and
// offset paging.
func pageURL(first string, page int, o JSONAPIOptions) string {
	u, err := url.Parse(first)
	if err != nil {
		return ""
	}
	q := u.Query()
	if o.Paging == "page" {
		q.Set(o.PageParam, strconv.Itoa(o.FirstPage+page))
	} else {
		q.Set(o.OffsetParam, strconv.Itoa(page*o.PageSize))
		q.Set(o.LimitParam, strconv.Itoa(o.PageSize))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// linkNext reads rel="next" from an HTTP Link header.
func linkNext(h string) string {
	for _, part := range strings.Split(h, ",") {
		target, params, ok := strings.Cut(part, ";")
		if ok && strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) {
			return strings.Trim(strings.TrimSpace(target), "<>")
		}
	}
	return ""
}
