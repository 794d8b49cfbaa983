package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/internal/failpoint"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// maxPeerPages bounds the pages one harvest reads from a peer's feed: a
// feed that changes faster than it is read is read on at the next
// harvest, from the checkpoint.
const maxPeerPages = 10000

// harvestPeer harvests a peer source: it reads the peer's feed from the
// stored checkpoint (from a snapshot the first time, after a 410 or when
// the peer is another instance now) into the source's mirror, one page
// and its checkpoint per transaction, so that a harvest cut short goes
// on where it stopped. Once the feed is read to its end, the mirror is
// the source's payload: a GeoJSON collection of its lieux, which goes
// through decoding, normalisation, the hold rules and dedup like any
// source's. A feed with nothing new costs one request and no work.
func (p *Pipeline) harvestPeer(ctx context.Context, src config.Source, run *store.SourceRun, rep *SourceReport, st *runState) (*pendingStore, error) {
	last, _, err := p.Store.LastGoodSourceRun(ctx, src.Name)
	if err != nil {
		return nil, err
	}
	p.stage(src.Name, StageFetch, 0)
	self, err := p.Store.InstanceID(ctx)
	if err != nil {
		return nil, fmt.Errorf("pipeline: source %q: %w", src.Name, err)
	}
	pull := peerPull{p: p, src: src.Source, self: self, rep: rep}
	cp, err := pull.read(ctx, st.force)
	if err != nil {
		return nil, fmt.Errorf("pipeline: source %q: %w", src.Name, err)
	}
	run.ETag, run.PayloadHash = cp.Cursor, peerHash(cp, src, p.Build)
	if run.PayloadHash == last.PayloadHash && !last.GeocodingPending && !st.force {
		run.Status = store.RunNotModified
		rep.Notes = append(rep.Notes, "nothing new in the peer's feed since the last harvest")
		return nil, nil
	}
	payload, err := p.peerPayload(ctx, src)
	if err != nil {
		return nil, err
	}
	return p.decodeAndNormalise(ctx, src, payload, last, run, rep, st)
}

// peerHash stands for the payload's hash: the mirror is what the feed
// said up to the checkpoint's cursor, read under the source's
// configuration by this build.
func peerHash(cp store.PeerCheckpoint, src config.Source, build string) string {
	h := sha256.New()
	cfg, _ := json.Marshal(src)
	for _, part := range [][]byte{[]byte(cp.Instance), {0}, []byte(cp.Cursor), {0}, cfg, []byte(build)} {
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// peerPull is one reading of a peer's feed into its mirror.
type peerPull struct {
	p    *Pipeline
	src  harvest.Source
	self string
	rep  *SourceReport
	// loops counts the changes left out because they came from, or
	// through, this instance.
	loops int
}

// read reads the feed to its end and returns the checkpoint reached;
// fresh starts from a snapshot whatever the checkpoint.
func (r *peerPull) read(ctx context.Context, fresh bool) (store.PeerCheckpoint, error) {
	cp, ok, err := r.p.Store.PeerCheckpoint(ctx, r.src.Name)
	if err != nil {
		return cp, err
	}
	reset, restarted := !ok || fresh, false
	since := cp.Cursor
	for pages := 0; ; pages++ {
		if pages == maxPeerPages {
			return cp, fmt.Errorf("the peer's feed did not end after %d pages: the next harvest reads on from the checkpoint", maxPeerPages)
		}
		if reset {
			since = "0"
		}
		known := cp.Instance
		if reset {
			known = ""
		}
		page, err := r.p.Harvester.Peer().Page(ctx, r.src, since, known)
		restart := ""
		var replaced *harvest.PeerReplacedError
		switch {
		case errors.Is(err, harvest.ErrPeerGone) && !reset:
			restart = "the peer no longer keeps the changes since the checkpoint (410)"
		case errors.As(err, &replaced):
			restart = replaced.Error()
		case errors.Is(err, harvest.ErrPeerBackwards):
			return cp, fmt.Errorf("%w; nothing is applied: `maillage sync --force --source %s` reads it again from a snapshot", err, r.src.Name)
		case err != nil:
			return cp, err
		case page.Instance == r.self:
			return cp, fmt.Errorf("the peer at %s is this instance itself (%s): an instance does not read its own feed", r.src.Location, r.self)
		case !schema.ReadableVersion(page.SchemaVersion):
			return cp, fmt.Errorf("the peer publishes version %s of the standard: this instance reads %s", page.SchemaVersion, schema.CurrentVersion)
		}
		if restart != "" {
			if restarted {
				return cp, errors.New(restart + ", again after a new snapshot began")
			}
			r.rep.Notes = append(r.rep.Notes, restart+": read again from a snapshot")
			reset, restarted = true, true
			continue
		}
		next := r.page(page, cp, reset)
		if err := r.p.Store.ApplyPeerPage(ctx, r.src.Name, next); err != nil {
			return cp, fmt.Errorf("pipeline: %w", err)
		}
		cp, reset, since = next.Checkpoint, false, page.Next
		if page.CaughtUp {
			if r.loops > 0 {
				r.rep.Notes = append(r.rep.Notes, fmt.Sprintf("%d changes left out: they came from or through this instance", r.loops))
			}
			return cp, nil
		}
		failpoint.Reach(failpoint.PeerPage)
	}
}

// page turns a feed page into the mirror's changes and checkpoint.
func (r *peerPull) page(page harvest.PeerPage, cp store.PeerCheckpoint, reset bool) store.PeerPage {
	now := r.p.Now()
	out := store.PeerPage{Reset: reset, Retired: map[string]string{}}
	complete := cp.Complete && !reset
	next := store.PeerCheckpoint{Instance: page.Instance, Cursor: page.Next, Position: page.NextPosition, Complete: complete || page.CaughtUp,
		LastEventAt: cp.LastEventAt, CaughtUpAt: cp.CaughtUpAt, PolledAt: now}
	if reset {
		next.LastEventAt, next.CaughtUpAt = time.Time{}, time.Time{}
	}
	if page.CaughtUp {
		next.CaughtUpAt = now
	}
	for _, ev := range page.Events {
		if ev.At.After(next.LastEventAt) {
			next.LastEventAt = ev.At
		}
		switch {
		case ev.Loops(r.self):
			// what this instance published, come back: never imported,
			// and dropped if an earlier reading held it
			r.loops++
			out.Deletes = append(out.Deletes, ev.ID)
		case ev.Type == harvest.PeerCreated || ev.Type == harvest.PeerUpdated:
			out.Upserts = append(out.Upserts, peerRecord(ev))
		case ev.Type == harvest.PeerRetired:
			out.Retired[ev.ID] = ev.Survivor
		default:
			out.Deletes = append(out.Deletes, ev.ID)
		}
	}
	out.Checkpoint = next
	return out
}

// peerRecord is a created or updated lieu as the mirror keeps it: its
// Feature with the standard's fields only (this instance places,
// situates and federates it itself), and its origin, via chain and
// provenance apart.
func peerRecord(ev harvest.PeerEvent) store.PeerRecord {
	meta := store.PeerMeta{Origin: schema.Origin(ev.Origin), Via: ev.Via, Provenance: make(map[string]store.RecordRef, len(ev.Provenance))}
	for field, ref := range ev.Provenance {
		meta.Provenance[field] = store.RecordRef(ref)
	}
	return store.PeerRecord{Key: ev.ID, Revision: ev.Revision, Feature: standardFeature(ev.Feature), Meta: meta}
}

// standardFeature keeps, of a Feature's properties, the standard's fields.
func standardFeature(feature json.RawMessage) json.RawMessage {
	var f struct {
		Type       string                     `json:"type"`
		ID         string                     `json:"id"`
		Geometry   json.RawMessage            `json:"geometry"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(feature, &f); err != nil {
		return feature // checked by the client: it is a Feature
	}
	for name := range f.Properties {
		if _, ok := schema.Current().Field(name); !ok {
			delete(f.Properties, name)
		}
	}
	out, err := json.Marshal(f)
	if err != nil {
		return feature
	}
	return out
}

// peerPayload is a peer source's mirror as a GeoJSON FeatureCollection,
// its lieux in the order of their ids there.
func (p *Pipeline) peerPayload(ctx context.Context, src config.Source) (*harvest.Payload, error) {
	var body bytes.Buffer
	body.WriteString(`{"type":"FeatureCollection","features":[`)
	n := 0
	err := p.Store.EachPeerRecord(ctx, src.Name, true, func(r store.PeerRecord) error {
		if n > 0 {
			body.WriteByte(',')
		}
		n++
		body.WriteByte('\n')
		body.Write(r.Feature)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: source %q: %w", src.Name, err)
	}
	body.WriteString("\n]}\n")
	return &harvest.Payload{Body: body.Bytes(), ContentType: "application/geo+json", URL: harvest.PeerFeedURL(src.Source, "0"), FetchedAt: p.Now()}, nil
}
