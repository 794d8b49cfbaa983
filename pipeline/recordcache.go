package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/maillage/maillage/store"
)

// recordCache keeps the current records, decoded, from one publication to
// the next (serve runs the pipeline again and again): a publication reads
// the records' digests and decodes only those that changed since, whoever
// wrote them.
type recordCache struct {
	byRef map[store.RecordRef]cachedRecord
}

// cachedRecord is a decoded record and the version of its row.
type cachedRecord struct {
	hash    string
	updated time.Time
	rec     store.SourceRecord
}

// fullReload is the share of changed records above which the cache is
// reloaded in one scan rather than record by record.
const fullReload = 0.25

// active returns the current records of every source, in the store's
// order, as ActiveRecords does, and each one's version (its content hash
// and the time its row last changed).
func (c *recordCache) active(ctx context.Context, st store.Store) ([]store.SourceRecord, []string, error) {
	digests, err := st.RecordDigests(ctx, "")
	if err != nil {
		return nil, nil, fmt.Errorf("pipeline: %w", err)
	}
	var stale []store.RecordRef
	for _, d := range digests {
		ref := store.RecordRef{Source: d.Source, RecordKey: d.RecordKey}
		if cr, ok := c.byRef[ref]; !ok || cr.hash != d.Hash || !cr.updated.Equal(d.UpdatedAt) {
			stale = append(stale, ref)
			delete(c.byRef, ref)
		}
	}
	var loaded []store.SourceRecord
	if float64(len(stale)) > fullReload*float64(len(digests)) {
		loaded, err = st.ActiveRecords(ctx)
	} else if len(stale) > 0 {
		loaded, err = st.ActiveRecordsOf(ctx, stale)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("pipeline: %w", err)
	}
	recs, versions := c.refresh(digests, loaded)
	return recs, versions, nil
}

// refresh takes the loaded records in, and returns the digests' records:
// a record loaded after its digest was read is kept under the digest's
// version, so that the next publication loads it again.
func (c *recordCache) refresh(digests []store.RecordDigest, loaded []store.SourceRecord) ([]store.SourceRecord, []string) {
	fresh := make(map[store.RecordRef]store.SourceRecord, len(loaded))
	for _, r := range loaded {
		fresh[store.RecordRef{Source: r.Source, RecordKey: r.RecordKey}] = r
	}
	next := make(map[store.RecordRef]cachedRecord, len(digests))
	out := make([]store.SourceRecord, 0, len(digests))
	versions := make([]string, 0, len(digests))
	for _, d := range digests {
		ref := store.RecordRef{Source: d.Source, RecordKey: d.RecordKey}
		r, ok := fresh[ref]
		if !ok {
			cr, cached := c.byRef[ref]
			if !cached {
				continue // stale, and gone since its digest was read
			}
			r = cr.rec
		}
		r.Index, r.Line, r.Status = d.Index, d.Line, d.Status
		next[ref] = cachedRecord{hash: d.Hash, updated: d.UpdatedAt, rec: r}
		out = append(out, r)
		versions = append(versions, d.Hash+"@"+d.UpdatedAt.Format(time.RFC3339Nano))
	}
	c.byRef = next
	return out, versions
}
