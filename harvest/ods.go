package harvest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ODSOptions name a dataset of an OpenDataSoft portal (kind ods; the
// source's location is the portal's base URL, e.g.
// https://data.iledefrance.fr).
type ODSOptions struct {
	Dataset string `yaml:"dataset"`
	// API is "v2.1" (default: the Explore API's whole-dataset export, one
	// request, conditional GET) or "v1" (records/1.0/search, paged, for
	// portals that have nothing newer).
	API string `yaml:"api"`
	// PageSize is the v1 page size (default 1000; the API allows up to
	// 10,000 rows per query).
	PageSize int `yaml:"page_size"`
}

func validateODS(src Source) error {
	var errs []error
	if err := needURL(src, "the portal's base URL"); err != nil {
		errs = append(errs, err)
	}
	if src.ODS.Dataset == "" {
		errs = append(errs, errors.New("ods.dataset is required"))
	}
	if a := src.ODS.API; a != "" && a != "v2.1" && a != "v1" {
		errs = append(errs, fmt.Errorf("ods.api %q (v2.1, v1)", a))
	}
	if src.ODS.PageSize < 0 || src.ODS.PageSize > 10_000 {
		errs = append(errs, fmt.Errorf("ods.page_size %d (1 to 10000)", src.ODS.PageSize))
	}
	return errors.Join(errs...)
}

type ods struct{ web *HTTPFetcher }

func (o *ods) Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error) {
	base := strings.TrimSuffix(src.Location, "/")
	if src.ODS.API == "v1" {
		return o.fetchV1(ctx, base, src.ODS)
	}
	// the export of the whole dataset, as a JSON array of records
	return o.web.Get(ctx, base+"/api/explore/v2.1/catalog/datasets/"+url.PathEscape(src.ODS.Dataset)+"/exports/json", cond, nil)
}

// odsV1Page is a page of records/1.0/search.
type odsV1Page struct {
	NHits   int `json:"nhits"`
	Records []struct {
		Fields   map[string]json.RawMessage `json:"fields"`
		Geometry *struct {
			Coordinates []float64 `json:"coordinates"`
		} `json:"geometry"`
	} `json:"records"`
}

// fetchV1 pages through records/1.0/search and returns the records' fields
// as one JSON array; a record's point, when its fields give none, is added
// as latitude and longitude.
func (o *ods) fetchV1(ctx context.Context, base string, opts ODSOptions) (*Payload, error) {
	size := opts.PageSize
	if size == 0 {
		size = 1000
	}
	var records []map[string]json.RawMessage
	tally := pageTally{pageSize: size}
	for start := 0; ; start += size {
		q := url.Values{"dataset": {opts.Dataset}, "rows": {strconv.Itoa(size)}, "start": {strconv.Itoa(start)}}
		p, err := o.web.Get(ctx, base+"/api/records/1.0/search/?"+q.Encode(), Conditional{}, nil)
		if err != nil {
			return nil, err
		}
		var page odsV1Page
		if err := json.Unmarshal(p.Body, &page); err != nil {
			return nil, fmt.Errorf("%s: not a records/1.0/search answer: %w", p.URL, err)
		}
		for _, r := range page.Records {
			if r.Fields == nil {
				r.Fields = map[string]json.RawMessage{}
			}
			if g := r.Geometry; g != nil && len(g.Coordinates) == 2 && r.Fields["latitude"] == nil {
				r.Fields["longitude"], r.Fields["latitude"] = number(g.Coordinates[0]), number(g.Coordinates[1])
			}
			records = append(records, r.Fields)
		}
		tally.add(p, nil, len(page.Records))
		tally.total, tally.totalBy = page.NHits, "nhits"
		if len(page.Records) == 0 || start+len(page.Records) >= page.NHits {
			break
		}
	}
	if err := tally.check(); err != nil {
		return nil, fmt.Errorf("ods: %w", err)
	}
	body, err := json.Marshal(records)
	if err != nil {
		return nil, err
	}
	return &Payload{Body: body, URL: base + "/api/records/1.0/search/?dataset=" + url.QueryEscape(opts.Dataset),
		ContentType: "application/json", FetchedAt: time.Now().UTC()}, nil
}

func number(f float64) json.RawMessage { return json.RawMessage(strconv.FormatFloat(f, 'f', -1, 64)) }
