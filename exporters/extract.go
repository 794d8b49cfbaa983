package exporters

import (
	"io"

	"github.com/maillage/maillage/schema"
)

// LieuSource calls yield with each published lieu, in id order, and
// stops at the first error yield returns.
type LieuSource func(yield func(*schema.Lieu) error) error

// WriteLieux writes, in format f, the lieux of src that lie in the
// territory t (all of them when t is nil), and returns how many. An
// extract holds exactly the national file's lieux of its territory, in
// the same order, rendered the same way: the CSV of dep:05 is the
// national CSV's header and its rows of the département.
func WriteLieux(w io.Writer, f Format, t *schema.Territory, src LieuSource) (int, error) {
	lw, err := f.New(w)
	if err != nil {
		return 0, err
	}
	n := 0
	err = src(func(l *schema.Lieu) error {
		if t != nil && !t.Contains(l) {
			return nil
		}
		n++
		return lw.Write(l)
	})
	if err != nil {
		return n, err
	}
	return n, lw.Close()
}
