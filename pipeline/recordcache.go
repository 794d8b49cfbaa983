package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/internal/ordered"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// recordCache keeps the current records, decoded, from one use to the
// next (serve runs the pipeline again and again). It follows the store's
// change feed: each use reads the digests of the rows written since the
// last one, whoever wrote them, and decodes again only the records whose
// content changed.
type recordCache struct {
	mu sync.Mutex
	// seq is the feed's value the cache is at; loaded is false until the
	// first read (and after a failed one: the next reads everything).
	seq      int64
	loaded   bool
	bySource map[string]map[string]*cachedRecord
	// order is every record in the store's order, nil after a record
	// came, went or moved; out and versions are what active returns,
	// patched at dirty (records changed in place) while order holds.
	order    []*cachedRecord
	out      []store.SourceRecord
	versions []string
	dirty    []*cachedRecord
	// sorted is the last order made, and moved the records that came or
	// moved since: the next order merges them into it.
	sorted, moved []*cachedRecord
	// unread counts the records whose content is not decoded yet.
	unread int
	// offered are the records the pipeline just stored, by source and
	// key: a digest of the same hash coming through the feed takes its
	// content from here instead of reading it back (see offer).
	offered map[string]map[string]*store.SourceRecord
	// issueLists are the records' issue lists, each kept once
	// (mirroredIssues).
	issueLists map[string][]schema.Issue
}

// cachedRecord is a record's digest, its version (its content hash and
// the time its row last changed) and, once read, its decoded content.
type cachedRecord struct {
	digest  store.RecordDigest
	version string
	rec     *store.SourceRecord
	pos     int // in order
	// sortedAt is the Index the record had in the last order; gone marks
	// a record replaced or forgotten since; queued one in moved.
	sortedAt     int
	gone, queued bool
	// fields are the raw fields, once asked for (the report shows those
	// of quarantined records).
	fields []harvest.Field
}

// offer hands the cache the records a harvest of source just stored
// (after the store accepted them): when their digests come through the
// feed with the same hash, their content is taken from here rather than
// read back and decoded. Kept records (stored as they were) are not
// offered. The raw fields are left out: they are read when asked for.
func (c *recordCache) offer(source string, recs []store.SourceRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.offered == nil {
		c.offered = map[string]map[string]*store.SourceRecord{}
	}
	byKey := make(map[string]*store.SourceRecord, len(recs))
	for i := range recs {
		if recs[i].Kept {
			continue
		}
		r := recs[i]
		r.Fields, r.Kept, r.Issues = nil, false, c.mirroredIssues(r.Issues)
		byKey[r.RecordKey] = &r
	}
	c.offered[source] = byKey
}

// mirroredIssues is what the mirror keeps of a record's issues: warnings
// and errors whole (the report lists them with their records), of a fix
// only its field, rule and level (the report counts fixes by rule). The
// store keeps every issue whole; a record's page reads them there. Most
// records of a source have the same fixes, so equal lists of fixes only
// are kept once (issueLists: keyed on their fields and rules, bounded by
// the rules' combinations, emptied by drop); a list is clipped to its
// length, so that appending to it copies it. A record with no issue gets
// an empty slice, as a stored record reads back.
func (c *recordCache) mirroredIssues(issues []schema.Issue) []schema.Issue {
	var key strings.Builder
	kept := make([]schema.Issue, len(issues))
	fixesOnly := true
	for i, is := range issues {
		if is.Level != schema.LevelFix {
			fixesOnly = false
			kept[i] = is
			continue
		}
		kept[i] = schema.Issue{Field: is.Field, Rule: is.Rule, Level: is.Level}
		key.WriteString(is.Field)
		key.WriteByte(0)
		key.WriteString(is.Rule)
		key.WriteByte(0)
	}
	if !fixesOnly {
		return kept
	}
	if list, ok := c.issueLists[key.String()]; ok {
		return list
	}
	if c.issueLists == nil {
		c.issueLists = map[string][]schema.Issue{}
	}
	c.issueLists[key.String()] = kept
	return kept
}

// dropLieux lets the records' lieux go, keeping what the report reads
// of them (keys, positions, status, issues): a pipeline that runs once
// (OneRun) calls it as soon as dedup has merged them. The mirror no
// longer holds content then: the next use reads the store whole.
func (c *recordCache) dropLieux() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.out {
		c.out[i].Lieu = nil
	}
	for _, recs := range c.bySource {
		for _, cr := range recs {
			if cr.rec != nil {
				cr.rec.Lieu = nil
			}
		}
	}
	c.loaded = false
}

// drop forgets everything, letting its memory go: the next use reads
// the store whole.
func (c *recordCache) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loaded, c.seq, c.unread = false, 0, 0
	c.bySource, c.order, c.out, c.versions, c.dirty = nil, nil, nil, nil, nil
	c.sorted, c.moved, c.offered, c.issueLists = nil, nil, nil, nil
}

// fullReload is the share of changed records above which they are read
// in one scan of every record rather than one by one.
const fullReload = 0.25

// viewOf brings the cache's digests to the store and returns what it
// holds of one source's current records.
func (c *recordCache) viewOf(ctx context.Context, st store.Store, source string) (*store.RecordsView, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.follow(ctx, st); err != nil {
		return nil, err
	}
	view := &store.RecordsView{Seq: c.seq, ByKey: make(map[string]store.RecordDigest, len(c.bySource[source]))}
	for key, cr := range c.bySource[source] {
		view.ByKey[key] = cr.digest
	}
	return view, nil
}

// active returns the current records of every source, in the store's
// order, as ActiveRecords does, and each one's version. The slices are
// the cache's: read only, and until the next call.
// sequence is the records sequence the cache last followed.
func (c *recordCache) sequence() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

func (c *recordCache) active(ctx context.Context, st store.Store) ([]store.SourceRecord, []string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.follow(ctx, st); err != nil {
		return nil, nil, err
	}
	if err := c.read(ctx, st); err != nil {
		c.loaded = false
		return nil, nil, err
	}
	if c.order == nil {
		c.sort()
		c.out, c.versions = growRoom(c.out[:0], len(c.order))[:len(c.order)], growRoom(c.versions[:0], len(c.order))[:len(c.order)]
		c.dirty = c.order
	}
	for _, cr := range c.dirty {
		c.out[cr.pos], c.versions[cr.pos] = *cr.rec, cr.version
		r := &c.out[cr.pos]
		r.Index, r.Line, r.Status = cr.digest.Index, cr.digest.Line, cr.digest.Status
	}
	c.dirty = nil
	return c.out, c.versions, nil
}

// follow reads the change feed since the cache's value (everything when
// the cache is not loaded) and applies it to the digests.
func (c *recordCache) follow(ctx context.Context, st store.Store) error {
	if !c.loaded {
		c.seq, c.bySource, c.order, c.dirty, c.unread = 0, map[string]map[string]*cachedRecord{}, nil, nil, 0
		c.sorted, c.moved = nil, nil
	}
	changes, seq, err := st.RecordChanges(ctx, c.seq)
	if err != nil {
		c.loaded = false
		return fmt.Errorf("pipeline: %w", err)
	}
	for _, d := range changes {
		c.apply(d)
	}
	c.seq, c.loaded, c.offered = seq, true, nil
	return nil
}

// apply takes one change in: a deleted record is forgotten, a moved one
// moved, one of another version marked to be read again.
func (c *recordCache) apply(d store.RecordDigest) {
	recs := c.bySource[d.Source]
	cr, known := recs[d.RecordKey]
	if d.Deleted {
		if known {
			c.forget(d.Source, d.RecordKey)
		}
		return
	}
	if recs == nil {
		recs = map[string]*cachedRecord{}
		c.bySource[d.Source] = recs
	}
	if !known || cr.digest.Index != d.Index {
		c.order = nil
	}
	if !known || cr.digest.Hash != d.Hash || !cr.digest.UpdatedAt.Equal(d.UpdatedAt) {
		next := &cachedRecord{version: d.Hash + "@" + d.UpdatedAt.Format(time.RFC3339Nano), pos: -1, sortedAt: -1}
		if r := c.offered[d.Source][d.RecordKey]; r != nil && r.Hash == d.Hash {
			next.rec = r
			if known && cr.rec == nil {
				c.unread--
			}
		} else if !known || cr.rec != nil {
			c.unread++
		}
		if known {
			c.replace(cr, next)
		}
		cr = next
		recs[d.RecordKey] = cr
	}
	if cr.sortedAt != d.Index && !cr.queued {
		cr.queued, c.moved = true, append(c.moved, cr)
	}
	cr.digest = d
	if c.order != nil {
		c.dirty = append(c.dirty, cr)
	}
}

// replace puts next in old's place in the last order.
func (c *recordCache) replace(old, next *cachedRecord) {
	old.gone = true
	next.pos, next.sortedAt, next.queued = old.pos, old.sortedAt, old.queued
	if old.pos >= 0 && old.pos < len(c.sorted) && c.sorted[old.pos] == old {
		c.sorted[old.pos] = next
	}
	if old.queued {
		c.moved = append(c.moved, next)
	}
}

func (c *recordCache) forget(source, key string) {
	cr := c.bySource[source][key]
	if cr.rec == nil {
		c.unread--
	}
	cr.gone = true
	delete(c.bySource[source], key)
	c.order = nil
}

// read decodes the records not read yet: one by one when they are few,
// in one scan when many. A record gone since its digest was read is
// forgotten (the feed brings its deletion).
func (c *recordCache) read(ctx context.Context, st store.Store) error {
	if c.unread == 0 {
		return nil
	}
	var refs []store.RecordRef
	for source, recs := range c.bySource {
		for key, cr := range recs {
			if cr.rec == nil {
				refs = append(refs, store.RecordRef{Source: source, RecordKey: key})
			}
		}
	}
	var loaded []store.SourceRecord
	var err error
	if float64(len(refs)) > fullReload*float64(c.count()) {
		loaded, err = st.ActiveRecords(ctx)
	} else {
		loaded, err = st.ActiveRecordsOf(ctx, refs)
	}
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	for i := range loaded {
		if cr := c.bySource[loaded[i].Source][loaded[i].RecordKey]; cr != nil && cr.rec == nil {
			r := loaded[i]
			r.Issues = c.mirroredIssues(r.Issues)
			cr.rec = &r
			c.unread--
		}
	}
	for _, ref := range refs {
		if cr := c.bySource[ref.Source][ref.RecordKey]; cr != nil && cr.rec == nil {
			c.forget(ref.Source, ref.RecordKey)
		}
	}
	return nil
}

// sort puts the records in the store's order: source, position, key.
// The records that came or moved since the last order are sorted and
// merged into what remains of it.
func (c *recordCache) sort() {
	var kept, moved []*cachedRecord
	if c.sorted == nil {
		moved = make([]*cachedRecord, 0, c.count())
		for _, recs := range c.bySource {
			for _, cr := range recs {
				moved = append(moved, cr)
			}
		}
	} else {
		kept = make([]*cachedRecord, 0, len(c.sorted))
		for _, cr := range c.sorted {
			if !cr.gone && !cr.queued {
				kept = append(kept, cr)
			}
		}
		for _, cr := range c.moved {
			if !cr.gone {
				moved = append(moved, cr)
			}
		}
	}
	slices.SortFunc(moved, storeOrder)
	c.order = ordered.Merge(kept, moved, storeOrder)
	for i, cr := range c.order {
		cr.pos, cr.sortedAt, cr.queued = i, cr.digest.Index, false
	}
	c.sorted, c.moved = c.order, c.moved[:0]
}

// storeOrder is the order of ActiveRecords: source, position, key.
func storeOrder(a, b *cachedRecord) int {
	x, y := &a.digest, &b.digest
	return cmp.Or(strings.Compare(x.Source, y.Source), cmp.Compare(x.Index, y.Index), strings.Compare(x.RecordKey, y.RecordKey))
}

func (c *recordCache) count() int {
	n := 0
	for _, recs := range c.bySource {
		n += len(recs)
	}
	return n
}

// fields returns a record's raw fields, read from the store the first
// time they are asked for a version of the record.
func (c *recordCache) fields(ctx context.Context, st store.Store, source, key string) ([]harvest.Field, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cr := c.bySource[source][key]
	if cr != nil && cr.fields != nil {
		return cr.fields, nil
	}
	rec, err := st.SourceRecord(ctx, source, key)
	if err != nil {
		return nil, err
	}
	if cr != nil && rec.Hash == cr.digest.Hash {
		cr.fields = rec.Fields
	}
	return rec.Fields, nil
}
