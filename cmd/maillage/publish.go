package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/exporters/datagouv"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// cmdPublish brings the configured data.gouv.fr datasets up to date.
func cmdPublish(ctx context.Context, env environment, args []string) int {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "config.yaml", "configuration file")
	dryRun := fs.Bool("dry-run", false, "say what would be done, change nothing")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) > 0 {
		return 2
	}
	a, err := wire(ctx, env, *configPath, true)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage publish: %v\n", err)
		return 1
	}
	defer a.store.Close()
	pub, datasets, err := newPublisher(a.cfg, a.store, *dryRun)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage publish: %v\n", err)
		return 2
	}
	actions, err := pub.Publish(ctx, datasets)
	printActions(env.stdout, actions, *dryRun)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage publish: %v\n", err)
		return 1
	}
	return 0
}

// newPublisher wires the publisher and the datasets of the
// configuration.
func newPublisher(cfg *config.Config, st store.Store, dryRun bool) (*datagouv.Publisher, []datagouv.DatasetConfig, error) {
	dg := cfg.Datagouv
	if len(dg.Datasets) == 0 {
		return nil, nil, errors.New("no datagouv.datasets in the configuration")
	}
	if dg.APIKey == "" && !dryRun {
		return nil, nil, errors.New("MAILLAGE_DATAGOUV_API_KEY is not set (data.gouv.fr's API key, from your profile)")
	}
	var formats []exporters.Format
	for _, name := range dg.Formats {
		f, err := exporters.FormatNamed(name)
		if err != nil {
			return nil, nil, err
		}
		formats = append(formats, f)
	}
	client := &datagouv.Client{BaseURL: dg.URL, APIKey: dg.APIKey, HTTP: &http.Client{Timeout: cfg.Harvest.Timeout},
		Retries: cfg.Harvest.Retries, Backoff: cfg.Harvest.RetryBackoff}
	pub := &datagouv.Publisher{Client: client, Store: st, Organization: dg.Organization, Formats: formats,
		Licence: dg.Licence, Frequency: dg.Frequency, DryRun: dryRun}
	var datasets []datagouv.DatasetConfig
	for _, d := range dg.Datasets {
		dc := datagouv.DatasetConfig{Title: d.Title, Description: d.Description, Private: d.Private}
		name := "France"
		if d.Territoire != "" {
			t, err := schema.ParseTerritory(d.Territoire)
			if err != nil {
				return nil, nil, err
			}
			dc.Territory = &t
			if n, ok := geo.TerritoryName(t); ok {
				name = n
			} else {
				name = t.String()
			}
		}
		if dc.Title == "" {
			dc.Title = "Lieux de médiation numérique — " + name
		}
		if dc.Description == "" {
			dc.Description = "Lieux de médiation numérique (" + name + ") : France services, permanences des conseillers numériques, " +
				"espaces publics numériques, médiathèques, associations… Moissonnés auprès de leurs producteurs, normalisés au schéma " +
				"national v1.0.2 (LaMednum/standard-mediation-num), géolocalisés et dédoublonnés, avec la provenance de chaque valeur."
		}
		datasets = append(datasets, dc)
	}
	return pub, datasets, nil
}

func printActions(w io.Writer, actions []datagouv.Action, dryRun bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "DATASET\tFILE\tACTION\tDETAIL"
	if dryRun {
		head = "DATASET\tFILE\tWOULD\tDETAIL"
	}
	fmt.Fprintln(tw, head)
	for _, a := range actions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Dataset, a.File, a.What, truncate(a.Detail, 160))
	}
	tw.Flush()
}
