package pipeline

import (
	"testing"

	"github.com/maillage/maillage/harvest"
)

// TestRecordSums: a record whose fields' array was hashed last time under
// the same salt takes the hash kept; a new array is hashed; another salt
// keeps nothing.
func TestRecordSums(t *testing.T) {
	shared := []harvest.Field{{Name: "nom", Value: "Mairie"}}
	fresh := []harvest.Field{{Name: "nom", Value: "Mairie"}}
	var h harvest.RecordHasher
	want := string(h.Sum("salt", harvest.Record{Fields: fresh}))
	var s recordSums
	s.keep("src", "salt", map[*harvest.Field]string{&shared[0]: "kept"})
	cases := []struct {
		name, salt string
		fields     []harvest.Field
		want       string
	}{
		{"same array, same salt", "salt", shared, "kept"},
		{"another array", "salt", fresh, want},
		{"same array, another salt", "other", shared, string(h.Sum("other", harvest.Record{Fields: shared}))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := map[*harvest.Field]string{}
			got := sumOf(&h, c.salt, harvest.Record{Fields: c.fields}, s.of("src", c.salt), next)
			if got != c.want || next[&c.fields[0]] != c.want {
				t.Errorf("sum %q (kept for next: %q), want %q", got, next[&c.fields[0]], c.want)
			}
		})
	}
}
