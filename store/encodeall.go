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
	return encodeAll(recs, func(r *SourceRecord) bool { return r.Kept }, EncodeRecord)
}

// EncodeLieux encodes the lieux that are not Kept, on every core, by
// position (nil for a kept lieu).
func EncodeLieux(lieux []PublishedLieu) ([]*EncodedLieu, error) {
	return encodeAll(lieux, func(l *PublishedLieu) bool { return l.Kept }, EncodeLieu)
}

func encodeAll[T, E any](items []T, kept func(*T) bool, encode func(*T) (E, error)) ([]*E, error) {
	out := make([]*E, len(items))
	err := eachAtOnce(len(items), func(i int) error {
		if kept(&items[i]) {
			return nil
		}
		e, err := encode(&items[i])
		out[i] = &e
		return err
	})
	return out, err
}

// eachAtOnce calls fn for 0 … n-1, split in one contiguous run a core,
// and returns the first error of the lowest position.
func eachAtOnce(n int, fn func(i int) error) error {
	workers := max(1, min(runtime.GOMAXPROCS(0), n/256))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if err := fn(i); err != nil {
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
