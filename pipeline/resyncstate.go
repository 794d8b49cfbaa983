package pipeline

import (
	"log/slog"
	"sync"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// resyncState is everything a pipeline keeps from one run to the next so
// that a re-sync costs what changed (serve runs the pipeline again and
// again; a `sync` command starts with an empty state). It has one owner,
// the Pipeline, and this lifecycle:
//
//   - Snapshot: each use brings the store mirrors to the store first, by
//     its change feeds (the records and lieux sequences), whoever wrote:
//     a mirror is never ahead of the store, and never trusted behind it.
//   - Commit: a mirror takes in a write of the pipeline only once the
//     store accepted it (publishedState.saved after SaveLieux; records
//     come back through the feed). The pure caches hold results of pure
//     functions of their keys, so they need no commit.
//   - Reset: reset drops everything, saying why in the log; the next use
//     reads the store whole. It follows a write the store refused
//     because another writer came between (ErrKeptChanged) twice.
//
// What each part keys on and what invalidates it:
//
//	part       kind          keyed on                                    invalidated by
//	records    store mirror  records sequence; record (source, key),     a row of the feed with another hash or
//	                         hash, updated_at                            updated_at (read again), a deleted row
//	published  store mirror  lieux sequence of the last SaveLieux;       another value of the lieux sequence
//	                         lieu id, cluster Key, content hash          (another publication): read from the store
//	exports    store mirror  lieux sequence; lieu id and revision        another value of the sequence: the lieux
//	                                                                     the publication changed are rendered again
//	peers      store mirror  peer source; the cursor of its checkpoint;     another cursor (the mirror read more of
//	                         record key and revision                     the feed): that source read again
//	unchanged  store mirror  the last publication's inputs (records and     another key: published again
//	                         lieux sequences, decisions, configuration,
//	                         peers' cursors) hashed, and its summary
//	memo       pure cache    member (source, key) and version; pair of   a member of another version (rescored),
//	                         members; cluster Key (a hash of its         weights of another configuration
//	                         members' records, versions, priorities)
//	refused    pure cache    source; record key and content hash         the next harvest of the source (replaced)
//	mappers    pure cache    source; column, field and the hash of the   a column sample of another hash
//	                         column's sample
//	elements   pure cache    source (in the harvester); the SHA-256 of   the next decode of the source (replaced),
//	                         a JSON element's or CSV row's bytes, under  another delimiter or header
//	                         the delimiter and header
//
// The content hash of a record covers its raw fields and what they are
// read with (the source's mapping, the columns recognised, the build):
// a record whose key and hash are stored, and that is not waiting for the
// geocoder (RecordDigest.GeocodingPending), is kept as it is.
type resyncState struct {
	// publishing serialises publications: sources harvested at once each
	// publish after their harvest, one at a time. It guards memo,
	// published, members and lieux.
	publishing sync.Mutex
	memo       dedup.Memo
	published  publishedState
	members    []dedup.Member        // the last publication's, whose room the next reuses
	lieux      []store.PublishedLieu // likewise
	refused    refusedRecords
	mappers    schema.MapperCache
	records    recordCache
	exports    exportCache
	peers      peerMirrors
	unchanged  lastPublication
}

// reset drops every part of the state (the harvester's element cache
// too), logging why: the next run reads the store whole. The caller
// holds publishing.
func (s *resyncState) reset(log *slog.Logger, h *harvest.Harvester, reason string) {
	log.Warn("resync_state_reset", "reason", reason)
	s.release(h)
	s.exports.drop()
}

// release drops what only a next run would reuse, once a run that is the
// pipeline's only one (OneRun) has published: the record mirror, the
// published lieux' mirror, dedup's members and memo, the peers' mirrors
// and the pure caches, so that writing the files does not carry them.
// The exports keep the lieux just offered. A run after it anyway reads
// the store whole, as a new process does. The caller holds publishing.
func (s *resyncState) release(h *harvest.Harvester) {
	s.memo = dedup.Memo{}
	s.published = publishedState{}
	s.members, s.lieux = nil, nil
	s.refused.forget()
	s.mappers.Forget()
	s.records.drop()
	s.peers.forget()
	s.unchanged = lastPublication{}
	h.ForgetElements()
}
