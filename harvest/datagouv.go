package harvest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// DataGouvOptions choose a resource of a data.gouv.fr dataset (kind
// datagouv; the source's location is the dataset's id or slug). Among the
// resources that match every option set, the latest modified is fetched
// through its stable URL (« latest »), which follows new versions.
type DataGouvOptions struct {
	// API is the portal's base URL (default https://www.data.gouv.fr).
	API string `yaml:"api"`
	// Format keeps the resources of one format (csv, json, geojson…).
	Format string `yaml:"format"`
	// Title keeps the resources whose title matches this regular expression.
	Title string `yaml:"title"`
	// Schema keeps the resources declaring this schema, e.g.
	// LaMednum/standard-mediation-num.
	Schema string `yaml:"schema"`
}

const dataGouvAPI = "https://www.data.gouv.fr"

func validateDataGouv(src Source) error {
	if src.Location == "" {
		return errors.New("location: the dataset's id or slug is required")
	}
	if _, err := regexp.Compile(src.DataGouv.Title); err != nil {
		return fmt.Errorf("datagouv.title: %w", err)
	}
	return nil
}

// dataGouvDataset is the part of GET /api/1/datasets/{id}/ we read.
type dataGouvDataset struct {
	Title     string             `json:"title"`
	Resources []dataGouvResource `json:"resources"`
}

type dataGouvResource struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Format       string `json:"format"`
	URL          string `json:"url"`
	Latest       string `json:"latest"`
	LastModified string `json:"last_modified"`
	Schema       struct {
		Name string `json:"name"`
	} `json:"schema"`
}

// dataGouv fetches the chosen resource of a dataset.
type dataGouv struct{ web *HTTPFetcher }

func (d *dataGouv) Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error) {
	o := src.DataGouv
	api := strings.TrimSuffix(o.API, "/")
	if api == "" {
		api = dataGouvAPI
	}
	meta, err := d.web.Get(ctx, api+"/api/1/datasets/"+url.PathEscape(src.Location)+"/", Conditional{}, nil)
	if err != nil {
		return nil, fmt.Errorf("data.gouv.fr dataset %s: %w", src.Location, err)
	}
	var ds dataGouvDataset
	if err := json.Unmarshal(meta.Body, &ds); err != nil {
		return nil, fmt.Errorf("data.gouv.fr dataset %s: not the API's answer: %w", src.Location, err)
	}
	r, err := pickResource(ds, o)
	if err != nil {
		return nil, fmt.Errorf("data.gouv.fr dataset %s: %w", src.Location, err)
	}
	link := r.Latest
	if link == "" {
		link = r.URL
	}
	abs, err := url.Parse(api + "/")
	if err == nil {
		if ref, err := url.Parse(link); err == nil {
			link = abs.ResolveReference(ref).String()
		}
	}
	return d.web.Get(ctx, link, cond, nil)
}

// pickResource keeps the resources matching the options and returns the
// latest modified (RFC 3339 dates compare as strings).
func pickResource(ds dataGouvDataset, o DataGouvOptions) (dataGouvResource, error) {
	title := regexp.MustCompile(o.Title) // checked by validateDataGouv
	var best *dataGouvResource
	var seen []string
	for i := range ds.Resources {
		r := &ds.Resources[i]
		seen = append(seen, fmt.Sprintf("%q (%s, schema %q)", r.Title, r.Format, r.Schema.Name))
		switch {
		case o.Format != "" && !strings.EqualFold(r.Format, o.Format),
			o.Schema != "" && r.Schema.Name != o.Schema,
			!title.MatchString(r.Title):
			continue
		}
		if best == nil || r.LastModified > best.LastModified {
			best = r
		}
	}
	if best == nil {
		return dataGouvResource{}, fmt.Errorf("no resource matches format %q, title %q, schema %q among %d: %s",
			o.Format, o.Title, o.Schema, len(ds.Resources), strings.Join(seen, "; "))
	}
	return *best, nil
}
