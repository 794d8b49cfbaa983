package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/geo/geocodertest"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// TestOnlyChangedRecordsNormalised: a harvest whose file changed maps,
// normalises and geocodes only the records that are new or changed; what
// it publishes is what a sync of the same file into an empty store
// publishes. A forced run, or a changed mapping, normalises them all.
func TestOnlyChangedRecordsNormalised(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	cfg := geocodeFixture(t, f)
	st, p := geocoding(t, cfg, srv.URL)
	ctx := context.Background()
	first := runOnce(t, p, cfg, pipeline.Options{})
	if first.Normalised != 5 {
		t.Fatalf("first run normalised %d records", first.Normalised)
	}
	out := t.TempDir()
	if err := p.WriteFiles(ctx, out, &pipeline.Result{Report: &pipeline.Report{}}); err != nil {
		t.Fatal(err)
	}
	// g-1 renamed, g-3 gone, g-5 new at g-0's address (cached).
	path := filepath.Join(cfg.Dir, "lieux.csv")
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	g0 := strings.Split(lines[1], ";")
	edited := []string{lines[0], lines[1], strings.Replace(lines[2], "Lieu 1", "Lieu un", 1), lines[3], lines[5],
		"g-5;Nouveau lieu;" + strings.Join(g0[2:], ";")}
	if err := os.WriteFile(path, []byte(strings.Join(edited, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls("")
	second := runOnce(t, p, cfg, pipeline.Options{})
	if second.Normalised != 2 || second.Created != 1 || second.Updated != 1 || second.Unchanged != 3 || second.Deleted != 1 {
		t.Errorf("second run: %+v", second)
	}
	if f.Calls("") != calls {
		t.Errorf("the second run called the geocoder %d times", f.Calls("")-calls)
	}
	var incremental, scratch, geojson bytes.Buffer
	pipeline.WriteLieuxCSV(ctx, st, &incremental)
	pipeline.WriteLieuxGeoJSON(ctx, st, &geojson)
	if err := p.WriteFiles(ctx, out, &pipeline.Result{Report: &pipeline.Report{}}); err != nil {
		t.Fatal(err)
	}
	files := [2]string{}
	for i, name := range []string{pipeline.FileLieuxCSV, pipeline.FileLieuxGeoJSON} {
		raw, _ := os.ReadFile(filepath.Join(out, name))
		files[i] = string(raw)
	}
	if files[0] != incremental.String() || files[1] != geojson.String() || !strings.Contains(files[0], "Lieu un") {
		t.Errorf("files written from kept renderings differ from the store's lieux:\n%s\n%s", files[0], incremental.String())
	}
	st2, p2 := geocoding(t, cfg, srv.URL)
	runOnce(t, p2, cfg, pipeline.Options{})
	pipeline.WriteLieuxCSV(ctx, st2, &scratch)
	if incremental.String() != scratch.String() {
		t.Errorf("incremental sync published\n%s\na sync from scratch\n%s", incremental.String(), scratch.String())
	}
	if forced := runOnce(t, p, cfg, pipeline.Options{Force: true}); forced.Normalised != 5 || forced.Unchanged != 5 {
		t.Errorf("forced run: %+v", forced)
	}
	cfg.Sources[0].Mapping.Constants = map[string]string{"structure_parente": "Réseau des lieux"}
	if remapped := runOnce(t, p, cfg, pipeline.Options{}); remapped.Normalised != 5 || remapped.Updated != 5 {
		t.Errorf("run under a new mapping: %+v", remapped)
	}
}

func runOnce(t *testing.T, p *pipeline.Pipeline, cfg *config.Config, opts pipeline.Options) store.SourceRun {
	t.Helper()
	rep, err := p.Run(context.Background(), cfg, opts)
	if err != nil || rep.Sources[0].Status != store.RunOK {
		t.Fatalf("run: %v %+v", err, rep.Sources[0].SourceRun)
	}
	return rep.Sources[0].SourceRun
}

// TestKeptStateChangesNothing: the bundled examples synced, then synced
// again with one record in a hundred edited, publish the same files
// whether the pipeline kept its state from the first sync (records,
// renderings, the deduplication memo), starts afresh on the same store,
// or runs as a `sync` command does (OneRun: what it keeps is let go once
// it has published, so its second run reads the store whole). The
// reports count the same fixes, warnings and quarantine reasons (the
// record mirror keeps fixes reduced to their rules).
func TestKeptStateChangesNothing(t *testing.T) {
	modes := []struct {
		name         string
		keep, oneRun bool
	}{{"kept", true, false}, {"afresh", false, false}, {"one run", true, true}}
	var outputs, tallies [3]string
	for i, mode := range modes {
		c, files := exampleCopy(t)
		st := openStore(t)
		p := newPipeline(st, c)
		p.OneRun = mode.oneRun
		openDataFiles(t, p, runAll(t, p, c)) // so that the next files follow this publication's changes
		if edited := editCorpus(t, c.Dir, files, 100); edited < 40 {
			t.Fatalf("%d records edited", edited)
		}
		if !mode.keep {
			p = newPipeline(st, c)
		}
		rep := runAll(t, p, c)
		outputs[i] = openDataFiles(t, p, rep)
		tallies[i] = reportTallies(t, rep)
		if stored := openDataFiles(t, newPipeline(st, c), rep); stored != outputs[i] {
			t.Errorf("files written from the pipeline's state (%s) differ from those written from the store alone", mode.name)
		}
		if mode.keep && !mode.oneRun && (rep.Lieux.Updated == 0 || rep.Lieux.Unchanged < rep.Lieux.Total*9/10) {
			t.Errorf("second sync: %+v", rep.Lieux)
		}
	}
	for i := 1; i < len(modes); i++ {
		if outputs[i] != outputs[0] {
			t.Errorf("a pipeline that %s published other files than one that kept its state", modes[i].name)
		}
		if tallies[i] != tallies[0] {
			t.Errorf("the report of a pipeline that %s counts\n%s\none that kept its state\n%s", modes[i].name, tallies[i], tallies[0])
		}
	}
}

// reportTallies is what a report counts of each source's records.
func reportTallies(t *testing.T, rep *pipeline.Result) string {
	t.Helper()
	var out []byte
	for _, s := range rep.Sources {
		b, err := json.Marshal([]any{s.Source, s.Current, s.Fixes, s.Warnings, s.QuarantineReasons, len(s.QuarantinedRecords), len(s.WarnedRecords)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, b...), '\n')
	}
	return string(out)
}

// exampleCopy is the example configuration reading a copy of its enabled
// sources' files (to edit), and those files.
func exampleCopy(t *testing.T) (*config.Config, []string) {
	cfg := exampleConfig(t)
	var files []string
	for _, s := range cfg.Sources {
		if s.On() {
			files = append(files, s.Location)
		}
	}
	c := *cfg
	c.Dir = t.TempDir()
	copyCorpus(t, cfg.Dir, c.Dir, files)
	return &c, files
}

// openDataFiles writes the lieux, GeoJSON and provenance files of p
// and returns them, one after the other.
func openDataFiles(t *testing.T, p *pipeline.Pipeline, rep *pipeline.Result) string {
	t.Helper()
	out := t.TempDir()
	if err := p.WriteFiles(context.Background(), out, rep); err != nil {
		t.Fatal(err)
	}
	var all string
	for _, name := range []string{pipeline.FileLieuxCSV, pipeline.FileLieuxGeoJSON, pipeline.FileProvenance} {
		raw, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		all += string(raw)
	}
	return all
}

func runAll(t *testing.T, p *pipeline.Pipeline, cfg *config.Config) *pipeline.Result {
	t.Helper()
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestAnotherWriterIsFollowed: a pipeline that kept its state takes in
// what another writer (a sync command, another instance) stored since,
// even a write between the moment the pipeline reads what the store holds
// and the moment it stores its own: of a source's records (the source is
// applied again), of the lieux (the publication starts over). After it, a
// pipeline starting afresh on the store finds nothing to publish
// differently.
func TestAnotherWriterIsFollowed(t *testing.T) {
	for _, at := range []string{"records", "lieux"} {
		t.Run(at, func(t *testing.T) {
			c, files := exampleCopy(t)
			st := openStore(t)
			kept := newPipeline(st, c)
			runAll(t, kept, c)
			editCorpus(t, c.Dir, files, 100)
			// The other writer reads the first source under another
			// mapping: every record it stores has another hash than the
			// kept ones, and its lieux another content.
			other := *c
			other.Sources = slices.Clone(c.Sources)
			other.Sources[0].Mapping.Constants = map[string]string{"structure_parente": "Réseau des lieux"}
			racing := &racingStore{Store: st, source: c.Sources[0].Name, at: at, race: func() {
				if _, err := newPipeline(st, &other).Run(context.Background(), &other, pipeline.Options{Only: other.Sources[0].Name}); err != nil {
					t.Error(err)
				}
			}}
			kept.Store = racing
			rep := runAll(t, kept, c)
			if s := rep.Sources[0]; racing.raced != 1 || s.Status != store.RunOK || at == "records" && s.Normalised != s.Fetched {
				t.Fatalf("the source written meanwhile (raced %d): %+v", racing.raced, s.SourceRun)
			}
			afresh, err := newPipeline(st, c).Run(context.Background(), c, pipeline.Options{Only: c.Sources[1].Name})
			if err != nil {
				t.Fatal(err)
			}
			if l := afresh.Lieux; l.Created != 0 || l.Updated != 0 || l.Deleted != 0 || l.Total != rep.Lieux.Total {
				t.Errorf("a pipeline starting afresh publishes %+v after the one that kept its state published %+v", l, rep.Lieux)
			}
		})
	}
}

// racingStore is the real store, written by another writer (race) just
// before the first write of one source's records, or of the lieux.
type racingStore struct {
	store.Store
	source, at string
	race       func()
	raced      int
}

func (r *racingStore) ReplaceSourceRecords(ctx context.Context, source string, recs []store.SourceRecord, at time.Time, view *store.RecordsView) (store.RecordStats, error) {
	if r.at == "records" && source == r.source && r.raced == 0 {
		r.raced++
		r.race()
	}
	return r.Store.ReplaceSourceRecords(ctx, source, recs, at, view)
}

func (r *racingStore) SaveLieux(ctx context.Context, set store.LieuSet, at time.Time) (store.LieuStats, error) {
	if r.at == "lieux" && r.raced == 0 {
		r.raced++
		r.race()
	}
	return r.Store.SaveLieux(ctx, set, at)
}

// TestRefusedSourceNormalisedOnce: a source refused as no list of places
// (its records are not stored) is normalised whole once; its next
// harvests normalise only the records that changed since to refuse it
// again, unless forced.
func TestRefusedSourceNormalisedOnce(t *testing.T) {
	services := "id;nom;description\n"
	for i := range 5 {
		services += fmt.Sprintf("s-%d;Atelier %d;Initiation au numérique, niveau %d\n", i, i, i)
	}
	cfg := hubConfig(t, services)
	p := newPipeline(openStore(t), cfg)
	harvest := func(opts pipeline.Options) store.SourceRun {
		t.Helper()
		rep, err := p.Run(context.Background(), cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Sources[0].SourceRun
		if s.Status != store.RunFailed || !strings.Contains(s.Error, "not a list of places") {
			t.Fatalf("the source was not refused: %+v", s)
		}
		return s
	}
	if first := harvest(pipeline.Options{}); first.Normalised != 5 {
		t.Errorf("first harvest normalised %d records", first.Normalised)
	}
	path := filepath.Join(cfg.Dir, "lieux.csv")
	if err := os.WriteFile(path, []byte(strings.Replace(services, "niveau 3", "niveau 4", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := harvest(pipeline.Options{}); again.Normalised != 1 {
		t.Errorf("a harvest with one record changed normalised %d records", again.Normalised)
	}
	if forced := harvest(pipeline.Options{Force: true}); forced.Normalised != 5 {
		t.Errorf("a forced harvest normalised %d records", forced.Normalised)
	}
}

// TestReviewPairsExplained: the review pairs are stored with their
// scores only; listed, each is explained by the scorer over the current
// records, to the same score; a sync of the same data leaves the same
// pairs.
func TestReviewPairsExplained(t *testing.T) {
	cfg := exampleConfig(t)
	st := openStore(t)
	p := newPipeline(st, cfg)
	ctx := context.Background()
	if _, err := p.Run(ctx, cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	first, err := st.ReviewPairs(ctx)
	if err != nil || len(first) == 0 {
		t.Fatalf("%d review pairs, %v", len(first), err)
	}
	items, err := p.ReviewList(ctx, cfg, 0)
	if err != nil || len(items) != len(first) {
		t.Fatalf("%d items listed of %d pairs, %v", len(items), len(first), err)
	}
	for _, it := range items {
		if len(it.Features) == 0 {
			t.Errorf("pair %v %v: no explanation", it.ReviewPair.A, it.ReviewPair.B)
		}
	}
	explained, err := p.Explain(ctx, cfg, first[0].A.Source+"/"+first[0].A.RecordKey, first[0].B.Source+"/"+first[0].B.RecordKey)
	if err != nil || math.Abs(explained.Score-first[0].Score) > 1e-9 || !reflect.DeepEqual(explained.Features, items[0].Features) {
		t.Errorf("the best pair explained: %v, score %v (stored %v)", err, explained.Score, first[0].Score)
	}
	if _, err := p.Run(ctx, cfg, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	again, err := st.ReviewPairs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, first) {
		t.Errorf("after a sync of the same data the review pairs differ")
	}
}

// TestReturningRecordLinkedAgain: a record that leaves its source and
// comes back is linked again from then: the links (and their times) the
// pipeline keeps are the store's, and the files it writes from them are
// those written from the store alone.
func TestReturningRecordLinkedAgain(t *testing.T) {
	c, files := exampleCopy(t)
	var csvFile string
	for _, f := range files {
		if strings.HasSuffix(f, ".csv") && csvFile == "" {
			csvFile = f
		}
	}
	path := filepath.Join(c.Dir, csvFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	p := newPipeline(st, c)
	openDataFiles(t, p, runAll(t, p, c))
	header, rest, _ := strings.Cut(string(raw), "\n")
	_, others, _ := strings.Cut(rest, "\n") // the first record leaves
	for _, body := range []string{header + "\n" + others, string(raw)} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		rep := runAll(t, p, c)
		if kept, stored := openDataFiles(t, p, rep), openDataFiles(t, newPipeline(st, c), rep); kept != stored {
			t.Errorf("files written from the pipeline's state differ from those written from the store alone")
		}
		idx, err := st.LieuIndex(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		links, since := p.StateLinks()
		for _, l := range idx.Links {
			ref := dedup.Ref{Source: l.Source, RecordKey: l.RecordKey}
			if links[ref] != l.LieuID || since[ref] != l.LinkedAt.UnixMicro() {
				t.Errorf("%v: the state links it to %s since %d, the store to %s since %d", ref, links[ref], since[ref], l.LieuID, l.LinkedAt.UnixMicro())
			}
		}
		if len(links) != len(idx.Links) || len(since) != len(idx.Links) {
			t.Errorf("the state holds %d links (%d times), the store %d", len(links), len(since), len(idx.Links))
		}
	}
}

// TestStalePublicationWritesTheStore: the files written from a run's
// result that another publication followed are the store's current
// ones, as written from the latest result.
func TestStalePublicationWritesTheStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flaky.csv")
	os.WriteFile(path, []byte(goodCSV), 0o644)
	cfg := &config.Config{Dir: dir, Sources: []config.Source{{Source: harvest.Source{Name: "flaky", Kind: "file", Location: "flaky.csv"}}}}
	p := newPipeline(openStore(t), cfg)
	old := runAll(t, p, cfg)
	os.WriteFile(path, []byte(strings.Replace(goodCSV, "EPN du Marais", "EPN du Haut-Marais", 1)+
		"h-4,,Tiers-lieu des Halles,Nevers,58000,3 place Carnot,2024-03-01,\n"), 0o644) // a new link too
	latest := runAll(t, p, cfg)
	if stale, fresh := openDataFiles(t, p, old), openDataFiles(t, p, latest); stale != fresh || !strings.Contains(fresh, "Haut-Marais") || !strings.Contains(fresh, ",flaky,h-4") {
		t.Errorf("the stale result wrote other files than the latest:\n%s\n---\n%s", stale, fresh)
	}
}
