package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/maillage/maillage/schema"
)

// PeerCheckpoint is where a peer source (another instance's change feed)
// stands: the peer's instance id, the cursor to read next and its
// position, whether a snapshot was read to its end, the time of the last
// change read, when a poll last reached the feed's end and when the
// feed was last polled.
type PeerCheckpoint struct {
	Instance    string
	Cursor      string
	Position    int64
	Complete    bool
	LastEventAt time.Time
	CaughtUpAt  time.Time
	PolledAt    time.Time
}

// PeerRecord is one lieu of a peer as the mirror holds it: its id there
// (the record key), its revision, its GeoJSON Feature as published
// (without its provenance) and what federation needs of it.
type PeerRecord struct {
	Key      string
	Revision int64
	Feature  []byte
	Meta     PeerMeta
}

// PeerMeta is what a peer said of a lieu besides its fields: where it was
// first published, the instances it came through, and which record gave
// each field there.
type PeerMeta struct {
	Origin     schema.Origin        `json:"origin"`
	Via        []string             `json:"via,omitempty"`
	Provenance map[string]RecordRef `json:"provenance,omitempty"`
}

// PeerPage is one page of a peer's feed as it changes the mirror: Reset
// empties the mirror first (a new snapshot), Upserts are written, Deletes
// removed, Retired (key → survivor key) removed and remembered as merged
// into the survivor; Checkpoint is where the mirror then stands.
type PeerPage struct {
	Reset      bool
	Upserts    []PeerRecord
	Deletes    []string
	Retired    map[string]string
	Checkpoint PeerCheckpoint
}

// The mirror's statements, the same in both dialects ($1 is the source).
const (
	PeerResetRecordsQuery  = `DELETE FROM peer_records WHERE source = $1`
	PeerResetAbsorbedQuery = `DELETE FROM peer_absorbed WHERE source = $1`
	PeerUpsertQuery        = `INSERT INTO peer_records (source, record_key, revision, feature, meta) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (source, record_key) DO UPDATE SET revision = excluded.revision, feature = excluded.feature, meta = excluded.meta`
	// a key live again is absorbed no more
	PeerUnabsorbQuery = `DELETE FROM peer_absorbed WHERE source = $1 AND absorbed = $2`
	PeerDeleteQuery   = `DELETE FROM peer_records WHERE source = $1 AND record_key = $2`
	// a deleted survivor takes what it absorbed with it
	PeerDropAbsorbedQuery = `DELETE FROM peer_absorbed WHERE source = $1 AND survivor = $2`
	// $2 merged into $3, with what $2 had absorbed
	PeerAbsorbQuery = `INSERT INTO peer_absorbed (source, survivor, absorbed) VALUES ($1, $3, $2)
ON CONFLICT (source, absorbed) DO UPDATE SET survivor = excluded.survivor`
	PeerPassAbsorbedQuery   = `UPDATE peer_absorbed SET survivor = $3 WHERE source = $1 AND survivor = $2`
	PeerCheckpointSaveQuery = `INSERT INTO peer_checkpoints (source, instance, cursor, position, complete, last_event_at, caught_up_at, polled_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (source) DO UPDATE SET instance = excluded.instance, cursor = excluded.cursor, position = excluded.position,
	complete = excluded.complete, last_event_at = excluded.last_event_at, caught_up_at = excluded.caught_up_at, polled_at = excluded.polled_at`
	PeerCheckpointQuery = `SELECT instance, cursor, position, complete, last_event_at, caught_up_at, polled_at FROM peer_checkpoints WHERE source = $1`
	PeerRecordsQuery    = `SELECT record_key, revision, meta, CASE WHEN $2 THEN feature ELSE '' END FROM peer_records WHERE source = $1 ORDER BY record_key`
	PeerAbsorbedQuery   = `SELECT survivor, absorbed FROM peer_absorbed WHERE source = $1 ORDER BY survivor, absorbed`
)

// ApplyPeerPageWith runs, through exec (in the caller's transaction), the
// statements that apply page to source's mirror; at converts a time to
// the dialect's parameter (nil for the zero time), boolean a flag.
func ApplyPeerPageWith(source string, page PeerPage, at func(time.Time) any, boolean func(bool) any, exec func(query string, args ...any) error) error {
	if page.Reset {
		if err := exec(PeerResetRecordsQuery, source); err != nil {
			return err
		}
		if err := exec(PeerResetAbsorbedQuery, source); err != nil {
			return err
		}
	}
	for _, r := range page.Upserts {
		meta, err := json.Marshal(r.Meta)
		if err != nil {
			return fmt.Errorf("peer record %s: %w", r.Key, err)
		}
		if err := exec(PeerUpsertQuery, source, r.Key, r.Revision, string(r.Feature), string(meta)); err != nil {
			return err
		}
		if err := exec(PeerUnabsorbQuery, source, r.Key); err != nil {
			return err
		}
	}
	for _, key := range page.Deletes {
		if err := exec(PeerDeleteQuery, source, key); err != nil {
			return err
		}
		if err := exec(PeerDropAbsorbedQuery, source, key); err != nil {
			return err
		}
	}
	for _, key := range slices.Sorted(maps.Keys(page.Retired)) {
		survivor := page.Retired[key]
		for _, q := range []string{PeerDeleteQuery, PeerPassAbsorbedQuery, PeerAbsorbQuery} {
			args := []any{source, key, survivor}
			if q == PeerDeleteQuery {
				args = args[:2]
			}
			if err := exec(q, args...); err != nil {
				return err
			}
		}
	}
	c := page.Checkpoint
	return exec(PeerCheckpointSaveQuery, source, c.Instance, c.Cursor, c.Position, boolean(c.Complete), at(c.LastEventAt), at(c.CaughtUpAt), at(c.PolledAt))
}

// ScanPeerRecords reads PeerRecordsQuery's rows into fn.
func ScanPeerRecords(rows Rows, fn func(PeerRecord) error) error {
	for rows.Next() {
		var r PeerRecord
		var meta, feature string
		if err := rows.Scan(&r.Key, &r.Revision, &meta, &feature); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(meta), &r.Meta); err != nil {
			return fmt.Errorf("record %s: %w", r.Key, err)
		}
		if feature != "" {
			r.Feature = []byte(feature)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanPeerAbsorbed reads PeerAbsorbedQuery's rows: survivor → absorbed.
func ScanPeerAbsorbed(rows Rows) (map[string][]string, error) {
	out := map[string][]string{}
	for rows.Next() {
		var survivor, absorbed string
		if err := rows.Scan(&survivor, &absorbed); err != nil {
			return nil, err
		}
		out[survivor] = append(out[survivor], absorbed)
	}
	return out, rows.Err()
}
