package pipeline

import (
	"sync"

	"github.com/maillage/maillage/harvest"
)

// recordSums keeps, per source, the hashes of the records its last
// harvest read, by their fields' array. The harvester's element cache
// gives a record whose bytes did not change the very array it gave last
// time, never changed since, so the record's hash under the same salt is
// the one kept: a re-harvest hashes only its new and changed records.
type recordSums struct {
	mu       sync.Mutex
	bySource map[string]sourceSums
}

type sourceSums struct {
	salt string
	sums map[*harvest.Field]string // read only once kept
}

// of returns the source's hashes under salt (none under another salt).
func (s *recordSums) of(source, salt string) map[*harvest.Field]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.bySource[source]; ok && last.salt == salt {
		return last.sums
	}
	return nil
}

// keep makes sums the source's hashes under salt.
func (s *recordSums) keep(source, salt string, sums map[*harvest.Field]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bySource == nil {
		s.bySource = map[string]sourceSums{}
	}
	s.bySource[source] = sourceSums{salt, sums}
}

// sumOf is the hash of rec under salt: the one kept in last for its
// fields' array, or computed by h. It is added to next (when not nil).
func sumOf(h *harvest.RecordHasher, salt string, rec harvest.Record, last, next map[*harvest.Field]string) string {
	if len(rec.Fields) == 0 || next == nil {
		return string(h.Sum(salt, rec))
	}
	key := &rec.Fields[0]
	sum, ok := last[key]
	if !ok {
		sum = string(h.Sum(salt, rec))
	}
	next[key] = sum
	return sum
}
