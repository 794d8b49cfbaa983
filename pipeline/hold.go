package pipeline

import (
	"fmt"

	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// appliedData is the size of the data a source has published now: its
// current records, and how many of them are quarantined. It is what a
// new harvest is compared with, whatever ran since it was applied (runs
// that found the source unchanged fetch nothing, and must not lower it).
type appliedData struct {
	records, quarantined int
}

// appliedOf counts the current records of a view of the store.
func appliedOf(view *store.RecordsView) appliedData {
	var a appliedData
	if view == nil {
		return a
	}
	for _, d := range view.ByKey {
		if d.Deleted {
			continue
		}
		a.records++
		if d.Status == schema.StatusQuarantined {
			a.quarantined++
		}
	}
	return a
}

// holdReason says why a harvest must not be applied, or "": compared with
// the data the source has applied, it brings fewer records than
// holdBelow of them (a truncated file, a filter left on a portal), or it
// quarantines nearly all its records when the applied data did not
// (columns renamed). A held harvest changes nothing: the source's data
// stays published until an operator runs `sync --source NAME --force`.
func holdReason(recs []store.SourceRecord, applied appliedData, holdBelow float64) string {
	if holdBelow <= 0 || applied.records == 0 {
		return ""
	}
	if float64(len(recs)) < holdBelow*float64(applied.records) {
		return fmt.Sprintf("held: %d records, the source's applied data has %d (below %.0f%%); `maillage sync --source NAME --force` applies it",
			len(recs), applied.records, holdBelow*100)
	}
	quarantined := 0
	for i := range recs {
		if recs[i].Status == schema.StatusQuarantined {
			quarantined++
		}
	}
	wasFine := float64(applied.quarantined) < 0.5*float64(applied.records)
	if wasFine && len(recs) > 0 && float64(quarantined) > 0.9*float64(len(recs)) {
		return fmt.Sprintf("held: %d of %d records quarantined, the source's applied data has %d of %d (renamed columns?); `maillage sync --source NAME --force` applies it",
			quarantined, len(recs), applied.quarantined, applied.records)
	}
	return ""
}
