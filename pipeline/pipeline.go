// Package pipeline runs one sync: harvest every source, map and normalise
// its records, check their coordinates, store them, then merge all current
// records into lieux with stable ids. The CLI and the scheduler both call
// it. A source that fails keeps its last good records.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/internal/buildid"
	"github.com/maillage/maillage/store"
)

// Pipeline holds what a run needs.
type Pipeline struct {
	Store     store.Store
	Harvester *harvest.Harvester
	// Placer geocodes records without a point; nil disables geocoding.
	Placer *Placer
	Log    *slog.Logger
	// Now is the clock (time.Now in production).
	Now func() time.Time
	// Instance names this process in the runs it records (host:pid).
	Instance string
	// Progress, when set, hears each source's stages.
	Progress Progress
	// Checkpoint, when set, is called as a run ends a phase (PhaseHarvested,
	// PhasePublished): `maillage sync --profile` writes a heap profile.
	Checkpoint func(phase string)
	// OneRun says the pipeline runs once (a `sync` command): it keeps no
	// pure cache for a next run (dedup's memo), and lets go of what it
	// keeps between runs as soon as it has published (resyncState.release),
	// which would only cost memory.
	OneRun bool
	// Build identifies the normaliser: the harvests and records hashed
	// under another build are normalised again. New sets it to the
	// executable's build ID (internal/buildid), which changes with any
	// change of the code or of its embedded tables.
	Build string
	// clocks times each source's harvest stages while it runs (source
	// name → *stageClock), for its report's timings.
	clocks sync.Map
	// ArchiveRetention is how long WriteFiles keeps its dated snapshots
	// (archive.retention); 0 keeps none.
	ArchiveRetention time.Duration
	// state is what the pipeline keeps from one run to the next
	// (resyncState: its lifecycle and what each part keys on).
	state resyncState
}

// New returns a pipeline with the real clock.
func New(st store.Store, h *harvest.Harvester, log *slog.Logger) *Pipeline {
	p := &Pipeline{Store: st, Harvester: h, Log: log, Now: func() time.Time { return time.Now().UTC() },
		Instance: instanceName(), Build: buildOf(log)}
	p.state.mappers.Places = geo.Communes()
	return p
}

// buildOf identifies the running build; when it cannot be read, the
// process start stands for it, so that what it cannot tell apart is
// normalised again rather than kept.
func buildOf(log *slog.Logger) string {
	id, err := buildid.Executable()
	if err != nil {
		log.Warn("build_unidentified", "error", err)
		return "unidentified build started " + time.Now().UTC().Format(time.RFC3339Nano)
	}
	return id
}

// instanceName is host:pid.
func instanceName() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}

// Options narrow a run.
type Options struct {
	// Only restricts the harvest to one source (others keep their data).
	Only string
	// Force applies what safety holds would keep back.
	Force bool
}

// ErrUnknownSource is returned when Options.Only names no source.
var ErrUnknownSource = errors.New("pipeline: unknown source")

// Result is what a run gives: its report, and the publication it made,
// which WriteFiles takes.
type Result struct {
	*Report
	Publication Publication
}

// Publication is a run's publication as the files need it: the lieux
// sequence's value its SaveLieux took, the record → lieu links it left
// (in EachLink's order) and the lieux it wrote or removed. The zero
// value, or one that another publication followed, makes WriteFiles read
// the store.
type Publication struct {
	known bool
	seq   int64
	links []store.Link
	delta lieuDelta
}

// Run harvests the sources and republishes the lieux. Source failures are
// reported, not returned: the error is for failures of the run itself.
func (p *Pipeline) Run(ctx context.Context, cfg *config.Config, opts Options) (*Result, error) {
	if opts.Only != "" {
		if _, ok := cfg.Source(opts.Only); !ok {
			return nil, fmt.Errorf("%w %q", ErrUnknownSource, opts.Only)
		}
	}
	started := p.Now()
	runID, err := p.Store.StartRun(ctx, started, p.Instance)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	rep := &Report{RunID: runID, StartedAt: started, Timings: map[string]float64{}}
	st := &runState{holdBelow: cfg.Harvest.HoldBelow, force: opts.Force}
	var sources []config.Source
	for _, src := range cfg.Sources {
		if opts.Only == "" && src.On() || src.Name == opts.Only {
			sources = append(sources, src)
		}
	}
	for sr := range p.prepareSources(ctx, runID, sources, st) {
		rep.Sources = append(rep.Sources, p.finishSource(ctx, sr, st))
		for stage, s := range rep.Sources[len(rep.Sources)-1].Timings {
			rep.Timings[stage] += s
		}
	}
	p.checkpoint(PhaseHarvested)
	// Bookkeeping survives an interrupted run, so no run stays "running".
	bg := context.WithoutCancel(ctx)
	p.state.publishing.Lock()
	err = p.publish(ctx, cfg, rep)
	publication := p.state.published.publication()
	if p.OneRun {
		p.state.release(p.Harvester)
	}
	p.state.publishing.Unlock()
	if err != nil {
		_ = p.Store.FinishRun(bg, runID, p.Now(), "failed")
		return nil, err
	}
	p.checkpoint(PhasePublished)
	rep.FinishedAt = p.Now()
	if err := p.Store.FinishRun(bg, runID, rep.FinishedAt, rep.status()); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	p.Log.Info("sync_finished", "run_id", runID, "lieux", rep.Lieux.Total, "failed_sources", rep.failedSources(),
		"duration_ms", rep.FinishedAt.Sub(started).Milliseconds())
	return &Result{Report: rep, Publication: publication}, nil
}

// Phases of a run, as Checkpoint hears them.
const (
	PhaseHarvested = "harvested"
	PhasePublished = "published"
)

func (p *Pipeline) checkpoint(phase string) {
	if p.Checkpoint != nil {
		p.Checkpoint(phase)
	}
}

// sourceRun is one source's harvest in a run: fetched, decoded and
// normalised by prepareSource (pending holds what then waits to be placed
// and stored, nil when nothing does), finished by finishSource.
type sourceRun struct {
	src     config.Source
	run     store.SourceRun
	rep     SourceReport
	clock   *stageClock
	pending *pendingStore
	err     error
}

// prepareSources prepares the sources' harvests a few at a time (as many
// as the machine has cores: fetching waits on the network, decoding and
// normalising on a core) and yields them in the configuration's order,
// for each to be finished before the next is yielded. At most that many
// harvests are held prepared or preparing at once: a slot is given back
// when the one yielded is finished.
func (p *Pipeline) prepareSources(ctx context.Context, runID int64, sources []config.Source, st *runState) iter.Seq[*sourceRun] {
	return func(yield func(*sourceRun) bool) {
		slots := make(chan struct{}, max(1, min(runtime.GOMAXPROCS(0), len(sources))))
		ready := make([]chan *sourceRun, len(sources))
		for i := range ready {
			ready[i] = make(chan *sourceRun, 1)
		}
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for i, src := range sources {
				select {
				case slots <- struct{}{}:
				case <-stop:
					return
				}
				go func() { ready[i] <- p.prepareSource(ctx, runID, src, st) }()
			}
		}()
		for i := range sources {
			sr := <-ready[i]
			ok := yield(sr)
			<-slots
			if !ok {
				return
			}
		}
	}
}

// prepareSource fetches, decodes and normalises one source; on any
// failure the stored records of the source are left as they were and the
// failure is recorded by finishSource.
func (p *Pipeline) prepareSource(ctx context.Context, runID int64, src config.Source, st *runState) *sourceRun {
	sr := &sourceRun{src: src, run: store.SourceRun{RunID: runID, Source: src.Name, StartedAt: p.Now(), Status: store.RunOK},
		rep: SourceReport{Licence: src.Licence, Attribution: src.Attribution}, clock: newStageClock()}
	p.clocks.Store(src.Name, sr.clock)
	sr.pending, sr.err = p.harvestSource(ctx, src, &sr.run, &sr.rep, st)
	sr.clock.enter("") // the wait for its turn is no stage's
	return sr
}

// finishSource places and stores what a source's harvest prepared, in
// the configuration's order, and records the harvest.
func (p *Pipeline) finishSource(ctx context.Context, sr *sourceRun, st *runState) SourceReport {
	src, err := sr.src, sr.err
	if err == nil && sr.pending != nil {
		err = p.storePending(ctx, sr.pending, st)
	}
	p.clocks.Delete(src.Name)
	rep, run := sr.rep, sr.run
	rep.Timings = sr.clock.finish()
	run.FinishedAt = p.Now()
	if err != nil {
		run.Status, run.Error = store.RunFailed, boundedError(err.Error())
		p.Log.Error("source_failed", "source", src.Name, "error", err)
	} else {
		p.Log.Info("source_harvested", "source", src.Name, "fetched", run.Fetched, "quarantined", run.Quarantined,
			"created", run.Created, "updated", run.Updated, "deleted", run.Deleted)
	}
	if rerr := p.Store.RecordSourceRun(context.WithoutCancel(ctx), run); rerr != nil {
		p.Log.Error("source_run_not_recorded", "source", src.Name, "error", rerr)
	}
	rep.SourceRun = run
	if p.Progress != nil {
		p.Progress.Done(src.Name, run.Status, run.Error)
	}
	return rep
}

// harvestSource fetches, decodes and normalises a source's harvest and
// returns what waits to be stored (nil: nothing, the source unchanged or
// its harvest held).
func (p *Pipeline) harvestSource(ctx context.Context, src config.Source, run *store.SourceRun, rep *SourceReport, st *runState) (*pendingStore, error) {
	if src.Kind == "peer" {
		return p.harvestPeer(ctx, src, run, rep, st)
	}
	last, _, err := p.Store.LastGoodSourceRun(ctx, src.Name)
	if err != nil {
		return nil, err
	}
	p.stage(src.Name, StageFetch, 0)
	cond := harvest.Conditional{ETag: last.ETag, LastModified: last.LastModified}
	if last.GeocodingPending {
		cond = harvest.Conditional{} // a 304 would leave the records waiting for the geocoder
	}
	payload, err := p.Harvester.Fetch(ctx, src.Source, cond)
	if err != nil {
		return nil, err
	}
	run.ETag, run.LastModified = payload.ETag, payload.LastModified
	if payload.NotModified {
		run.Status, run.PayloadHash, run.ETag, run.LastModified = store.RunNotModified, last.PayloadHash, last.ETag, last.LastModified
		rep.Notes = []string{"not modified since the last harvest (HTTP 304)"}
		return nil, nil
	}
	run.PayloadHash = inputHash(payload, src, p.Build)
	if run.PayloadHash == last.PayloadHash && !last.GeocodingPending && !st.force {
		// the same bytes as the last applied harvest (a server without
		// validators): nothing to decode, normalise or geocode
		run.Status = store.RunNotModified
		rep.Notes = []string{"unchanged since the last harvest (same content hash)"}
		return nil, nil
	}
	return p.decodeAndNormalise(ctx, src, payload, last, run, rep, st)
}

// decodeAndNormalise decodes a harvest's payload and normalises it.
func (p *Pipeline) decodeAndNormalise(ctx context.Context, src config.Source, payload *harvest.Payload, last store.SourceRun, run *store.SourceRun,
	rep *SourceReport, st *runState) (*pendingStore, error) {
	p.stage(src.Name, StageDecode, 0)
	table, err := p.Harvester.Decode(src.Source, payload)
	if err != nil {
		return nil, err
	}
	job := sourceJob{src: src, table: table, fetchedAt: payload.FetchedAt, payloadHash: run.PayloadHash, last: last, run: run, rep: rep}
	return p.normaliseJob(ctx, job, st)
}

// storePending places and stores a normalised harvest; when another
// writer changed the source's records since their digests were read, it
// normalises the table again against them and stores once more.
func (p *Pipeline) storePending(ctx context.Context, ps *pendingStore, st *runState) error {
	err := p.storeJob(ctx, ps, st)
	if errors.Is(err, store.ErrKeptChanged) {
		p.Log.Warn("source_records_changed_meanwhile", "source", ps.job.src.Name)
		var again *pendingStore
		if again, err = p.normaliseJob(ctx, ps.job, st); err == nil && again != nil {
			err = p.storeJob(ctx, again, st)
		}
	}
	if errors.Is(err, store.ErrKeptChanged) {
		p.state.publishing.Lock()
		p.state.reset(p.Log, p.Harvester, fmt.Sprintf("the records of source %q changed twice while it was applied", ps.job.src.Name))
		p.state.publishing.Unlock()
	}
	return err
}

// sourceJob is a decoded harvest of a source, to apply.
type sourceJob struct {
	src         config.Source
	table       *harvest.Table
	fetchedAt   time.Time
	payloadHash string
	last        store.SourceRun
	run         *store.SourceRun
	rep         *SourceReport
}

// pendingStore is a harvest normalised against the source's stored
// records (prior), waiting to be placed and stored.
type pendingStore struct {
	job   sourceJob
	prior *store.RecordsView
	recs  []store.SourceRecord
	fresh []store.SourceRecord // the records normalised this run (not kept)
}

// normaliseJob normalises the new or changed records of a harvest and
// holds it back when it looks wrong (nil, nil).
func (p *Pipeline) normaliseJob(ctx context.Context, j sourceJob, st *runState) (*pendingStore, error) {
	src, run := j.src, j.run
	prior, err := p.priorRecords(ctx, src.Name, st.force)
	if err != nil {
		return nil, err
	}
	p.stage(src.Name, StageNormalise, len(j.table.Records))
	known := &priorRecords{build: p.Build}
	if prior != nil { // not forced
		known.byKey, known.refused = prior.ByKey, p.state.refused.of(src.Name)
	}
	recs, mapper, err := normaliseTable(src, j.table, j.fetchedAt, known, &p.state.mappers)
	run.Normalised = known.normalised // what it cost, even when the source is then refused or held
	p.state.refused.keep(src.Name, recs, errors.Is(err, ErrNoLocation))
	if err != nil {
		return nil, fmt.Errorf("pipeline: source %q: %w", src.Name, err)
	}
	j.rep.Notes, j.rep.Columns = append(j.rep.Notes, j.table.Notes...), &ColumnReport{Recognised: mapper.Recognised(), Ignored: mapper.Ignored(j.table.Columns),
		ByContent: mapper.Reasons(j.table.Columns)}
	if reason := holdReason(recs, appliedOf(prior), st.holdBelow); reason != "" && !st.force {
		run.Status, run.Error = store.RunHeld, reason
		run.ETag, run.LastModified = j.last.ETag, j.last.LastModified // the next run fetches it again
		countStatuses(recs, run)
		p.Log.Warn("source_held", "source", src.Name, "reason", reason)
		return nil, nil
	}
	return &pendingStore{job: j, prior: prior, recs: recs, fresh: freshRecords(recs)}, nil
}

// storeJob places the records normalised this run and stores the
// harvest.
func (p *Pipeline) storeJob(ctx context.Context, ps *pendingStore, st *runState) error {
	src, run, recs, fresh := ps.job.src, ps.job.run, ps.recs, ps.fresh
	p.stage(src.Name, StageGeocode, len(fresh))
	run.Geocoded, run.PayloadHash = p.place(ctx, fresh, st), ps.job.payloadHash
	run.GeocodingPending = markPending(fresh) // the next run processes the same bytes again
	for i, k := 0, 0; i < len(recs) && k < len(fresh); i++ {
		if !recs[i].Kept {
			recs[i], k = fresh[k], k+1
		}
	}
	countStatuses(recs, run)
	p.stage(src.Name, StageStore, len(recs))
	stats, err := p.Store.ReplaceSourceRecords(ctx, src.Name, recs, p.Now(), ps.prior)
	if err != nil {
		return err
	}
	p.state.records.offer(src.Name, recs)
	run.Created, run.Updated, run.Unchanged, run.Deleted = stats.Created, stats.Updated, stats.Unchanged, stats.Deleted
	return nil
}

// priorRecords are the stored records of a source, which records of the
// same content hash keep; none when forced (all are normalised).
func (p *Pipeline) priorRecords(ctx context.Context, source string, force bool) (*store.RecordsView, error) {
	if force {
		return nil, nil
	}
	return p.state.records.viewOf(ctx, p.Store, source)
}

// freshRecords copies out the records normalised this run.
func freshRecords(recs []store.SourceRecord) []store.SourceRecord {
	var out []store.SourceRecord
	for i := range recs {
		if !recs[i].Kept {
			out = append(out, recs[i])
		}
	}
	return out
}
