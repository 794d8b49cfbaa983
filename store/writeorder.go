package store

import (
	"cmp"
	"slices"
)

// WriteOrder returns the indexes 0…n-1 in the order of the keys key
// gives them (ties in index order). A store inserting rows in the order
// of their index keys writes each index page once, where keys in random
// order (uuids, hashes) touch a page of every index per row and make the
// database page cache spill.
func WriteOrder(n int, key func(int) (string, string)) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		a1, a2 := key(a)
		b1, b2 := key(b)
		return cmp.Or(cmp.Compare(a1, b1), cmp.Compare(a2, b2))
	})
	return order
}
