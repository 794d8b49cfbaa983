package readmodel

// bitset holds positions of entries, one bit each.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int32)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) has(i int32) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

// or adds the positions of o to b (of the same size).
func (b bitset) or(o bitset) {
	for k := range b {
		b[k] |= o[k]
	}
}

// denseShare is the share of the entries a posting list must hold to get
// a bitset beside it: a lookup in a bitset is one load, in a list a
// binary search; bitsets of sparse lists (a commune's lieux) would cost
// more memory than they save.
const denseShare = 32 // lists of at least 1/32 of the entries
