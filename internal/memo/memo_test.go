package memo_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/maillage/maillage/internal/memo"
)

func TestMapComputesOnceAndStaysBounded(t *testing.T) {
	c := memo.Map[int, int]{Size: 4}
	var calls atomic.Int64 // compute runs concurrently below
	square := func(n int) func() int { return func() int { calls.Add(1); return n * n } }
	if c.Do(3, square(3)) != 9 || c.Do(3, square(3)) != 9 || calls.Load() != 1 {
		t.Fatalf("calls %d", calls.Load())
	}
	for i := range 10 {
		c.Do(i, square(i))
	}
	if v, ok := c.Get(9); !ok || v != 81 {
		t.Error("latest entry lost")
	}
	if _, ok := c.Get(0); ok {
		t.Error("the map must have been emptied when full")
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Do(i%7, square(i%7)) }()
	}
	wg.Wait()
}
