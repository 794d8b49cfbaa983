package harvest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
)

// HTMLOptions say how to read places off web pages (kind html; the
// source's location is the first list page). A new crawler is made for
// each run; it obeys robots.txt, waits Delay between two requests to a
// host, one at a time, and names maillage in its User-Agent.
type HTMLOptions struct {
	// Items selects each place on a page (default "body": a page is one
	// place).
	Items string `yaml:"items"`
	// Fields maps a column name to a CSS selector inside an item, its
	// text; « selector@attr » reads an attribute (« a.site@href »).
	Fields map[string]string `yaml:"fields"`
	// Links selects, on list pages, the links to the detail pages where
	// items are read; empty, items are read on the list pages.
	Links string `yaml:"links"`
	// Next selects the link to the next list page.
	Next string `yaml:"next"`
	// Delay between two requests to one host (default 1 s).
	Delay time.Duration `yaml:"delay"`
	// MaxPages stops a crawl that never ends (default 500).
	MaxPages int `yaml:"max_pages"`
}

func validateHTML(src Source) error {
	var errs []error
	if err := needURL(src, "the first page's URL"); err != nil {
		errs = append(errs, err)
	}
	if len(src.HTML.Fields) == 0 {
		errs = append(errs, errors.New("html.fields: at least one column and its CSS selector"))
	}
	if src.HTML.Delay < 0 || src.HTML.MaxPages < 0 {
		errs = append(errs, errors.New("html.delay and max_pages cannot be negative"))
	}
	return errors.Join(errs...)
}

// htmlCrawler reads places with a colly collector made for each run.
type htmlCrawler struct{ opts Options }

// crawl is one run's state: the places read, the pages seen, the first
// error.
type crawl struct {
	mu     sync.Mutex
	places []map[string]string
	pages  int
	err    error
	// attempts counts the retries of each page, by URL.
	attempts map[string]int
}

func (h *htmlCrawler) Fetch(ctx context.Context, src Source, _ Conditional) (*Payload, error) {
	o := src.HTML
	if o.Delay == 0 {
		o.Delay = time.Second
	}
	if o.MaxPages == 0 {
		o.MaxPages = 500
	}
	c, err := h.collector(ctx, o)
	if err != nil {
		return nil, err
	}
	run := &crawl{}
	h.wire(c, o, run)
	// an error of the first page that was retried and came through
	// is still returned by Visit
	if err := c.Visit(src.Location); err != nil && (run.err != nil || run.attempts[src.Location] == 0) {
		if run.err != nil {
			return nil, run.err
		}
		return nil, fmt.Errorf("GET %s: %w", src.Location, err)
	}
	c.Wait()
	if run.err != nil {
		return nil, run.err
	}
	if len(run.places) == 0 {
		return nil, noItems(src.Location, o, run.pages)
	}
	body, err := json.Marshal(run.places)
	if err != nil {
		return nil, err
	}
	return &Payload{Body: body, URL: src.Location, ContentType: "application/json", FetchedAt: time.Now().UTC()}, nil
}

func (h *htmlCrawler) collector(ctx context.Context, o HTMLOptions) (*colly.Collector, error) {
	c := colly.NewCollector(colly.UserAgent(h.opts.UserAgent), colly.StdlibContext(ctx), colly.MaxBodySize(int(h.opts.MaxBytes)))
	c.IgnoreRobotsTxt = false
	c.SetRequestTimeout(h.opts.Timeout)
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: 1, Delay: o.Delay}); err != nil {
		return nil, fmt.Errorf("html: %w", err)
	}
	return c, nil
}

// wire sets the crawl's callbacks: list pages give links and the next
// page, item pages give places.
func (h *htmlCrawler) wire(c *colly.Collector, o HTMLOptions, run *crawl) {
	c.OnRequest(func(r *colly.Request) {
		run.mu.Lock()
		defer run.mu.Unlock()
		if run.pages++; run.pages > o.MaxPages {
			run.fail(fmt.Errorf("html: more than %d pages (max_pages)", o.MaxPages))
			r.Abort()
		}
	})
	c.OnError(func(r *colly.Response, err error) {
		if wait, ok := run.retry(r, h.opts); ok {
			time.Sleep(wait)
			if rerr := r.Request.Retry(); rerr == nil {
				return
			}
		}
		run.mu.Lock()
		defer run.mu.Unlock()
		run.fail(fmt.Errorf("GET %s: HTTP %d: %w", r.Request.URL, r.StatusCode, err))
	})
	isList := func(e *colly.HTMLElement) bool { return o.Links == "" || e.Request.Ctx.Get("detail") == "" }
	if o.Links != "" {
		c.OnHTML(o.Links, func(e *colly.HTMLElement) {
			if e.Request.Ctx.Get("detail") == "" {
				ctx := colly.NewContext()
				ctx.Put("detail", "1")
				_ = c.Request("GET", e.Request.AbsoluteURL(e.Attr("href")), nil, ctx, nil)
			}
		})
	}
	if o.Next != "" {
		c.OnHTML(o.Next, func(e *colly.HTMLElement) {
			if isList(e) {
				_ = e.Request.Visit(e.Attr("href"))
			}
		})
	}
	items := o.Items
	if items == "" {
		items = "body"
	}
	c.OnHTML(items, func(e *colly.HTMLElement) {
		if o.Links != "" && isList(e) {
			return // items are read on detail pages
		}
		run.mu.Lock()
		defer run.mu.Unlock()
		run.places = append(run.places, readItem(e, o.Fields))
	})
}

// retry says whether a failed page is asked again, as the other kinds'
// requests are (429 and 5xx, up to Options.Retries times per page), and
// after how long: the server's Retry-After (capped), else a backoff
// doubling from Options.RetryBackoff.
func (run *crawl) retry(r *colly.Response, o Options) (time.Duration, bool) {
	if r.StatusCode != http.StatusTooManyRequests && r.StatusCode < 500 {
		return 0, false
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	page := r.Request.URL.String()
	n := run.attempts[page]
	if n >= o.Retries {
		return 0, false
	}
	if run.attempts == nil {
		run.attempts = map[string]int{}
	}
	run.attempts[page] = n + 1
	wait := o.RetryBackoff << n
	if r.Headers != nil {
		if ra := retryAfter(*r.Headers); ra > 0 {
			wait = min(ra, maxRetryAfter)
		}
	}
	return wait, true
}

// ErrNoItems is returned when a crawl found no item on the pages it read.
var ErrNoItems = errors.New("no item found")

// noItems says which selectors found nothing, on how many pages from the
// first one.
func noItems(first string, o HTMLOptions, pages int) error {
	items := o.Items
	if items == "" {
		items = "body"
	}
	if o.Links != "" {
		return fmt.Errorf("html: %w: the %d pages read from %s gave no detail page matching html.items %q (html.links %q)",
			ErrNoItems, pages, first, items, o.Links)
	}
	return fmt.Errorf("html: %w: no element matches html.items %q on the %d pages read from %s", ErrNoItems, items, pages, first)
}

// fail keeps the first error (the caller holds mu); robots.txt refusals
// and already-visited links are the crawl's normal course, not errors.
func (run *crawl) fail(err error) {
	var visited *colly.AlreadyVisitedError
	if run.err == nil && !errors.Is(err, colly.ErrRobotsTxtBlocked) && !errors.As(err, &visited) {
		run.err = err
	}
}

// readItem reads an item's columns, in name order, with the page's URL.
func readItem(e *colly.HTMLElement, fields map[string]string) map[string]string {
	place := map[string]string{"url": e.Request.URL.String()}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sel, attr, hasAttr := strings.Cut(fields[name], "@")
		var v string
		if hasAttr {
			v = e.ChildAttr(sel, attr)
		} else {
			v = strings.Join(strings.Fields(e.ChildText(sel)), " ")
		}
		place[name] = v
	}
	return place
}
