package ordered_test

import (
	"cmp"
	"slices"
	"testing"

	"github.com/maillage/maillage/internal/ordered"
)

func TestMerge(t *testing.T) {
	type item struct{ key, from int }
	byKey := func(x, y item) int { return cmp.Compare(x.key, y.key) }
	cases := []struct {
		name string
		a, b []item
		want []item
	}{
		{"both empty", nil, nil, []item{}},
		{"one empty", []item{{1, 0}, {3, 0}}, nil, []item{{1, 0}, {3, 0}}},
		{"interleaved", []item{{1, 0}, {4, 0}}, []item{{2, 1}, {3, 1}, {5, 1}}, []item{{1, 0}, {2, 1}, {3, 1}, {4, 0}, {5, 1}}},
		{"ties: a first", []item{{2, 0}}, []item{{2, 1}, {2, 1}}, []item{{2, 0}, {2, 1}, {2, 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ordered.Merge(c.a, c.b, byKey); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
