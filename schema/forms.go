package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Form exports (Google Forms, Framaforms, KoBo, Survey123) give a
// multiple-choice question one column of ticked answers and, beside it,
// one of the « Autre » (other) answers typed in: « Quel public ? » and
// « Quel public ? - Autre », « Quel public ? [Autre] », or an « Autre
// (précisez) » column right after the question's. The companion column
// feeds the same field as its question's, its answers read as the
// field's values are (keywords of the standard's list).

// companionWords are the words a companion column's name adds to its
// question's, or is made of; one of otherWords must be among them.
var (
	companionWords = map[string]bool{"autre": true, "autres": true, "other": true, "others": true, "precisez": true,
		"preciser": true, "precision": true, "precisions": true, "si": true, "lequel": true, "laquelle": true,
		"lesquels": true, "lesquelles": true, "veuillez": true, "please": true, "specify": true, "texte": true, "text": true}
	otherWords = map[string]bool{"autre": true, "autres": true, "other": true, "others": true, "precisez": true, "preciser": true}
)

// addCompanionColumns gives each companion column (not mapped otherwise,
// or only as a fallback) the list field of its question's column.
func addCompanionColumns(columns []string, targets, reasons map[string]string) {
	for i, c := range columns {
		if t := targets[c]; t != "" && !strings.HasPrefix(t, fallbackPrefix) {
			continue
		}
		q := questionOf(columns, i)
		if q == "" {
			continue
		}
		field := TargetField(targets[q])
		if f, ok := fieldByName[field]; !ok || f.Kind != KindList {
			continue
		}
		targets[c] = field
		reasons[c] = fmt.Sprintf("%s → %s: the « autre » answers of %s", c, field, q)
	}
}

// questionOf is the column whose companion columns[i] is: the column
// its name extends with companion words, or the column just before it
// when its name is companion words alone.
func questionOf(columns []string, i int) string {
	name := words(columns[i])
	if companionOnly(name) {
		if i > 0 {
			return columns[i-1]
		}
		return ""
	}
	for j, q := range columns {
		qw := words(q)
		if j != i && len(qw) > 0 && len(name) > len(qw) && slices.Equal(name[:len(qw)], qw) && companionOnly(name[len(qw):]) {
			return q
		}
	}
	return ""
}

// companionOnly tells whether words are a companion's: companion words
// only, one of them saying « other ».
func companionOnly(ws []string) bool {
	other := false
	for _, w := range ws {
		if !companionWords[w] {
			return false
		}
		other = other || otherWords[w]
	}
	return other
}
