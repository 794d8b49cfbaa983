package harvest

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// kind is a kind of source: how its configuration is checked and how its
// fetcher is built (web is the shared HTTP client, with its retries).
type kind struct {
	validate func(Source) error
	fetcher  func(opts Options, web *HTTPFetcher) Fetcher
}

// kinds is the registry of source kinds; each lives in its own file.
var kinds = map[string]kind{
	"file": {validate: needLocation, fetcher: func(o Options, _ *HTTPFetcher) Fetcher {
		return &FileFetcher{BaseDir: o.BaseDir, MaxBytes: o.MaxBytes}
	}},
	"http":     {validate: needLocation, fetcher: func(_ Options, web *HTTPFetcher) Fetcher { return web }},
	"datagouv": {validate: validateDataGouv, fetcher: func(_ Options, web *HTTPFetcher) Fetcher { return &dataGouv{web: web} }},
	"ods":      {validate: validateODS, fetcher: func(_ Options, web *HTTPFetcher) Fetcher { return &ods{web: web} }},
	"http-json": {validate: validateJSONAPI, fetcher: func(o Options, web *HTTPFetcher) Fetcher {
		return &jsonAPI{web: web, getenv: o.Getenv}
	}},
	"yeswiki":   {validate: validateYesWiki, fetcher: func(_ Options, web *HTTPFetcher) Fetcher { return &yesWiki{web: web} }},
	"gogocarto": {validate: needLocation, fetcher: func(_ Options, web *HTTPFetcher) Fetcher { return &goGoCarto{web: web} }},
	"html":      {validate: validateHTML, fetcher: func(o Options, _ *HTTPFetcher) Fetcher { return &htmlCrawler{opts: o} }},
	"peer":      {validate: validatePeer, fetcher: func(Options, *HTTPFetcher) Fetcher { return peerFetcher{} }},
}

// KindNames lists the source kinds, sorted.
func KindNames() []string {
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ValidateSource checks a source's kind and the options its kind needs.
func ValidateSource(src Source) error {
	k, ok := kinds[src.Kind]
	if !ok {
		return fmt.Errorf("kind %q (%s)", src.Kind, strings.Join(KindNames(), ", "))
	}
	return k.validate(src)
}

// needURL checks that the location is an absolute URL, what says which.
func needURL(src Source, what string) error {
	if u, err := url.Parse(src.Location); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("location %q: %s is required", src.Location, what)
	}
	return nil
}

func needLocation(src Source) error {
	if src.Location == "" {
		return errors.New("location is required")
	}
	return nil
}
