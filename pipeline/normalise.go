package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// normaliseTable maps, normalises and geo-checks the records of a source
// that are new or changed since the stored ones (prior, by key); the
// others come out Kept, with their stored status. Every record comes out,
// quarantined ones included, so nothing is lost. The mapper comes from
// mappers.
func normaliseTable(src config.Source, t *harvest.Table, harvested time.Time, known *priorRecords, mappers *schema.MapperCache) ([]store.SourceRecord, *schema.Mapper, error) {
	mapper, err := mappers.Mapper(src.Name, src.Mapping, t.Columns, t.Records)
	if err != nil {
		return nil, nil, err
	}
	known.salt = normalisationSalt(src, mapper, known.build)
	recs := normaliseWith(mapper, src.Name, t, harvested, known, map[string]int{})
	if known.kept > 0 {
		return recs, mapper, nil // the source was usable, read with this very mapping
	}
	return recs, mapper, checkUsable(recs, mapper, t.Columns)
}

// priorRecords are what a source's records are compared with: its stored
// records (byKey), and those of its last harvest when the source was
// refused for them (refused: they were normalised, not stored), by key;
// and the salt of the hashes that tell whether a record changed since:
// what is read with the raw fields (the mapping, what the mapper
// recognised, the normaliser's build). It counts the records kept and
// those normalised.
type priorRecords struct {
	// build identifies the normaliser (Pipeline.Build); salt is made of it.
	build      string
	salt       string
	byKey      map[string]store.RecordDigest
	refused    map[string]store.SourceRecord
	kept       int
	normalised int
}

func normalisationSalt(src config.Source, mp *schema.Mapper, build string) string {
	h := sha256.New()
	mapping, _ := json.Marshal(src.Mapping)
	h.Write(mapping)
	h.Write([]byte(mp.Fingerprint()))
	h.Write([]byte(build))
	return hex.EncodeToString(h.Sum(nil))
}

// ErrNoLocation marks a source whose records do not say where they are: it
// cannot give lieux (an export of services, a list of online offers).
var ErrNoLocation = errors.New("not a list of places")

// minLocatedShare is the share of records that must carry some location
// (address, postcode, commune, INSEE code or coordinates) for a source to
// be a list of places; below it, the few located records are accidents
// (an address quoted in a description).
const minLocatedShare = 0.05

func checkUsable(recs []store.SourceRecord, mp *schema.Mapper, columns []string) error {
	located := 0
	for _, r := range recs {
		if isLocated(r.Lieu) {
			located++
		}
	}
	return usable(located, len(recs), mp, columns)
}

// isLocated says whether a lieu says anything of where it is.
func isLocated(l *schema.Lieu) bool {
	return l.Adresse != "" || l.CodePostal != "" || l.Commune != "" || l.CodeINSEE != "" || l.Latitude != nil
}

// usable refuses a source of which too few records are located.
func usable(located, total int, mp *schema.Mapper, columns []string) error {
	if total == 0 || float64(located) >= minLocatedShare*float64(total) {
		return nil
	}
	return fmt.Errorf("%w: %d of %d records have a location (address, postcode, commune, INSEE code or coordinates); columns recognised: %s; ignored: %s",
		ErrNoLocation, located, total, describeTargets(mp.Recognised()), strings.Join(mp.Ignored(columns), ", "))
}

func describeTargets(m map[string]string) string {
	var parts []string
	for col, f := range m {
		parts = append(parts, f+" ← "+col)
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// normaliseWith normalises the records of t; with prior (a sync, not a
// conversion) each is hashed, and one whose key and hash are stored is
// kept as it is. keys holds the producer ids already taken (by the index
// of their record), across the parts of a table normalised one by one.
func normaliseWith(mapper *schema.Mapper, source string, t *harvest.Table, harvested time.Time, prior *priorRecords, keys map[string]int) []store.SourceRecord {
	nc := schema.NormaliseContext{HarvestedAt: harvested, Places: mapper.Places()}
	out := make([]store.SourceRecord, 0, len(t.Records))
	var hasher *harvest.RecordHasher
	if prior != nil {
		hasher = harvest.NewRecordHasher(prior.salt, t)
	}
	for _, rec := range t.Records {
		key, dupIssue := recordKey(mapper.IDColumn(), mapper.ProducerID(rec), rec, keys)
		r := store.SourceRecord{Source: source, RecordKey: key, Index: rec.Index, Line: rec.Line}
		if prior != nil {
			sum := string(hasher.Sum(rec))
			if d, ok := prior.byKey[key]; ok && d.Hash == sum && !d.GeocodingPending {
				r.Hash, r.Status, r.Kept = d.Hash, d.Status, true
				prior.kept++
				out = append(out, r)
				continue
			}
			if same, ok := prior.refused[key]; ok && same.Hash == sum {
				same.Index, same.Line = rec.Index, rec.Line
				out = append(out, same)
				continue
			}
			r.Hash = sum
			prior.normalised++
		}
		normaliseRecord(mapper, nc, rec, &r, dupIssue)
		out = append(out, r)
	}
	return out
}

// normaliseRecord maps rec into r and checks it.
func normaliseRecord(mapper *schema.Mapper, nc schema.NormaliseContext, rec harvest.Record, r *store.SourceRecord, dupIssue *schema.Issue) {
	m := mapper.Map(rec)
	issues := append(m.Issues, schema.Normalise(&m.Lieu, nc)...)
	issues = append(issues, geo.Locate(&m.Lieu)...)
	issues = append(issues, geo.CheckCoordinates(&m.Lieu)...)
	issues = append(issues, geo.CommuneFromPoint(&m.Lieu)...)
	issues = append(issues, schema.CheckRequired(&m.Lieu)...)
	if dupIssue != nil {
		issues = append(issues, *dupIssue)
	}
	lieu := m.Lieu
	r.Fields, r.ProducerID, r.Status, r.Lieu, r.Issues = rec.Fields, m.ProducerID, schema.StatusOf(issues), &lieu, issues
}

// recordKey is the producer's id when the source has an id column and the
// value is not already taken in this source, else row:N. A repeated id is
// reported (the standard requires unique ids) but does not cost the record.
func recordKey(idColumn, producerID string, rec harvest.Record, keys map[string]int) (string, *schema.Issue) {
	rowKey := "row:" + strconv.Itoa(rec.Index)
	if idColumn == "" || producerID == "" {
		return rowKey, nil
	}
	if first, dup := keys[producerID]; dup {
		return rowKey, &schema.Issue{Field: "id", Column: idColumn, Rule: "id-duplicate", Value: producerID, Level: schema.LevelWarning,
			Message: fmt.Sprintf("id already used by the record at index %d of this source; this record is keyed by its row", first)}
	}
	keys[producerID] = rec.Index
	return producerID, nil
}

func countStatuses(recs []store.SourceRecord, run *store.SourceRun) {
	run.Fetched, run.Valid, run.Fixed, run.Quarantined = len(recs), 0, 0, 0
	for _, r := range recs {
		switch r.Status {
		case schema.StatusValid:
			run.Valid++
		case schema.StatusFixed:
			run.Fixed++
		case schema.StatusQuarantined:
			run.Quarantined++
		}
	}
}
