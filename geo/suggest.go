package geo

import (
	"slices"
	"sort"
	"strings"
)

// suggestIndex lists the current communes and arrondissements by folded
// name (article first and without: « le havre » and « havre »), and every
// postcode, sorted, for prefix searches.
type suggestIndex struct {
	names     []suggestKey
	postcodes []string
}

type suggestKey struct {
	key string
	c   *Commune
}

func (r *Referential) suggestIndex() *suggestIndex {
	r.suggestOnce.Do(func() {
		for _, c := range r.byCode {
			if c.Type != TypeCurrent && c.Type != TypeArrondissmt {
				continue
			}
			r.suggest.names = append(r.suggest.names, suggestKey{c.folded, c})
			if k := nameKey(c.folded); k != c.folded {
				r.suggest.names = append(r.suggest.names, suggestKey{k, c})
			}
		}
		slices.SortFunc(r.suggest.names, func(a, b suggestKey) int {
			return strings.Compare(a.key+"\x00"+a.c.Code, b.key+"\x00"+b.c.Code)
		})
		for cp := range r.byPostcode {
			r.suggest.postcodes = append(r.suggest.postcodes, cp)
		}
		slices.Sort(r.suggest.postcodes)
	})
	return &r.suggest
}

// Suggest returns the communes (current ones and arrondissements; some
// overseas ones have no centre) a search box's text may be the start of: by name, folded
// (« st et » finds Saint-Étienne), or by postcode (« 0500 »); each
// commune once, in no order (the caller ranks them), at most limit
// (0: all).
func (r *Referential) Suggest(text string, limit int) []*Commune {
	ix := r.suggestIndex()
	q := FoldName(text)
	if q == "" {
		return nil
	}
	var out []*Commune
	seen := map[string]bool{}
	add := func(c *Commune) bool {
		if !seen[c.Code] && (c.Type == TypeCurrent || c.Type == TypeArrondissmt) {
			seen[c.Code] = true
			out = append(out, c)
		}
		return limit > 0 && len(out) >= limit
	}
	if strings.Trim(q, "0123456789") == "" {
		for i := sort.SearchStrings(ix.postcodes, q); i < len(ix.postcodes) && strings.HasPrefix(ix.postcodes[i], q); i++ {
			for _, c := range r.byPostcode[ix.postcodes[i]] {
				if add(c) {
					return out
				}
			}
		}
		return out
	}
	from := sort.Search(len(ix.names), func(i int) bool { return ix.names[i].key >= q })
	for i := from; i < len(ix.names) && strings.HasPrefix(ix.names[i].key, q); i++ {
		if add(ix.names[i].c) {
			return out
		}
	}
	return out
}
