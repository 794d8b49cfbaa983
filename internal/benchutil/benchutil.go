// Package benchutil holds what the benchmarks share: the peak heap seen
// while a benchmark runs.
package benchutil

import (
	"runtime"
	"sync/atomic"
	"time"
)

// PeakHeap samples the heap in use every 20 ms until stop, which returns
// the largest value seen, in MiB.
func PeakHeap() (stop func() float64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		return float64(peak.Load()) / (1 << 20)
	}
}
