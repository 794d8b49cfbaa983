package store

// PairKey names a stored review pair: its records in store order (A the
// lower).
type PairKey struct{ A, B RecordRef }

// PendingPair is what tells a stored review pair apart from a new one.
type PendingPair struct {
	Score float64
}

// PairChanges compares the review pairs of a run with the pending ones:
// the pairs to write (new, or of another score; a pair
// given twice counts once, the first time) and the pending pairs to
// delete. A pair pending as it is now is neither, and keeps the time it
// was found.
func PairChanges(pending map[PairKey]PendingPair, pairs []ReviewPair) (write []ReviewPair, gone []PairKey) {
	seen := make(map[PairKey]bool, len(pairs))
	for _, p := range pairs {
		p.A, p.B = Ordered(p.A, p.B)
		key := PairKey{p.A, p.B}
		if seen[key] {
			continue
		}
		seen[key] = true
		if old, ok := pending[key]; !ok || old.Score != p.Score {
			write = append(write, p)
		}
	}
	for key := range pending {
		if !seen[key] {
			gone = append(gone, key)
		}
	}
	return write, gone
}

// PendingPairs reads rows of (a_source, a_key, b_source, b_key, score):
// what tells the pending pairs apart. The caller closes rows.
func PendingPairs(rows Rows) (map[PairKey]PendingPair, error) {
	out := map[PairKey]PendingPair{}
	for rows.Next() {
		var k PairKey
		var p PendingPair
		if err := rows.Scan(&k.A.Source, &k.A.RecordKey, &k.B.Source, &k.B.RecordKey, &p.Score); err != nil {
			return nil, err
		}
		out[k] = p
	}
	return out, rows.Err()
}
