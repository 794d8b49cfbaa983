package readmodel

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/maillage/maillage/schema"
)

// compact lays the entries' text out for the garbage collector: every
// string of their lieux (and their ids, folded names, name words and
// territories) is re-pointed into one shared string, every list into one
// shared slice of strings, and each provenance map is encoded once into
// bytes. A model of 120 000 lieux then holds a few large objects instead
// of millions of small ones, which each collection would otherwise mark
// again while requests wait.
func (m *Model) compact() {
	var a arena
	for pass := range 2 { // the first pass measures, the second copies
		a.start(pass == 1)
		for i := range m.entries {
			e := &m.entries[i]
			l := &e.Row.Lieu
			v := reflect.ValueOf(l).Elem()
			for _, f := range lieuStrings {
				p := v.Field(f).Addr().Interface().(*string)
				*p = a.text(*p)
			}
			for _, f := range lieuLists {
				p := v.Field(f).Addr().Interface().(*[]string)
				*p = a.list(*p)
			}
			e.names = a.list(e.names)
			e.folded, e.territory = a.text(e.folded), a.text(e.territory)
		}
	}
}

// lieuStrings and lieuLists are the indexes of Lieu's string and list
// fields.
var lieuStrings, lieuLists = lieuFieldIndexes()

func lieuFieldIndexes() (texts, lists []int) {
	t := reflect.TypeFor[schema.Lieu]()
	for i := range t.NumField() {
		switch t.Field(i).Type {
		case reflect.TypeFor[string]():
			texts = append(texts, i)
		case reflect.TypeFor[[]string]():
			lists = append(lists, i)
		}
	}
	return texts, lists
}

// arena measures, then holds, the text and the lists of the entries.
type arena struct {
	copying          bool
	textLen, listLen int
	pending          *strings.Builder // grown to textLen at once: every string handed out shares its buffer
	lists            []string
}

func (a *arena) start(copying bool) {
	a.copying = copying
	if copying {
		a.pending = &strings.Builder{}
		a.pending.Grow(a.textLen)
		a.lists = make([]string, 0, a.listLen)
	}
}

// text returns s, held in the shared string (once copying).
func (a *arena) text(s string) string {
	if !a.copying {
		a.textLen += len(s)
		return s
	}
	at := a.pending.Len()
	a.pending.WriteString(s)
	return a.pending.String()[at : at+len(s)]
}

// list returns xs, its strings in the shared string and itself in the
// shared slice (once copying).
func (a *arena) list(xs []string) []string {
	if len(xs) == 0 {
		return xs
	}
	if !a.copying {
		a.listLen += len(xs)
		for _, x := range xs {
			a.textLen += len(x)
		}
		return xs
	}
	at := len(a.lists)
	for _, x := range xs {
		a.lists = append(a.lists, a.text(x))
	}
	return a.lists[at:len(a.lists):len(a.lists)]
}

// encodeProvenance keeps each entry's provenance as its JSON encoding.
func (m *Model) encodeProvenance() {
	for i := range m.entries {
		e := &m.entries[i]
		if len(e.Row.Provenance) > 0 {
			e.Provenance, _ = json.Marshal(e.Row.Provenance)
		}
		e.Row.Provenance = nil
	}
}
