package harvest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
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
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer fh.Close()
	body, err := readLimited(fh, f.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &Payload{Body: body, URL: path, FetchedAt: time.Now().UTC()}, nil
}

// HTTPFetcher performs plain GET requests.
type HTTPFetcher struct {
	Client    *http.Client
	UserAgent string
	MaxBytes  int64
}

// NewHTTPFetcher returns a fetcher with the options' timeout and limits.
func NewHTTPFetcher(opts Options) *HTTPFetcher {
	ua := opts.UserAgent
	if ua == "" {
		ua = "maillage (+https://github.com/maillage/maillage)"
	}
	return &HTTPFetcher{Client: &http.Client{Timeout: opts.Timeout}, UserAgent: ua, MaxBytes: opts.MaxBytes}
}

// Fetch GETs the source URL, conditionally when validators are known.
func (f *HTTPFetcher) Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.Location, nil)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", src.Location, err)
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
		return nil, fmt.Errorf("GET %s: %w", src.Location, err)
	}
	defer resp.Body.Close()
	p := &Payload{URL: src.Location, FetchedAt: time.Now().UTC(), ContentType: resp.Header.Get("Content-Type"),
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if resp.StatusCode == http.StatusNotModified {
		p.NotModified = true
		return p, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("GET %s: HTTP %s", src.Location, resp.Status)
	}
	if p.Body, err = readLimited(resp.Body, f.MaxBytes); err != nil {
		return nil, fmt.Errorf("GET %s: %w", src.Location, err)
	}
	return p, nil
}

// ErrTooLarge is returned when a payload exceeds the size limit.
var ErrTooLarge = errors.New("payload larger than the size limit")

func readLimited(r io.Reader, max int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, max)
	}
	return body, nil
}
