package harvest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FileFetcher reads local files.
type FileFetcher struct {
	BaseDir  string
	MaxBytes int64
}

// Fetch reads the file named by the source location.
func (f *FileFetcher) Fetch(ctx context.Context, src Source, _ Conditional) (*Payload, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := src.Location
	if !filepath.IsAbs(path) && f.BaseDir != "" {
		path = filepath.Join(f.BaseDir, path)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError: "open <path>: <reason>"
	}
	defer fh.Close()
	var size int64
	if st, err := fh.Stat(); err == nil {
		size = st.Size()
	}
	if size > f.MaxBytes {
		return nil, fmt.Errorf("%s: %w: %d bytes, the limit is %d (harvest.max_bytes)", path, ErrTooLarge, size, f.MaxBytes)
	}
	body, err := readUpTo(fh, f.MaxBytes, size, bytesSetting)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &Payload{Body: body, URL: path, FetchedAt: time.Now().UTC()}, nil
}

// HTTPFetcher performs GET requests, retrying transient failures, one
// at a time per host (sources harvested at once may share a portal).
type HTTPFetcher struct {
	hosts     sync.Map // host → chan struct{} of capacity 1
	Client    *http.Client
	UserAgent string
	MaxBytes  int64
	// Retries is how many times a network error, 429 or 5xx is retried;
	// the wait doubles from Backoff, or follows Retry-After (capped).
	Retries int
	Backoff time.Duration
}

// defaultUserAgent names maillage and where to read about it.
const defaultUserAgent = "maillage (+https://github.com/maillage/maillage)"

// maxRetryAfter caps the wait a server may ask for.
const maxRetryAfter = time.Minute

// NewHTTPFetcher returns a fetcher with the options' timeout and limits.
func NewHTTPFetcher(opts Options) *HTTPFetcher {
	ua := opts.UserAgent
	if ua == "" {
		ua = defaultUserAgent
	}
	return &HTTPFetcher{Client: &http.Client{Timeout: opts.Timeout, CheckRedirect: sameOriginCredentials}, UserAgent: ua,
		MaxBytes: opts.MaxBytes, Retries: opts.Retries, Backoff: opts.RetryBackoff}
}

// maxRedirects is how many redirects a request follows (as net/http).
const maxRedirects = 10

// credentialsKey marks in a request's context the names of the headers
// that carry a source's credentials.
type credentialsKey struct{}

// sameOriginCredentials follows redirects, and on one that leaves the
// origin (scheme, host and port) of the first request drops the
// credentials the request carried (net/http keeps any header but
// Authorization and Cookie, and keeps those too for a subdomain) and
// the Referer, which may name a private path.
func sameOriginCredentials(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if origin(req.URL) == origin(via[0].URL) {
		return nil
	}
	req.Header.Del("Referer")
	names, _ := req.Context().Value(credentialsKey{}).([]string)
	for _, name := range names {
		req.Header.Del(name)
	}
	return nil
}

// origin is a URL's scheme, host and port.
func origin(u *neturl.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.ToLower(u.Scheme + "://" + u.Hostname() + ":" + port)
}

// SameOrigin says whether two URLs have one origin (scheme, host, port).
func SameOrigin(a, b string) bool {
	ua, err := neturl.Parse(a)
	ub, err2 := neturl.Parse(b)
	return err == nil && err2 == nil && origin(ua) == origin(ub)
}

// StatusError is a non-2xx answer.
type StatusError struct {
	URL        string
	Status     string
	Code       int
	RetryAfter time.Duration
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: HTTP %s", e.URL, e.Status) }

// Fetch GETs the source URL, conditionally when validators are known.
func (f *HTTPFetcher) Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error) {
	return f.Get(ctx, src.Location, cond, nil)
}

// Get GETs a URL with extra headers (may be nil: they are credentials,
// never sent on a redirect to another origin), conditionally when
// validators are known, retrying network errors, 429 and 5xx with a
// doubling wait or the server's Retry-After.
func (f *HTTPFetcher) Get(ctx context.Context, url string, cond Conditional, header http.Header) (*Payload, error) {
	wait := f.Backoff
	for attempt := 1; ; attempt++ {
		p, err := f.fetchOnce(ctx, url, cond, header)
		if err == nil || attempt > f.Retries || !retryable(ctx, err) {
			if err != nil && attempt > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return p, err
		}
		if se := (*StatusError)(nil); errors.As(err, &se) && se.RetryAfter > 0 {
			wait = min(se.RetryAfter, maxRetryAfter)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (retry interrupted: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// retryable: network errors, 429 and 5xx, unless the run was cancelled.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, ErrTooLarge) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code == http.StatusTooManyRequests || se.Code >= 500
	}
	return true
}

func (f *HTTPFetcher) fetchOnce(ctx context.Context, url string, cond Conditional, header http.Header) (*Payload, error) {
	if len(header) > 0 {
		names := make([]string, 0, len(header))
		for k := range header {
			names = append(names, k)
		}
		ctx = context.WithValue(ctx, credentialsKey{}, names)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", url, err)
	}
	release, err := f.hostTurn(ctx, req.URL.Host)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer release()
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", f.UserAgent)
	req.Header.Set("Accept", "text/csv, application/json, application/geo+json;q=0.9, */*;q=0.5")
	if cond.ETag != "" {
		req.Header.Set("If-None-Match", cond.ETag)
	}
	if cond.LastModified != "" {
		req.Header.Set("If-Modified-Since", cond.LastModified)
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	p := &Payload{URL: url, FetchedAt: time.Now().UTC(), ContentType: resp.Header.Get("Content-Type"),
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Link: resp.Header.Get("Link"), Header: resp.Header}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		p.NotModified = true
		return p, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &StatusError{URL: url, Status: resp.Status, Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header)}
	}
	if resp.ContentLength > f.MaxBytes {
		return nil, fmt.Errorf("GET %s: %w: announced %d bytes, the limit is %d (harvest.max_bytes)", url, ErrTooLarge, resp.ContentLength, f.MaxBytes)
	}
	if p.Body, err = readUpTo(resp.Body, f.MaxBytes, resp.ContentLength, bytesSetting); err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return p, nil
}

// hostTurn waits until no other request to host is under way.
func (f *HTTPFetcher) hostTurn(ctx context.Context, host string) (release func(), err error) {
	v, _ := f.hosts.LoadOrStore(host, make(chan struct{}, 1))
	turn := v.(chan struct{})
	select {
	case turn <- struct{}{}:
		return func() { <-turn }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// retryAfter reads a Retry-After header given in seconds or as a date.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// ErrTooLarge is returned when a payload exceeds the size limit.
var ErrTooLarge = errors.New("payload larger than the size limit")

// bytesSetting names the payload size limit in errors.
const bytesSetting = "harvest.max_bytes"

// readUpTo reads r whole, failing past max bytes with an error naming
// the setting that sets max; size, when known (above 0), is the length
// to expect, read without growing the buffer.
func readUpTo(r io.Reader, max, size int64, setting string) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 && size <= max {
		// the last read, of none, still asks MinRead free
		buf.Grow(int(size) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, max+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > max {
		return nil, fmt.Errorf("%w: more than %d bytes (%s)", ErrTooLarge, max, setting)
	}
	return buf.Bytes(), nil
}
