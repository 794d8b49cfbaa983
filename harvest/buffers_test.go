package harvest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestBodyBuffers: a buffer given back serves a later take of its size or
// less, the smallest that fits first; only the two largest are kept.
func TestBodyBuffers(t *testing.T) {
	var b bodyBuffers
	for _, n := range []int{10, 1000, 100} {
		b.give(make([]byte, n))
	}
	cases := []struct {
		take, want int // want: the capacity taken, 0 for none
	}{
		{50, 100},
		{50, 1000},
		{5, 0}, // the 10-byte one was not kept, the others are taken
	}
	for _, c := range cases {
		if got := b.take(c.take); cap(got) != c.want || len(got) != 0 {
			t.Errorf("take(%d): len %d cap %d, want cap %d", c.take, len(got), cap(got), c.want)
		}
	}
	var none *bodyBuffers
	if none.take(1) != nil {
		t.Error("a nil set of buffers gave one")
	}
	none.give(make([]byte, 1))
}

// TestReleaseReusesBody: a file read after a payload was released is read
// into that payload's body, and reads whole.
func TestReleaseReusesBody(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"a.csv": "id,nom\n1,Mairie de Lyon\n2,EPN\n", "b.csv": "id,nom\n3,CCAS\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := New(Options{BaseDir: dir})
	ctx := context.Background()
	a, err := h.Fetch(ctx, Source{Name: "a", Kind: "file", Location: "a.csv"}, Conditional{})
	if err != nil {
		t.Fatal(err)
	}
	first := &a.Body[:1][0]
	h.Release(a)
	b, err := h.Fetch(ctx, Source{Name: "b", Kind: "file", Location: "b.csv"}, Conditional{})
	if err != nil {
		t.Fatal(err)
	}
	if string(b.Body) != "id,nom\n3,CCAS\n" || &b.Body[:1][0] != first {
		t.Errorf("body %q, read into the released one: %v", b.Body, &b.Body[:1][0] == first)
	}
}
