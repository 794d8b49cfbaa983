package harvest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrIncomplete is returned when a paged fetch did not bring every
// record: the API announced more than came, or a page before the last
// was shorter than the others. Nothing of such a fetch is applied.
var ErrIncomplete = errors.New("incomplete fetch")

// totalKeys are the members in which paginated APIs announce how many
// records the whole query has, at the top of a page or in one of
// totalContainers: Django REST framework and most hubs (count),
// OpenDataSoft v1 (nhits), OGC API Features (numberMatched), Spring
// (totalElements), JSON:API meta, Elasticsearch (hits.total, a number or
// {"value": n}). A per-page count is never above what came, so reading
// one as a total never fails a complete fetch.
var totalKeys = []string{"count", "nhits", "total", "total_count", "totalCount", "numberMatched",
	"totalElements", "total_results", "totalResults", "total_items", "totalItems", "total_hits", "totalHits"}

var totalContainers = []string{"", "meta", "pagination", "metadata", "page", "hits", "_meta"}

// totalHeaders announce the total in HTTP headers.
var totalHeaders = []string{"X-Total-Count", "X-Total", "X-Total-Results"}

// announcedTotal reads the total a page announces, and where it read it.
func announcedTotal(doc any, p *Payload) (int, string, bool) {
	for _, h := range totalHeaders {
		if v := p.Header.Get(h); v != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
				return n, "the " + h + " header", true
			}
		}
	}
	for _, c := range totalContainers {
		m, _ := doc.(map[string]any)
		if c != "" {
			m, _ = m[c].(map[string]any)
		}
		for _, k := range totalKeys {
			if n, ok := count(m[k]); ok {
				return n, strings.TrimPrefix(c+"."+k, "."), true
			}
		}
	}
	return 0, "", false
}

// count reads a non-negative whole number, or Elasticsearch's
// {"value": n}.
func count(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		if x >= 0 && x == math.Trunc(x) && x < 1e12 {
			return int(x), true
		}
	case map[string]any:
		return count(x["value"])
	}
	return 0, false
}

// pageTally follows the pages of one fetch and says whether it is whole.
type pageTally struct {
	pageSize int // the configured page size, 0 when the API chooses
	sizes    []int
	urls     []string
	total    int
	totalBy  string // where the total was read; "" when none was
	got      int
}

// add counts a page of n records, read from doc.
func (t *pageTally) add(p *Payload, doc any, n int) {
	t.sizes, t.urls, t.got = append(t.sizes, n), append(t.urls, p.URL), t.got+n
	if t.totalBy == "" {
		t.total, t.totalBy, _ = announcedTotal(doc, p)
	}
}

// check returns ErrIncomplete, naming the page, when fewer records came
// than the API announced, or when a page before the last one that has
// records is shorter than the page size (the configured one, else the
// longest page).
func (t *pageTally) check() error {
	last := len(t.sizes) - 1
	for last > 0 && t.sizes[last] == 0 {
		last--
	}
	size := t.pageSize
	if size == 0 {
		size = maxOf(t.sizes)
	}
	for i := 0; i < last; i++ {
		if t.sizes[i] < size {
			return fmt.Errorf("%w: page %d (%s) brought %d records where pages hold %d, and page %d has more; nothing applied",
				ErrIncomplete, i+1, t.urls[i], t.sizes[i], size, i+2)
		}
	}
	if t.totalBy != "" && t.got < t.total {
		short := last
		for i := range last {
			if t.sizes[i] < size {
				short = i
				break
			}
		}
		return fmt.Errorf("%w: %d records came in %d pages, the API announces %d (%s); page %d (%s) brought %d; nothing applied",
			ErrIncomplete, t.got, len(t.sizes), t.total, t.totalBy, short+1, t.urls[short], t.sizes[short])
	}
	return nil
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
