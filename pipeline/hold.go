package pipeline

import (
	"fmt"

	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// holdReason says why a harvest must not be applied, or "": compared with
// the last harvest that was, it brings fewer records than holdBelow of
// them (a truncated file, a filter left on a portal), or it quarantines
// nearly all its records when the last did not (columns renamed). A held
// harvest changes nothing: the source's data stays published until an
// operator runs `sync --source NAME --force`.
func holdReason(recs []store.SourceRecord, last store.SourceRun, holdBelow float64) string {
	if holdBelow <= 0 || last.Fetched == 0 {
		return ""
	}
	if float64(len(recs)) < holdBelow*float64(last.Fetched) {
		return fmt.Sprintf("held: %d records, the last applied harvest had %d (below %.0f%%); `maillage sync --source NAME --force` applies it",
			len(recs), last.Fetched, holdBelow*100)
	}
	quarantined := 0
	for i := range recs {
		if recs[i].Status == schema.StatusQuarantined {
			quarantined++
		}
	}
	wasFine := float64(last.Quarantined) < 0.5*float64(last.Fetched)
	if wasFine && len(recs) > 0 && float64(quarantined) > 0.9*float64(len(recs)) {
		return fmt.Sprintf("held: %d of %d records quarantined, the last applied harvest had %d of %d (renamed columns?); `maillage sync --source NAME --force` applies it",
			quarantined, len(recs), last.Quarantined, last.Fetched)
	}
	return ""
}
