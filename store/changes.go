package store

import "time"

// Kinds of change of a published lieu, as the change feed tells them.
const (
	ChangeCreated = "created"
	ChangeUpdated = "updated"
	// ChangeRetired: merged into another lieu (LieuChange.Survivor).
	ChangeRetired = "retired"
	// ChangeDeleted: gone (a tombstone).
	ChangeDeleted = "deleted"
)

// LieuChange is a published lieu's latest change: every lieu appears once
// in the feed, at the position (Seq) of its latest change, so that
// reading the feed from 0 is a snapshot that stays whole while
// publications go on (a lieu changed meanwhile moves further on).
type LieuChange struct {
	Seq      int64
	ID       string
	Kind     string
	Survivor string // the id a retired lieu was merged into
	At       time.Time
	// Lieu is the lieu as that change left it (its last published
	// version for a deleted or retired one), with its revision.
	Lieu LieuRow
}

// ChangePage is a page of the change feed.
type ChangePage struct {
	Changes []LieuChange
	// Last is the position of the latest change in the store.
	Last int64
	// Purged is the position up to which tombstones were purged: a
	// reader whose cursor is below it may have missed deletions.
	Purged int64
}

// SaveLieuChangesQuery records, in the publication's transaction, the
// changes of the lieux it wrote (those that took its revision, $2):
// each lieu's change row moves to a new position after $1 (in id order
// within the publication), dated when the lieu was written. A lieu live
// again after a deletion is created anew. The SQL is the same in both
// dialects.
const SaveLieuChangesQuery = `INSERT INTO lieu_changes (lieu_id, seq, kind, survivor, changed_at)
SELECT l.id, $1 + row_number() OVER (ORDER BY l.id),
	CASE WHEN l.deleted_at IS NULL THEN
		CASE WHEN EXISTS (SELECT 1 FROM lieu_changes c WHERE c.lieu_id = l.id AND c.kind IN ('created', 'updated')) THEN 'updated' ELSE 'created' END
	WHEN r.new_id IS NOT NULL THEN 'retired' ELSE 'deleted' END,
	CASE WHEN l.deleted_at IS NOT NULL THEN r.new_id END, l.updated_at
FROM lieux l LEFT JOIN lieu_redirects r ON r.old_id = l.id
WHERE l.revision = $2
ON CONFLICT (lieu_id) DO UPDATE SET seq = excluded.seq, kind = excluded.kind, survivor = excluded.survivor, changed_at = excluded.changed_at`

// LastTombstoneQuery finds the last position of the tombstones dated
// before $1 (NULL when there is none).
const LastTombstoneQuery = `SELECT max(seq) FROM lieu_changes WHERE kind IN ('deleted', 'retired') AND changed_at < $1`

// PurgeTombstonesQuery drops the tombstones dated before $1.
const PurgeTombstonesQuery = `DELETE FROM lieu_changes WHERE kind IN ('deleted', 'retired') AND changed_at < $1`

// Scanner is a row a query returns (database/sql's and pgx's).
type Scanner interface{ Scan(dest ...any) error }

// ScanAfter is a row whose first columns go to first, and the rest to
// whoever scans it next (a lieu's columns after a change's).
func ScanAfter(sc Scanner, first ...any) Scanner { return scanAfter{sc, first} }

type scanAfter struct {
	sc    Scanner
	first []any
}

func (s scanAfter) Scan(dest ...any) error {
	return s.sc.Scan(append(append([]any(nil), s.first...), dest...)...)
}

// InstanceIDQuery reads the instance's identity; ClaimInstanceIDQuery
// makes it ($1, at $2) unless it exists. Both dialects.
const (
	InstanceIDQuery      = `SELECT id FROM instance_identity WHERE singleton = 1`
	ClaimInstanceIDQuery = `INSERT INTO instance_identity (singleton, id, created_at) VALUES (1, $1, $2) ON CONFLICT (singleton) DO NOTHING`
)
