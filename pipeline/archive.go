package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/store"
)

// archiveZone dates the snapshots: a French publication's day.
var archiveZone = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC // no tz database: dates in UTC
	}
	return loc
}

// archivedFiles are the published files a snapshot keeps.
var archivedFiles = []string{FileLieuxCSV, FileLieuxGeoJSON, FileLieuxParquet, FileLieuxXLSX, FileProvenance, FileDataPackage}

// keepSnapshot archives the files just written into dir when the
// publication changed the data since the last snapshot: a dated copy
// and its changes.csv (what changed since the previous day's snapshot).
// ArchiveRetention 0 keeps no archive at all.
func (p *Pipeline) keepSnapshot(ctx context.Context, dir string, rep *Report, c *exportCache) error {
	if !p.snapshotDue(dir, c.seq) {
		return nil
	}
	snaps, err := exporters.ReadArchiveIndex(dir)
	if err != nil {
		return err
	}
	date := rep.FinishedAt.In(archiveZone).Format(time.DateOnly)
	var prev *exporters.Snapshot // the latest snapshot of an earlier day
	for i := range snaps {
		if snaps[i].Date < date {
			prev = &snaps[i]
			break
		}
	}
	changes, last, err := c.changesSince(ctx, p.Store, dir, prev)
	if err != nil {
		return fmt.Errorf("pipeline: changes.csv: %w", err)
	}
	snap := exporters.Snapshot{Date: date, Seq: c.seq, Feed: last, PublishedAt: rep.FinishedAt, Lieux: len(c.ids), Files: archivedFiles}
	return exporters.KeepSnapshot(dir, snap, changes, p.ArchiveRetention, p.Now())
}

// snapshotDue says whether the archive of dir lacks a snapshot of
// publication seq (ArchiveRetention 0: no archive is kept); an unreadable
// index is due (keepSnapshot reports it).
func (p *Pipeline) snapshotDue(dir string, seq int64) bool {
	if p.ArchiveRetention <= 0 {
		return false
	}
	snaps, err := exporters.ReadArchiveIndex(dir)
	return err != nil || len(snaps) == 0 || snaps[0].Seq != seq
}

// changesSince lists, by id, the lieux created, updated, retired or
// deleted since a snapshot (all lieux, created, when there is none):
// the change feed after the snapshot's position says which lieux
// changed and how they ended; the snapshot's ids say which of them are
// new to it. A lieu of the snapshot the feed no longer mentions (its
// tombstone purged) and gone now is deleted. It returns the feed's last
// position too.
func (c *exportCache) changesSince(ctx context.Context, st store.Store, dir string, prev *exporters.Snapshot) ([]exporters.ArchiveChange, int64, error) {
	before, since := map[string]bool{}, int64(0)
	if prev != nil {
		ids, err := exporters.SnapshotIDs(dir, prev.Date)
		if err != nil {
			return nil, 0, err
		}
		before, since = ids, prev.Feed
	}
	now := make(map[string]bool, len(c.ids))
	for _, id := range c.ids {
		now[id] = true
	}
	byID := map[string]exporters.ArchiveChange{}
	var last int64
	for {
		page, err := st.LieuChangeKinds(ctx, since, 5000)
		if err != nil {
			return nil, 0, err
		}
		last = page.Last
		for _, ch := range page.Changes {
			since = ch.Seq
			switch {
			case now[ch.ID] && before[ch.ID]:
				byID[ch.ID] = exporters.ArchiveChange{ID: ch.ID, Kind: store.ChangeUpdated}
			case now[ch.ID]:
				byID[ch.ID] = exporters.ArchiveChange{ID: ch.ID, Kind: store.ChangeCreated}
			case before[ch.ID] && (ch.Kind == store.ChangeRetired || ch.Kind == store.ChangeDeleted):
				byID[ch.ID] = exporters.ArchiveChange{ID: ch.ID, Kind: ch.Kind, Survivor: ch.Survivor}
			}
		}
		if len(page.Changes) == 0 || since >= page.Last {
			break
		}
	}
	for id := range before {
		if _, ok := byID[id]; !ok && !now[id] {
			byID[id] = exporters.ArchiveChange{ID: id, Kind: store.ChangeDeleted}
		}
	}
	for id := range now {
		if _, ok := byID[id]; !ok && !before[id] {
			byID[id] = exporters.ArchiveChange{ID: id, Kind: store.ChangeCreated}
		}
	}
	out := make([]exporters.ArchiveChange, 0, len(byID))
	for _, ch := range byID {
		out = append(out, ch)
	}
	slices.SortFunc(out, func(a, b exporters.ArchiveChange) int { return strings.Compare(a.ID, b.ID) })
	return out, last, nil
}
