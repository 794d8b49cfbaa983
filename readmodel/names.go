package readmodel

import (
	"slices"
	"sort"
	"strings"

	"github.com/maillage/maillage/geo"
)

// nameIndex finds lieux by the words of their names, folded (no case, no
// accents): a query word matches a name word it begins (« mediat » finds
// « médiathèque ») or one a typo away (one edit for words of 4 to 7
// letters, two from 8).
type nameIndex struct {
	words    []string // the distinct name words, sorted, in one shared string
	postings []span   // words[k]'s positions in lists, ascending
	lists    packedLists
}

// nameTokens cuts a folded name into its distinct words.
func nameTokens(folded string) []string {
	words := strings.Fields(folded)
	slices.Sort(words)
	return slices.Compact(words)
}

func newNameIndex(drafts []draft) nameIndex {
	postings := map[string][]int32{}
	for i := range drafts {
		for _, w := range drafts[i].names {
			postings[w] = append(postings[w], int32(i))
		}
	}
	ix := nameIndex{words: make([]string, 0, len(postings)), postings: make([]span, 0, len(postings))}
	for w := range postings {
		ix.words = append(ix.words, w)
	}
	slices.Sort(ix.words)
	pool := newTextPool(keyBytes(postings))
	for k, w := range ix.words {
		ix.postings = append(ix.postings, ix.lists.add(postings[w]))
		ix.words[k] = pool.copy(w)
	}
	return ix
}

// QueryWords folds a text query into its words (at most maxQueryWords).
func QueryWords(q string) []string {
	words := strings.Fields(geo.Fold(q))
	return words[:min(len(words), maxQueryWords)]
}

// maxQueryWords bounds the words of a text query.
const maxQueryWords = 8

// matching returns the name words a query word matches, by their index
// in words.
func (ix *nameIndex) matching(q string) []int {
	from := sort.SearchStrings(ix.words, q)
	var out []int
	for i := from; i < len(ix.words) && strings.HasPrefix(ix.words[i], q); i++ {
		out = append(out, i)
	}
	if budget := typoBudget(q); budget > 0 {
		for i, w := range ix.words {
			if w[0] == q[0] && !strings.HasPrefix(w, q) && withinEdits(q, w, budget) {
				out = append(out, i)
			}
		}
	}
	return out
}

// lookup returns the positions of the lieux whose name has, for every
// query word, a word it matches; ascending.
func (ix *nameIndex) lookup(words []string) []int32 {
	var result []int32
	for k, q := range words {
		var union []int32
		for _, w := range ix.matching(q) {
			union = append(union, ix.lists.get(ix.postings[w])...)
		}
		slices.Sort(union)
		union = slices.Compact(union)
		if k == 0 {
			result = union
		} else {
			result = intersect(result, union)
		}
		if len(result) == 0 {
			return nil
		}
	}
	return result
}

// typoBudget is the number of edits a query word may be from a name word.
func typoBudget(q string) int {
	switch n := len([]rune(q)); {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// withinEdits reports whether a can be turned into b, or into a prefix of
// b at least as long as a, by at most k insertions, deletions or
// substitutions (Levenshtein on runes, stopped once every cell exceeds k).
func withinEdits(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if len(rb) > len(ra)+k {
		rb = rb[:len(ra)+k] // a prefix of b is enough
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return slices.Min(prev[min(len(ra), len(rb)):]) <= k // prefixes of b at least as long as a, or b whole
}

// intersect returns the positions in both ascending lists.
func intersect(a, b []int32) []int32 {
	out := make([]int32, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}
