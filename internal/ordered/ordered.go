// Package ordered works on lists kept in order.
package ordered

// Merge returns the elements of a and b, each in the order cmp gives, in
// one new list in that order; of two equal elements, a's comes first.
func Merge[T any](a, b []T, cmp func(x, y T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}
