package datagouv

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"time"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// SchemaName is the standard's name on schema.data.gouv.fr.
const SchemaName = "LaMednum/standard-mediation-num"

// DatasetConfig is one dataset to keep published.
type DatasetConfig struct {
	// Territory, nil for the national dataset.
	Territory   *schema.Territory
	Title       string
	Description string
	// Private keeps the dataset private (a dataset private on data.gouv.fr
	// stays so whatever this says).
	Private bool
}

// Key names the dataset in the publication state.
func (d DatasetConfig) Key() string {
	if d.Territory == nil {
		return "national"
	}
	return d.Territory.String()
}

// Publisher keeps datasets published: it owns their state in the store.
type Publisher struct {
	Client       *Client
	Store        store.Store
	Organization string
	// Formats are the files of each dataset (csv first: it is validated
	// against the standard and counted; the others must hold as many lieux).
	Formats []exporters.Format
	// Licence is data.gouv.fr's licence id (lov2: Licence Ouverte 2.0).
	Licence   string
	Frequency string
	// DryRun reports what would be done and changes nothing.
	DryRun bool
	// TempDir holds each run's files ("" : the system's).
	TempDir string
	Now     func() time.Time
}

// Action is one thing a publication did, or would do in a dry run, or
// failed to do.
type Action struct {
	Dataset string `json:"dataset"`
	File    string `json:"file,omitempty"`
	// What: create, metadata, upload (a new resource), replace, unchanged,
	// invalid, failed.
	What   string `json:"what"`
	Detail string `json:"detail,omitempty"`
}

// Publish brings each dataset up to date and returns what it did; an
// error of one dataset does not stop the others (it is an action
// "failed"), and the returned error says how many failed.
func (p *Publisher) Publish(ctx context.Context, datasets []DatasetConfig) ([]Action, error) {
	var all []Action
	failed := 0
	for _, d := range datasets {
		actions, err := p.publishOne(ctx, d)
		all = append(all, actions...)
		if err == nil {
			continue
		}
		failed++
		said := slices.ContainsFunc(actions, func(a Action) bool { return a.What == "failed" || a.What == "invalid" })
		if !said {
			all = append(all, Action{Dataset: d.Key(), What: "failed", Detail: err.Error()})
		}
	}
	if failed > 0 {
		return all, fmt.Errorf("datagouv: %d of %d datasets not fully published", failed, len(datasets))
	}
	return all, nil
}

// file is one file of a dataset as written for this run.
type file struct {
	format exporters.Format
	path   string
	sha1   string
	bytes  int64
}

func (p *Publisher) publishOne(ctx context.Context, d DatasetConfig) ([]Action, error) {
	dir, err := os.MkdirTemp(p.TempDir, "maillage-publish-")
	if err != nil {
		return nil, fmt.Errorf("datagouv: %s: %w", d.Key(), err)
	}
	defer os.RemoveAll(dir)
	files, dates, err := p.writeFiles(ctx, dir, d)
	if err != nil {
		return []Action{{Dataset: d.Key(), What: "invalid", Detail: err.Error() + "; nothing uploaded"}}, err
	}
	state, known, err := p.Store.DatagouvDataset(ctx, d.Key())
	if err != nil {
		return nil, err
	}
	meta := p.metadata(d, dates)
	var actions []Action
	var remote Dataset
	switch {
	case !known && p.DryRun:
		actions = append(actions, Action{Dataset: d.Key(), What: "create", Detail: meta.Title})
		for _, f := range files {
			actions = append(actions, Action{Dataset: d.Key(), File: f.format.FileName(), What: "upload", Detail: fmt.Sprintf("%d bytes", f.bytes)})
		}
		return actions, nil
	case !known:
		if remote, err = p.Client.CreateDataset(ctx, meta); err != nil {
			return nil, err
		}
		state = store.DatagouvDataset{Key: d.Key(), DatasetID: remote.ID, CreatedAt: p.now(), Resources: map[string]store.DatagouvResource{}}
		if err := p.Store.SaveDatagouvDataset(ctx, state); err != nil { // before any upload: never create it twice
			return nil, err
		}
		actions = append(actions, Action{Dataset: d.Key(), What: "create", Detail: remote.ID})
	default:
		if remote, err = p.Client.Dataset(ctx, state.DatasetID); err != nil {
			return nil, err
		}
		meta.Private = meta.Private || remote.Private
		if !sameMetadata(meta, remote) {
			actions = append(actions, Action{Dataset: d.Key(), What: "metadata", Detail: state.DatasetID})
			if !p.DryRun {
				if remote, err = p.Client.UpdateDataset(ctx, state.DatasetID, meta); err != nil {
					return actions, err
				}
			}
		}
	}
	var failures []error
	for _, f := range files {
		a, err := p.publishFile(ctx, &state, remote, f)
		actions = append(actions, a)
		if err != nil {
			failures = append(failures, err)
		}
	}
	if len(failures) > 0 {
		return actions, fmt.Errorf("%d files not uploaded, the previous ones stay published: %w", len(failures), failures[0])
	}
	return actions, nil
}

// publishFile uploads a file into its resource when its checksum
// differs from the one last uploaded (a new resource the first time),
// then sets the resource's metadata when it differs.
func (p *Publisher) publishFile(ctx context.Context, state *store.DatagouvDataset, remote Dataset, f file) (Action, error) {
	name := f.format.FileName()
	a := Action{Dataset: state.Key, File: name}
	kept, ok := state.Resources[name]
	var res Resource
	if i := slices.IndexFunc(remote.Resources, func(r Resource) bool { return ok && r.ID == kept.ResourceID }); i >= 0 {
		res = remote.Resources[i]
	}
	var err error
	switch {
	case ok && kept.SHA1 == f.sha1 && res.ID != "":
		a.What = "unchanged"
	case p.DryRun:
		a.What, a.Detail = "upload", fmt.Sprintf("%d bytes", f.bytes)
		if ok {
			a.What = "replace"
		}
		return a, nil
	case ok && res.ID != "":
		a.What = "replace"
		res, err = p.Client.Upload(ctx, state.DatasetID, kept.ResourceID, f.path)
	default: // never uploaded, or its resource was removed on data.gouv.fr
		a.What = "upload"
		res, err = p.Client.UploadNew(ctx, state.DatasetID, f.path)
	}
	if err != nil {
		a.What, a.Detail = "failed", err.Error()
		return a, err
	}
	if a.What != "unchanged" {
		state.Resources[name] = store.DatagouvResource{ResourceID: res.ID, SHA1: f.sha1, Bytes: f.bytes, UploadedAt: p.now()}
		if err := p.Store.SaveDatagouvDataset(ctx, store.DatagouvDataset{Key: state.Key, DatasetID: state.DatasetID, CreatedAt: state.CreatedAt,
			Resources: map[string]store.DatagouvResource{name: state.Resources[name]}}); err != nil {
			return a, err
		}
		a.Detail = fmt.Sprintf("%d bytes into %s", f.bytes, res.ID)
	}
	want := resourceMetadata(res, f.format)
	if !reflect.DeepEqual(subset(res), subset(want)) && !p.DryRun {
		if _, err := p.Client.UpdateResource(ctx, state.DatasetID, want); err != nil {
			a.What, a.Detail = "failed", "metadata: "+err.Error()
			return a, err
		}
	}
	return a, nil
}

// resourceMetadata is the metadata a resource of a format should carry.
func resourceMetadata(r Resource, f exporters.Format) Resource {
	r.Title = f.FileName()
	r.Description = f.Title
	r.Format = f.Name
	r.Type = "main"
	r.Schema = nil
	if f.Name == "csv" {
		r.Schema = &Schema{Name: SchemaName, Version: "1.0.2"}
	}
	return r
}

// subset is what publishFile sets on a resource.
func subset(r Resource) [5]any {
	return [5]any{r.Title, r.Description, r.Format, r.Type, r.Schema}
}

// metadata is what the dataset should say of itself.
func (p *Publisher) metadata(d DatasetConfig, dates [2]string) Dataset {
	meta := Dataset{Title: d.Title, Description: d.Description, Private: d.Private, Frequency: p.Frequency, License: p.Licence,
		Spatial: &Spatial{Zones: []string{zoneOf(d.Territory)}, Granularity: "poi"},
		Tags:    []string{"mediation-numerique", "inclusion-numerique", "france-services"}}
	if p.Organization != "" {
		meta.Organization = &OrgRef{ID: p.Organization}
	}
	if dates[0] != "" {
		meta.TemporalCoverage = &Temporal{Start: dates[0], End: dates[1]}
	}
	return meta
}

// zoneOf is a territory's geozone id on data.gouv.fr.
func zoneOf(t *schema.Territory) string {
	if t == nil {
		return "country:fr"
	}
	level := map[string]string{"reg": "fr:region", "dep": "fr:departement", "epci": "fr:epci", "com": "fr:commune"}[t.Kind.Prefix]
	return level + ":" + t.Code
}

// sameMetadata says whether the remote dataset says what meta says.
func sameMetadata(meta, remote Dataset) bool {
	org := func(o *OrgRef) string {
		if o == nil {
			return ""
		}
		return o.ID
	}
	return meta.Title == remote.Title && meta.Description == remote.Description && meta.Private == remote.Private &&
		meta.Frequency == remote.Frequency && meta.License == remote.License && reflect.DeepEqual(meta.Spatial, remote.Spatial) &&
		reflect.DeepEqual(meta.TemporalCoverage, remote.TemporalCoverage) && slices.Equal(meta.Tags, remote.Tags) &&
		(meta.Organization == nil || org(meta.Organization) == org(remote.Organization))
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now().UTC()
}

// writeFiles writes the dataset's lieux in each format into dir, checks
// them, and returns them with the lieux' date_maj range.
func (p *Publisher) writeFiles(ctx context.Context, dir string, d DatasetConfig) ([]file, [2]string, error) {
	var dates [2]string
	var files []file
	for i, f := range p.Formats {
		path := filepath.Join(dir, f.FileName())
		var n int
		err := exporters.WriteFileAtomic(path, func(w io.Writer) error {
			var err error
			n, err = exporters.WriteLieux(w, f, d.Territory, func(yield func(*schema.Lieu) error) error {
				return p.Store.EachLieu(ctx, func(r store.LieuRow) error {
					if i == 0 && (d.Territory == nil || d.Territory.Contains(&r.Lieu)) {
						dates = widen(dates, r.Lieu.DateMaj)
					}
					return yield(&r.Lieu)
				})
			})
			return err
		})
		if err != nil {
			return nil, dates, err
		}
		if err := CheckFile(path, f, n); err != nil {
			return nil, dates, err
		}
		sum, size, err := sha1Of(path)
		if err != nil {
			return nil, dates, err
		}
		files = append(files, file{format: f, path: path, sha1: sum, bytes: size})
	}
	return files, dates, nil
}

func widen(r [2]string, d string) [2]string {
	if d == "" {
		return r
	}
	if r[0] == "" || d < r[0] {
		r[0] = d
	}
	if d > r[1] {
		r[1] = d
	}
	return r
}

func sha1Of(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("datagouv: %w", err)
	}
	defer f.Close()
	h := sha1.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("datagouv: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
