package config

import (
	"fmt"
	"net/url"
	"slices"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

// Datagouv configures the publication on data.gouv.fr (maillage publish,
// and serve on its schedule). The API key comes from the environment
// (MAILLAGE_DATAGOUV_API_KEY), never from the file.
type Datagouv struct {
	// URL is the API's root (default https://www.data.gouv.fr/api/1; the
	// demo platform: https://demo.data.gouv.fr/api/1).
	URL string `yaml:"url"`
	// Organization is the id of the organization the datasets belong to
	// (empty: the API key's user).
	Organization string `yaml:"organization"`
	// Schedule, when set, makes serve publish on it (cron or @every).
	Schedule string `yaml:"schedule"`
	// Formats are the files of each dataset (default all).
	Formats []string `yaml:"formats"`
	// Licence is data.gouv.fr's licence id (default lov2, Licence Ouverte
	// 2.0) and Frequency its update frequency (default daily).
	Licence   string `yaml:"licence"`
	Frequency string `yaml:"frequency"`
	// Datasets are the datasets to keep published.
	Datasets []DatagouvDataset `yaml:"datasets"`
	APIKey   string            `yaml:"-"`
}

// DatagouvDataset is one dataset: the national one (no territoire) or a
// territory's.
type DatagouvDataset struct {
	Territoire  string `yaml:"territoire"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	Private     bool   `yaml:"private"`
}

// datagouvFormats are the formats a dataset may hold.
var datagouvFormats = []string{"csv", "geojson", "parquet", "xlsx"}

func defaultDatagouv() Datagouv {
	return Datagouv{URL: "https://www.data.gouv.fr/api/1", Formats: datagouvFormats, Licence: "lov2", Frequency: "daily"}
}

func (d Datagouv) validate() []error {
	var errs []error
	if u, err := url.Parse(d.URL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		errs = append(errs, fmt.Errorf("datagouv.url: %q is not an http(s) URL", d.URL))
	}
	if d.Schedule != "" {
		if err := harvest.ValidateSpec(d.Schedule); err != nil {
			errs = append(errs, fmt.Errorf("datagouv.schedule: %w", err))
		}
	}
	if len(d.Formats) == 0 || d.Formats[0] != "csv" {
		errs = append(errs, fmt.Errorf("datagouv.formats: %v (csv first: it is checked against the standard)", d.Formats))
	}
	for _, f := range d.Formats {
		if !slices.Contains(datagouvFormats, f) {
			errs = append(errs, fmt.Errorf("datagouv.formats: %q is not a format (%v)", f, datagouvFormats))
		}
	}
	seen := map[string]bool{}
	for i, ds := range d.Datasets {
		key := "national"
		if ds.Territoire != "" {
			t, err := schema.ParseTerritory(ds.Territoire)
			if err != nil {
				errs = append(errs, fmt.Errorf("datagouv.datasets[%d].territoire: %w", i, err))
				continue
			}
			key = t.String()
		}
		if seen[key] {
			errs = append(errs, fmt.Errorf("datagouv.datasets[%d]: %s is published twice", i, key))
		}
		seen[key] = true
	}
	return errs
}
