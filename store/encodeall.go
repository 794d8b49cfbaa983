package store

import (
	"runtime"
	"sync"
)

// EncodeRecords encodes the records that are not Kept, on every core;
// the result is by position (nil for a kept record). Encoding is most of
// what writing a record costs the process: done before the write's
// transaction, it keeps the transaction short too.
func EncodeRecords(recs []SourceRecord) ([]*EncodedRecord, error) {
	out := make([]*EncodedRecord, len(recs))
	err := eachAtOnce(len(recs), func(c *Codec, i int) error {
		if recs[i].Kept {
			return nil
		}
		e, err := c.Record(&recs[i])
		out[i] = &e
		return err
	})
	return out, err
}

// eachAtOnce calls fn for 0 … n-1, split in one contiguous run a core,
// each core with a Codec of its own, and returns the first error of the
// lowest position.
func eachAtOnce(n int, fn func(c *Codec, i int) error) error {
	workers := max(1, min(runtime.GOMAXPROCS(0), n/256))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() {
			var c Codec
			for i := lo; i < hi; i++ {
				if err := fn(&c, i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// encodeChunk is how many lieux a LieuEncoder encodes at once: enough
// to keep every core busy, few enough that a publication's encodings are
// never all held (at ×10 they would be ~0.5 GB).
const encodeChunk = 2048

// LieuEncoder gives lieux encoded, in the order asked: it encodes a
// chunk at a time on every core, the next chunk while the caller writes
// the current one, so that at most three chunks of encodings are alive.
// Its caller calls Close when done (or when giving up).
type LieuEncoder struct {
	lieux  []PublishedLieu
	chunks chan encodedChunk
	stop   chan struct{}
	cur    encodedChunk
	k      int
	err    error
}

type encodedChunk struct {
	pos     []int
	encoded []EncodedLieu
	err     error
}

// EncodeLieuxInOrder starts encoding lieux in order (positions in lieux).
func EncodeLieuxInOrder(lieux []PublishedLieu, order []int) *LieuEncoder {
	e := &LieuEncoder{lieux: lieux, chunks: make(chan encodedChunk, 1), stop: make(chan struct{})}
	go e.encode(order)
	return e
}

func (e *LieuEncoder) encode(order []int) {
	defer close(e.chunks)
	for lo := 0; lo < len(order); lo += encodeChunk {
		c := encodedChunk{pos: order[lo:min(lo+encodeChunk, len(order))]}
		c.encoded = make([]EncodedLieu, len(c.pos))
		c.err = eachAtOnce(len(c.pos), func(codec *Codec, k int) error {
			if l := &e.lieux[c.pos[k]]; !l.Kept {
				var err error
				c.encoded[k], err = codec.Lieu(l)
				return err
			}
			return nil
		})
		select {
		case e.chunks <- c:
		case <-e.stop:
			return
		}
		if c.err != nil {
			return
		}
	}
}

// Next moves to the next lieu; false at the end or on an error (Err).
func (e *LieuEncoder) Next() bool {
	e.k++
	for e.k >= len(e.cur.pos) {
		c, ok := <-e.chunks
		if !ok || e.err != nil {
			return false
		}
		if c.err != nil {
			e.err = c.err
			return false
		}
		e.cur, e.k = c, 0
	}
	return true
}

// Lieu is the current lieu's position in lieux and its encoding (nil for
// a kept lieu).
func (e *LieuEncoder) Lieu() (int, *EncodedLieu) {
	i := e.cur.pos[e.k]
	if e.lieux[i].Kept {
		return i, nil
	}
	return i, &e.cur.encoded[e.k]
}

// Err is the first encoding error.
func (e *LieuEncoder) Err() error { return e.err }

// Close stops the encoding.
func (e *LieuEncoder) Close() {
	select {
	case <-e.stop:
	default:
		close(e.stop)
	}
}
