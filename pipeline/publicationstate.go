package pipeline

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// savedPublication is the document a publication leaves in the store
// (store.PublicationState's Summary): its summary and its record
// accounting, what a later process needs to report a publication it
// finds unchanged without reading a record.
type savedPublication struct {
	Lieux   LieuSummary                  `json:"lieux"`
	Totals  Totals                       `json:"totals"`
	Sources map[string]savedSourceReport `json:"sources"`
}

// savedSourceReport is the part of a source's report made from its
// current records (Report.account), quarantined records without their
// raw fields (read again when reported).
type savedSourceReport struct {
	Current            RecordAccount       `json:"current"`
	QuarantineReasons  map[string]int      `json:"quarantine_reasons"`
	Fixes              map[string]int      `json:"fixes"`
	Warnings           map[string]int      `json:"warnings"`
	QuarantinedRecords []QuarantinedRecord `json:"quarantined_records"`
	WarnedRecords      []QuarantinedRecord `json:"warned_records"`
}

// savePublicationState saves what the publication just made was made of
// (key) and its accounting in rep.
func (p *Pipeline) savePublicationState(ctx context.Context, key [32]byte, seq int64, rep *Report) error {
	doc := savedPublication{Lieux: rep.Lieux, Totals: rep.Totals, Sources: make(map[string]savedSourceReport, len(rep.Sources))}
	for _, s := range rep.Sources {
		quarantined := make([]QuarantinedRecord, len(s.QuarantinedRecords))
		for i, q := range s.QuarantinedRecords {
			q.Fields = nil
			quarantined[i] = q
		}
		doc.Sources[s.Source] = savedSourceReport{Current: s.Current, QuarantineReasons: s.QuarantineReasons, Fixes: s.Fixes,
			Warnings: s.Warnings, QuarantinedRecords: quarantined, WarnedRecords: s.WarnedRecords}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("pipeline: publication state: %w", err)
	}
	ps := store.PublicationState{InputKey: hex.EncodeToString(key[:]), LieuxSeq: seq, Summary: raw, SavedAt: p.Now()}
	if err := p.Store.SavePublicationState(ctx, ps); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	return nil
}

// publishedAsSaved reports whether the store's last publication was made
// of what a publication would now be made of (same records and lieux
// sequences, decisions, configuration and peers' checkpoints): it would
// publish every lieu as it is. It then fills rep from the saved document
// without reading a record — a new process on an unchanged store costs a
// few queries. Otherwise it changes nothing.
func (p *Pipeline) publishedAsSaved(ctx context.Context, cfg *config.Config, rep *Report) (bool, error) {
	saved, ok, err := p.Store.PublicationState(ctx)
	if err != nil || !ok {
		return false, err
	}
	recordsSeq, err := p.Store.RecordSequence(ctx)
	if err != nil {
		return false, fmt.Errorf("pipeline: %w", err)
	}
	lieuxSeq, err := p.Store.LieuSequence(ctx)
	if err != nil {
		return false, fmt.Errorf("pipeline: %w", err)
	}
	decisions, err := p.Store.Decisions(ctx)
	if err != nil {
		return false, fmt.Errorf("pipeline: %w", err)
	}
	cursors := map[string]string{}
	for _, src := range cfg.Sources {
		if src.Kind == "peer" {
			cp, _, err := p.Store.PeerCheckpoint(ctx, src.Name)
			if err != nil {
				return false, fmt.Errorf("pipeline: %w", err)
			}
			cursors[src.Name] = cp.Cursor
		}
	}
	key := inputKey(p.Build, recordsSeq, lieuxSeq, cfg, decisions, cursors)
	if saved.LieuxSeq != lieuxSeq || saved.InputKey != hex.EncodeToString(key[:]) {
		return false, nil
	}
	var doc savedPublication
	if err := json.Unmarshal(saved.Summary, &doc); err != nil {
		return false, nil // a document of another shape: published again
	}
	rep.Lieux = doc.Lieux
	rep.Lieux.LieuStats = store.LieuStats{Unchanged: doc.Lieux.Total, Revision: doc.Lieux.Revision, Seq: doc.Lieux.Seq}
	rep.Schema, rep.Status, rep.Totals = schema.CurrentVersion, rep.status(), doc.Totals
	for i := range rep.Sources {
		s := &rep.Sources[i]
		d := doc.Sources[s.Source]
		s.Current, s.QuarantineReasons, s.Fixes, s.Warnings = d.Current, d.QuarantineReasons, d.Fixes, d.Warnings
		s.QuarantinedRecords, s.WarnedRecords = d.QuarantinedRecords, d.WarnedRecords
	}
	return true, rep.attachRawFields(ctx, func(ctx context.Context, source, key string) ([]harvest.Field, error) {
		return p.state.records.fields(ctx, p.Store, source, key)
	})
}
