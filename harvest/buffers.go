package harvest

import "sync"

// bodyBuffers keeps the bodies of payloads their user is done with
// (Harvester.Release), for the next fetches to read into: a sync reads
// every source's file again, and each would otherwise take new memory of
// its size. It keeps the two largest.
type bodyBuffers struct {
	mu   sync.Mutex
	free [][]byte
}

// keptBuffers is how many buffers bodyBuffers keeps.
const keptBuffers = 2

// take returns the smallest free buffer of room for n bytes, emptied, or
// nil when none has it (or b is nil).
func (b *bodyBuffers) take(n int) []byte {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	best := -1
	for i, f := range b.free {
		if cap(f) >= n && (best < 0 || cap(f) < cap(b.free[best])) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	f := b.free[best][:0]
	b.free = append(b.free[:best], b.free[best+1:]...)
	return f
}

// give keeps buf for a later take, unless two larger ones are kept.
func (b *bodyBuffers) give(buf []byte) {
	if b == nil || cap(buf) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free = append(b.free, buf)
	if len(b.free) > keptBuffers {
		smallest := 0
		for i, f := range b.free {
			if cap(f) < cap(b.free[smallest]) {
				smallest = i
			}
		}
		b.free = append(b.free[:smallest], b.free[smallest+1:]...)
	}
}
