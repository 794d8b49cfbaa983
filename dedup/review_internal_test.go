package dedup

import (
	"reflect"
	"testing"
)

// TestReviewSet: the pairs left for review are, between two clusters,
// the best one, and among linked clusters a spanning forest of the best;
// pairs inside a cluster or kept apart by a verdict are dropped.
func TestReviewSet(t *testing.T) {
	u := newUnionFind(7)
	u.union(u.find(4), u.find(5)) // 4 and 5 merged
	u.apart[u.find(6)] = append(u.apart[u.find(6)], 0)
	u.apart[u.find(0)] = append(u.apart[u.find(0)], 6)
	pending := []scored{
		{0, 1, 0.85}, // kept: the best between {0} and {1}
		{1, 2, 0.80}, // kept: links {2}
		{0, 1, 0.75}, // the same clusters again
		{0, 2, 0.70}, // implied: {0} and {2} are linked through {1}
		{2, 3, 0.65}, // kept
		{4, 5, 0.60}, // inside one cluster
		{3, 4, 0.58}, // kept: links {4,5}
		{5, 3, 0.56}, // the same clusters as the last
		{0, 6, 0.55}, // a verdict keeps them apart
	}
	want := []scored{{0, 1, 0.85}, {1, 2, 0.80}, {2, 3, 0.65}, {3, 4, 0.58}}
	if got := reviewSet(u, pending); !reflect.DeepEqual(got, want) {
		t.Errorf("review %v, want %v", got, want)
	}
}
