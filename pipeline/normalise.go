package pipeline

import (
	"fmt"
	"strconv"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// normaliseTable maps, normalises and geo-checks every record of a source.
// Every record comes out, quarantined ones included, so nothing is lost.
func normaliseTable(src config.Source, t *harvest.Table, harvested time.Time) ([]store.SourceRecord, error) {
	mapper, err := schema.NewMapper(src.Mapping, t.Columns, t.Records)
	if err != nil {
		return nil, err
	}
	return normaliseWith(mapper, src.Name, t, harvested), nil
}

func normaliseWith(mapper *schema.Mapper, source string, t *harvest.Table, harvested time.Time) []store.SourceRecord {
	nc := schema.NormaliseContext{HarvestedAt: harvested}
	keys := map[string]int{}
	out := make([]store.SourceRecord, 0, len(t.Records))
	for _, rec := range t.Records {
		m := mapper.Map(rec)
		issues := append(m.Issues, schema.Normalise(&m.Lieu, nc)...)
		issues = append(issues, geo.CheckCoordinates(&m.Lieu)...)
		key, dupIssue := recordKey(mapper.IDColumn(), m.ProducerID, rec, keys)
		if dupIssue != nil {
			issues = append(issues, *dupIssue)
		}
		lieu := m.Lieu
		out = append(out, store.SourceRecord{Source: source, RecordKey: key, Index: rec.Index, Line: rec.Line,
			Fields: rec.Fields, Hash: rec.Hash(), ProducerID: m.ProducerID, Status: schema.StatusOf(issues),
			Lieu: &lieu, Issues: issues})
	}
	return out
}

// recordKey is the producer's id when the source has an id column and the
// value is not already taken in this source, else row:N. A repeated id is
// an error: the standard requires ids to be unique.
func recordKey(idColumn, producerID string, rec harvest.Record, keys map[string]int) (string, *schema.Issue) {
	rowKey := "row:" + strconv.Itoa(rec.Index)
	if idColumn == "" || producerID == "" {
		return rowKey, nil
	}
	if first, dup := keys[producerID]; dup {
		return rowKey, &schema.Issue{Field: "id", Column: idColumn, Rule: "unique", Value: producerID, Level: schema.LevelError,
			Message: fmt.Sprintf("id already used by the record at index %d of this source", first)}
	}
	keys[producerID] = rec.Index
	return producerID, nil
}

func countStatuses(recs []store.SourceRecord, run *store.SourceRun) {
	run.Fetched = len(recs)
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
