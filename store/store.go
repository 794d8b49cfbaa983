// Package store owns all SQL of maillage behind one interface. The
// implementations live in sub-packages: store/sqlite (embedded default).
package store

import (
	"context"
	"errors"
	"time"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

// ErrNotFound is returned when a lieu does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrKeptChanged is returned when a record or lieu given as Kept is not
// stored, current and of the same hash (another writer changed it
// meanwhile).
var ErrKeptChanged = errors.New("store: record or lieu given as kept is not stored as it was")

// Store is the persistence contract of maillage.
type Store interface {
	// StartRun opens a run, done by instance (host:pid), and returns its id.
	StartRun(ctx context.Context, at time.Time, instance string) (int64, error)
	// FinishRun closes a run.
	FinishRun(ctx context.Context, runID int64, at time.Time, status string) error
	// RecordSourceRun stores what a run did with one source.
	RecordSourceRun(ctx context.Context, r SourceRun) error
	// LastGoodSourceRun returns the latest run of a source that applied
	// its data (neither failed nor held).
	LastGoodSourceRun(ctx context.Context, source string) (SourceRun, bool, error)
	// LatestSourceRuns returns the latest run of every source.
	LatestSourceRuns(ctx context.Context) ([]SourceRun, error)

	// ReplaceSourceRecords makes recs the current records of a source in
	// one transaction: new ones inserted, changed ones updated, missing
	// ones marked deleted. A Kept record must be stored, current and of
	// the same hash: only its position is written. With a view (what the
	// caller read of the source's current records), the store need not
	// read them again, and refuses the write with ErrKeptChanged when a
	// write of the source came after the view.
	ReplaceSourceRecords(ctx context.Context, source string, recs []SourceRecord, at time.Time, view *RecordsView) (RecordStats, error)
	// RecordChanges is the change feed of source records. It returns
	// the sequence value the records are at, and the digests of the
	// records whose rows changed after the value since, deleted ones
	// included (marked Deleted). since 0 gives every current record, in
	// the order of ActiveRecords; later values in no particular order. A
	// row may come again with a later value: the feed never misses one.
	RecordChanges(ctx context.Context, since int64) ([]RecordDigest, int64, error)
	// ActiveRecordsOf returns the named records that are current, as
	// ActiveRecords does, in no particular order.
	ActiveRecordsOf(ctx context.Context, refs []RecordRef) ([]SourceRecord, error)
	// SourceRecord returns one record with its raw fields, or ErrNotFound.
	SourceRecord(ctx context.Context, source, key string) (SourceRecord, error)
	// ActiveRecords returns the current records of every source with their
	// normalised lieu, status and issues; raw Fields are not loaded.
	ActiveRecords(ctx context.Context) ([]SourceRecord, error)

	// GeocodeLookup returns the cached geocoder answers of the keys it has.
	GeocodeLookup(ctx context.Context, keys []string) (map[string]GeocodeEntry, error)
	// GeocodeSave caches geocoder answers (replacing older ones).
	GeocodeSave(ctx context.Context, entries []GeocodeEntry) error

	// LieuIndex returns the current record → lieu links and the creation
	// time of every lieu ever published.
	LieuIndex(ctx context.Context) (LieuIndex, error)
	// SaveLieux makes set the published lieux in one transaction. A Kept
	// lieu must be published with the same hash: it is not written; the
	// Hash of every other lieu is set to the one stored. Each call takes
	// the next value of the lieux sequence (LieuStats.Seq).
	SaveLieux(ctx context.Context, set LieuSet, at time.Time) (LieuStats, error)
	// LieuSequence returns the lieux sequence's value: the one the last
	// SaveLieux took. While it stays the same, so do the published lieux,
	// their links and the retired ids.
	LieuSequence(ctx context.Context) (int64, error)
	// RecordSequence returns the records sequence's value: the one the
	// last write of source records took (RecordChanges gives it too).
	RecordSequence(ctx context.Context) (int64, error)
	// PublicationState returns what SavePublicationState last saved (ok
	// false: nothing yet).
	PublicationState(ctx context.Context) (PublicationState, bool, error)
	// SavePublicationState replaces the saved publication state.
	SavePublicationState(ctx context.Context, ps PublicationState) error
	// ListLieux pages through published lieux by id.
	ListLieux(ctx context.Context, q LieuQuery) ([]LieuRow, error)
	// EachLieu calls fn for every published lieu, in id order.
	EachLieu(ctx context.Context, fn func(LieuRow) error) error
	// LieuDigests returns the id and revision of every published lieu,
	// in id order.
	LieuDigests(ctx context.Context) ([]LieuDigest, error)
	// LieuxOf returns the named lieux that are published, in no
	// particular order.
	LieuxOf(ctx context.Context, ids []string) ([]LieuRow, error)
	// Lieu returns one published lieu, or ErrNotFound.
	Lieu(ctx context.Context, id string) (LieuRow, error)
	// Redirect returns the id a retired id now resolves to.
	Redirect(ctx context.Context, id string) (string, bool, error)
	// RetiredLieux returns every id once published and published no more:
	// merged into another lieu (MergedInto, the id it redirects to) or
	// deleted, in no particular order.
	RetiredLieux(ctx context.Context) ([]RetiredLieu, error)
	// EachLink calls fn for every record → lieu link, ordered.
	EachLink(ctx context.Context, fn func(Link) error) error
	// Version describes the published dataset for caching.
	// LieuChanges returns up to limit changes of the published lieux
	// after position since (0: from the start, a snapshot), in order,
	// with the feed's last and purged positions, read at one instant.
	LieuChanges(ctx context.Context, since int64, limit int) (ChangePage, error)
	// LieuChangeKinds is LieuChanges without the lieux (Lieu left zero):
	// what changed and how, for who needs no content.
	LieuChangeKinds(ctx context.Context, since int64, limit int) (ChangePage, error)
	// PurgeTombstones drops the changes of lieux deleted or retired
	// before a time and returns how many.
	PurgeTombstones(ctx context.Context, before time.Time) (int, error)
	// InstanceID returns the instance's stable identity, made (a random
	// UUID) and stored at the first call.
	InstanceID(ctx context.Context) (string, error)

	// DatagouvDataset returns the data.gouv.fr state of a configured
	// dataset (ok false: never published).
	DatagouvDataset(ctx context.Context, key string) (d DatagouvDataset, ok bool, err error)
	// SaveDatagouvDataset records a dataset's id and the resources it
	// lists (the others keep theirs), in one transaction.
	SaveDatagouvDataset(ctx context.Context, d DatagouvDataset) error

	// PeerCheckpoint returns where a peer source's mirror stands (ok
	// false: the peer was never read).
	PeerCheckpoint(ctx context.Context, source string) (cp PeerCheckpoint, ok bool, err error)
	// ApplyPeerPage applies a page of a peer's feed to the source's mirror
	// and saves its checkpoint, in one transaction.
	ApplyPeerPage(ctx context.Context, source string, page PeerPage) error
	// EachPeerRecord calls fn with each record of a peer source's mirror,
	// in key order; their Feature only when withFeature.
	EachPeerRecord(ctx context.Context, source string, withFeature bool, fn func(PeerRecord) error) error
	// PeerAbsorbed maps each survivor of a peer source's merges to the
	// keys merged into it.
	PeerAbsorbed(ctx context.Context, source string) (map[string][]string, error)
	Version(ctx context.Context) (Version, error)

	// SaveReviewPairs makes pairs the pending review set.
	SaveReviewPairs(ctx context.Context, pairs []ReviewPair) error
	// ReviewPairs returns the pending pairs, best score first.
	ReviewPairs(ctx context.Context) ([]ReviewPair, error)
	// SaveDecision records (or replaces) an operator's verdict on a pair
	// and takes the pair out of the review set.
	SaveDecision(ctx context.Context, d Decision) error
	// Decisions returns every verdict.
	Decisions(ctx context.Context) ([]Decision, error)
	// SaveReport stores an error a person reported on a lieu and returns
	// its id.
	SaveReport(ctx context.Context, r Report) (int64, error)
	// Reports returns every reported error, the latest first.
	Reports(ctx context.Context) ([]Report, error)

	Ping(ctx context.Context) error
	Close() error
}

// SourceRun is the outcome of one run for one source.
type SourceRun struct {
	RunID       int64     `json:"run_id"`
	Source      string    `json:"source"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at"`
	Status      string    `json:"status"`
	Error       string    `json:"error,omitempty"`
	Fetched     int       `json:"fetched"`
	Unchanged   int       `json:"unchanged"`
	Valid       int       `json:"valid"`
	Fixed       int       `json:"fixed"`
	Quarantined int       `json:"quarantined"`
	Geocoded    int       `json:"geocoded"`
	Created     int       `json:"created"`
	Updated     int       `json:"updated"`
	Deleted     int       `json:"deleted"`
	// Normalised counts the records mapped and normalised by this run
	// (new or changed ones); the others kept what they had.
	Normalised  int    `json:"normalised"`
	PayloadHash string `json:"payload_hash,omitempty"`
	// GeocodingPending marks a harvest that left records the geocoder
	// could not place: the next one processes the same bytes again.
	GeocodingPending bool   `json:"geocoding_pending,omitempty"`
	ETag             string `json:"-"`
	LastModified     string `json:"-"`
}

// Source run statuses.
const (
	RunOK          = "ok"
	RunFailed      = "failed"
	RunNotModified = "not_modified"
	// RunHeld: fetched, but not applied (far fewer records than the last
	// good harvest…); the source's data stays as it was.
	RunHeld = "held"
)

// SourceRecord is one record of a source with its normalised form.
//
// Hash identifies what the normalised form is made of (raw fields, mapping,
// normaliser). A Kept record is one the store already holds with that
// hash: only its key, position, hash and status are given, and the stored
// fields, lieu and issues stay.
type SourceRecord struct {
	Source     string
	RecordKey  string
	Index      int
	Line       int
	Fields     []harvest.Field
	Hash       string
	ProducerID string
	Status     schema.Status
	Lieu       *schema.Lieu
	Issues     []schema.Issue
	Kept       bool
	// GeocodingPending: the geocoder could not place the record (it was
	// unavailable); the next harvest places it again.
	GeocodingPending bool
}

// LieuDigest names a published lieu and the revision that last changed
// it.
type LieuDigest struct {
	ID       string
	Revision int64
}

// RecordsView is what a writer read of a source's current records: their
// digests by key, as of the records sequence's value Seq.
type RecordsView struct {
	Seq   int64
	ByKey map[string]RecordDigest
}

// RecordDigest is a record as its store tells it apart from another
// version: its content hash, status and position, when its row last
// changed, and whether it is deleted.
type RecordDigest struct {
	Source, RecordKey string
	Hash              string
	Status            schema.Status
	Index, Line       int
	UpdatedAt         time.Time
	Deleted           bool
	// GeocodingPending: the record waits for the geocoder (it is
	// normalised and placed again, whatever its hash).
	GeocodingPending bool
}

// GeocodeEntry is a cached geocoder answer: the result as JSON, whether
// it placed anything, and when it was fetched.
type GeocodeEntry struct {
	Key       string
	Result    []byte
	Found     bool
	FetchedAt time.Time
}

// RecordStats counts what ReplaceSourceRecords changed.
type RecordStats struct {
	Created, Updated, Unchanged, Deleted int
}

// Link says which lieu a source record feeds, since when.
type Link struct {
	LieuID    string
	Source    string
	RecordKey string
	LinkedAt  time.Time
}

// RecordRef names a source record.
type RecordRef struct {
	Source    string `json:"source"`
	RecordKey string `json:"record_key"`
}

// PublishedLieu is a lieu and, for each of its fields, the source record
// that gave the value. A Kept lieu is one the store already publishes
// with the content hash Hash (EncodeLieu's): only Lieu.ID and Hash are
// given, and the stored lieu stays as it is.
type PublishedLieu struct {
	Lieu       schema.Lieu
	Provenance map[string]RecordRef
	Kept       bool
	Hash       string
}

// LieuIndex is the state earlier runs left.
type LieuIndex struct {
	Links   []Link
	Created map[string]time.Time
	// Retired lists the ids that redirect to another lieu.
	Retired []string
}

// RetiredLieu is an id published no more: merged into another lieu
// (MergedInto set) or deleted (MergedInto empty), since At.
type RetiredLieu struct {
	ID         string
	MergedInto string
	At         time.Time
}

// ReviewPair is a pair of records left for an operator and its score;
// the scorer's explanation is computed when the pair is listed
// (pipeline.ReviewList), not stored.
type ReviewPair struct {
	A, B    RecordRef
	Score   float64
	FoundAt time.Time
}

// Decision is an operator's verdict on two records.
type Decision struct {
	A, B      RecordRef
	Same      bool
	By        string
	DecidedAt time.Time
}

// Report is an error a person reported on a lieu's page: what is wrong,
// and how to reach them if they said.
type Report struct {
	ID         int64     `json:"id"`
	LieuID     string    `json:"lieu_id"`
	Message    string    `json:"message"`
	Contact    string    `json:"contact,omitempty"`
	ReportedAt time.Time `json:"reported_at"`
}

// Ordered returns the pair with A the lower record (source, then key), the
// order in which pairs are stored.
func Ordered(a, b RecordRef) (RecordRef, RecordRef) {
	if b.Source < a.Source || b.Source == a.Source && b.RecordKey < a.RecordKey {
		return b, a
	}
	return a, b
}

// LieuSet is everything a run publishes.
type LieuSet struct {
	Lieux []PublishedLieu
	Links []Link
	// Redirects maps retired ids to the surviving id.
	Redirects map[string]string
	// Base, when not 0, is the value of the lieux sequence the set was
	// made against (the publication it follows): the save is refused with
	// ErrKeptChanged when another came since. A Kept lieu of such a set
	// keeps its links too.
	Base int64
}

// LieuStats counts what SaveLieux changed.
type LieuStats struct {
	Created   int   `json:"created"`
	Updated   int   `json:"updated"`
	Unchanged int   `json:"unchanged"`
	Deleted   int   `json:"deleted"`
	Revision  int64 `json:"revision"`
	// Seq is the value of the lieux sequence the save took.
	Seq int64 `json:"-"`
}

// PublicationState is what the pipeline's last publication was made of
// and published: InputKey hashes its inputs (the records and lieux
// sequences among them), LieuxSeq is the lieux sequence it left, Summary
// the pipeline's own document (its summary and record accounting).
type PublicationState struct {
	InputKey string
	LieuxSeq int64
	Summary  []byte
	SavedAt  time.Time
}

// LieuRow is a published lieu with its bookkeeping.
type LieuRow struct {
	Lieu       schema.Lieu
	Provenance map[string]RecordRef
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Revision   int64
}

// BBox is min lon, min lat, max lon, max lat.
type BBox [4]float64

// LieuQuery selects a page of lieux.
type LieuQuery struct {
	// After is the last id of the previous page (keyset pagination).
	After string
	Limit int
	BBox  *BBox
}

// Version identifies the state of the published dataset.
type Version struct {
	Revision  int64
	UpdatedAt time.Time
	Count     int
}
