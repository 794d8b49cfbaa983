package harvest

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/maillage/maillage/internal/failpoint"
)

// Source describes where and how to fetch one source.
type Source struct {
	Name     string `yaml:"name"`
	Kind     string `yaml:"kind"`
	Location string `yaml:"location"`
	// Format is csv, json or geojson; empty means detect.
	Format string `yaml:"format"`
	// Delimiter forces the CSV separator; empty means sniff.
	Delimiter string `yaml:"delimiter"`
	// RecordsKey names the member of a JSON object that holds the records.
	RecordsKey string `yaml:"records_key"`

	// The options of the kinds that need more than a location.
	DataGouv DataGouvOptions `yaml:"datagouv"`
	ODS      ODSOptions      `yaml:"ods"`
	JSONAPI  JSONAPIOptions  `yaml:"http_json"`
	YesWiki  YesWikiOptions  `yaml:"yeswiki"`
	HTML     HTMLOptions     `yaml:"html"`
	Peer     PeerOptions     `yaml:"peer"`
}

// Conditional carries validators of the last good fetch for conditional GET.
type Conditional struct {
	ETag         string
	LastModified string
}

// Fetcher fetches the payload of one kind of source.
type Fetcher interface {
	Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error)
}

// Options configure the harvester.
type Options struct {
	UserAgent string
	Timeout   time.Duration
	MaxBytes  int64
	// MaxUnpacked bounds what a compressed payload may expand to
	// (default: MaxBytes).
	MaxUnpacked int64
	// Retries and RetryBackoff govern retries of transient HTTP failures.
	Retries      int
	RetryBackoff time.Duration
	// BaseDir resolves relative file locations.
	BaseDir string
	// Getenv reads the environment variables that hold sources' secrets
	// (default os.Getenv).
	Getenv func(string) string
	// OneRun says the harvester serves a single run (a `sync` command):
	// it keeps no decoded records for a next decode (see ElementCache),
	// which would only hold memory.
	OneRun bool
}

// Harvester fetches and decodes sources through a registry of kinds.
type Harvester struct {
	fetchers map[string]Fetcher
	elements sync.Map // source name → *ElementCache
	oneRun   bool     // no element cache (Options.OneRun)
	peer     *PeerClient
	// maxUnpacked bounds what a compressed payload may expand to.
	maxUnpacked int64
}

// New returns a harvester with every registered kind (kinds.go).
func New(opts Options) *Harvester {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 100 << 20
	}
	if opts.MaxUnpacked <= 0 {
		opts.MaxUnpacked = opts.MaxBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 2 * time.Second
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.UserAgent == "" {
		opts.UserAgent = defaultUserAgent
	}
	web := NewHTTPFetcher(opts)
	h := &Harvester{fetchers: map[string]Fetcher{}, maxUnpacked: opts.MaxUnpacked, oneRun: opts.OneRun, peer: &PeerClient{web: web, getenv: opts.Getenv}}
	for name, k := range kinds {
		h.fetchers[name] = k.fetcher(opts, web)
	}
	return h
}

// Kinds lists the registered source kinds.
func (h *Harvester) Kinds() []string {
	kinds := make([]string, 0, len(h.fetchers))
	for k := range h.fetchers {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// Fetch fetches a source's payload.
func (h *Harvester) Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error) {
	f, ok := h.fetchers[src.Kind]
	if !ok {
		return nil, fmt.Errorf("harvest: source %q: unknown kind %q (known: %s)", src.Name, src.Kind, strings.Join(h.Kinds(), ", "))
	}
	p, err := f.Fetch(ctx, src, cond)
	if err != nil {
		return nil, fmt.Errorf("harvest: source %q: %w", src.Name, err)
	}
	failpoint.Reach(failpoint.Fetch)
	return p, nil
}

// Decode decodes a payload into a table.
// A JSON source's elements decoded last time, by the same harvester, are
// not decoded again.
func (h *Harvester) Decode(src Source, p *Payload) (*Table, error) {
	if h.oneRun {
		return h.decode(src, p, nil)
	}
	cache, _ := h.elements.LoadOrStore(src.Name, &ElementCache{})
	return h.decode(src, p, cache.(*ElementCache))
}

// ForgetElements drops what every source's last decode left.
func (h *Harvester) ForgetElements() { h.elements.Clear() }

// DecodeOnce decodes a payload that will not be decoded again (a file
// converted once): nothing is kept for a next decode.
func (h *Harvester) DecodeOnce(src Source, p *Payload) (*Table, error) {
	return h.decode(src, p, nil)
}

func (h *Harvester) decode(src Source, p *Payload, cache *ElementCache) (*Table, error) {
	t, err := Decode(p, DecodeOptions{Format: src.Format, Delimiter: src.Delimiter, RecordsKey: src.RecordsKey, Name: src.Location,
		Elements: cache, MaxUnpacked: h.maxUnpacked})
	if err != nil {
		return nil, fmt.Errorf("harvest: source %q: %w", src.Name, err)
	}
	return t, nil
}
