package schema

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/maillage/maillage/harvest"
)

// MapperCache builds the mappers of sources harvested again and again.
// Recognising a column checks that its sampled values have the shape of a
// field, the costly part of NewMapper; the cache keeps each source's
// verdicts with a hash of the sample they judged, so a harvest where a
// column's sample is unchanged (a re-harvest where a few records changed)
// takes the verdict instead of checking the values again. The mapper is
// the one NewMapper builds. It is safe for concurrent use; the zero value
// is ready.
type MapperCache struct {
	// Places, when set, is given to every mapper (NewMapperFor).
	Places   Places
	mu       sync.Mutex
	bySource map[string]map[shapeQuestion]shapeVerdict
	checks   int // the shape checks made, not taken from verdicts
}

// shapeQuestion asks whether a column's values have a field's shape.
type shapeQuestion struct{ field, column string }

type shapeVerdict struct {
	sample [sha256.Size]byte
	ok     bool
}

// Mapper is NewMapper for the records of source, taking the shape
// Forget drops every source's verdicts.
func (c *MapperCache) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bySource = nil
}

// verdicts of the source's last mapper whose sample is unchanged.
func (c *MapperCache) Mapper(source string, m Mapping, columns []string, records []harvest.Record) (*Mapper, error) {
	c.mu.Lock()
	j := shapeJudge{sampler: sampler{records: records}, last: c.bySource[source],
		next: map[shapeQuestion]shapeVerdict{}, sums: map[string][sha256.Size]byte{}}
	c.mu.Unlock()
	mp, err := newMapper(m, columns, j.fits, &j, c.Places)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bySource == nil {
		c.bySource = map[string]map[shapeQuestion]shapeVerdict{}
	}
	c.bySource[source] = j.next
	c.checks += j.checks
	return mp, nil
}

// shapeJudge answers shape questions from the last verdicts when the
// sample is the same, and keeps this mapper's verdicts.
type shapeJudge struct {
	sampler
	last, next map[shapeQuestion]shapeVerdict
	sums       map[string][sha256.Size]byte // column → hash of its sample
	checks     int
	buf        []byte
}

func (j *shapeJudge) fits(field, column string) bool {
	sum, ok := j.sums[column]
	if !ok {
		sum = sampleSum(j.sample(column), &j.buf)
		j.sums[column] = sum
	}
	q := shapeQuestion{field, column}
	v, ok := j.last[q]
	if !ok || v.sample != sum {
		v = shapeVerdict{sample: sum, ok: shapeOK(field, j.sample(column))}
		j.checks++
	}
	j.next[q] = v
	return v.ok
}

// sampleSum hashes a sample, each value length-prefixed so that no two
// samples run together; buf is room for the bytes hashed.
func sampleSum(values []string, buf *[]byte) [sha256.Size]byte {
	b := (*buf)[:0]
	for _, v := range values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	*buf = b
	return sha256.Sum256(b)
}
