package pipeline

import (
	"sync"

	"github.com/maillage/maillage/store"
)

// refusedRecords keeps, for each source its last harvest refused as no
// list of places, the records that harvest normalised (they are not
// stored): the next harvest of the source normalises only the records
// that changed since, rather than all of them again to refuse the source
// again.
type refusedRecords struct {
	mu       sync.Mutex
	bySource map[string]map[string]store.SourceRecord
}

// forget drops every source's records.
func (r *refusedRecords) forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bySource = nil
}

// of returns the records of a source's last harvest, by key, when it was
// refused.
func (r *refusedRecords) of(source string) map[string]store.SourceRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bySource[source]
}

// keep remembers a harvest's records when it refused the source, and
// forgets them when the source was not refused.
func (r *refusedRecords) keep(source string, recs []store.SourceRecord, refused bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !refused {
		delete(r.bySource, source)
		return
	}
	byKey := make(map[string]store.SourceRecord, len(recs))
	for _, rec := range recs {
		byKey[rec.RecordKey] = rec
	}
	if r.bySource == nil {
		r.bySource = map[string]map[string]store.SourceRecord{}
	}
	r.bySource[source] = byKey
}
