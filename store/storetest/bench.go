package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/internal/benchutil"
	"github.com/maillage/maillage/internal/synth"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// Bench measures a store on the synthetic France ×10 corpus (250,000
// source records of 8 sources, internal/synth): the bulk load of the
// records into an empty store, their next harvest (a tenth edited, a
// hundredth gone), the publication of the lieux their deduplication
// gives, and a bbox read of 10,000 lieux. open must return an empty store
// each time.
//
//	go test -run '^$' -bench Store -benchtime 3x ./store/...
func Bench(b *testing.B, open func(b *testing.B) store.Store) {
	members, _ := synth.Corpus(250_000, 1)
	bySource := sourceRecords(members)
	set := pipeline.LieuSet(dedup.Run(dedup.Input{Members: members}).Clusters)
	ctx := context.Background()
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	load := func(recs map[string][]store.SourceRecord) func(st store.Store) error {
		return func(st store.Store) error {
			for _, source := range slices.Sorted(maps.Keys(recs)) {
				if _, err := st.ReplaceSourceRecords(ctx, source, recs[source], at, nil); err != nil {
					return err
				}
			}
			return nil
		}
	}
	b.Run(fmt.Sprintf("records=%d", len(members)), func(b *testing.B) {
		measure(b, open, nil, len(members), "records/s", load(bySource))
	})
	b.Run(fmt.Sprintf("records=%d/reharvest", len(members)), func(b *testing.B) {
		measure(b, open, load(bySource), len(members), "records/s", load(changed(bySource)))
	})
	b.Run(fmt.Sprintf("lieux=%d", len(set.Lieux)), func(b *testing.B) {
		measure(b, open, nil, len(set.Lieux), "lieux/s", func(st store.Store) error {
			_, err := st.SaveLieux(ctx, set, at)
			return err
		})
	})
	b.Run("bbox=10000", func(b *testing.B) { benchBBox(b, open(b), set) })
}

// measure times op on a fresh store per iteration, prepared by prepare
// when not nil, and reports its rate and the peak heap.
func measure(b *testing.B, open func(b *testing.B) store.Store, prepare func(store.Store) error, n int, unit string, op func(store.Store) error) {
	stop := benchutil.PeakHeap()
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		st := open(b)
		if prepare != nil {
			if err := prepare(st); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		if err := op(st); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), unit)
	b.ReportMetric(stop(), "peak-heap-MiB")
}

// benchBBox reads the 10,000 lieux of a box cut to hold that many.
func benchBBox(b *testing.B, st store.Store, set store.LieuSet) {
	ctx := context.Background()
	if _, err := st.SaveLieux(ctx, set, time.Now()); err != nil {
		b.Fatal(err)
	}
	box := boxOf(set, 10_000)
	var got int
	for b.Loop() {
		rows, err := st.ListLieux(ctx, store.LieuQuery{BBox: &box, Limit: 20_000})
		if err != nil {
			b.Fatal(err)
		}
		got = len(rows)
	}
	if got < 9_000 || got > 11_000 {
		b.Fatalf("the box holds %d lieux, not about 10,000", got)
	}
	b.ReportMetric(float64(got), "lieux/op")
}

// boxOf is a band of longitudes holding n of the set's points.
func boxOf(set store.LieuSet, n int) store.BBox {
	var lons []float64
	for i := range set.Lieux {
		if lon, _, ok := set.Lieux[i].Lieu.Point(); ok {
			lons = append(lons, lon)
		}
	}
	slices.Sort(lons)
	mid := len(lons) / 2
	lo, hi := lons[max(mid-n/2, 0)], lons[min(mid+n/2-1, len(lons)-1)]
	return store.BBox{lo, -90, hi, 90}
}

// changed is the next harvest of the sources, as the pipeline gives it:
// every tenth record edited, every hundredth gone, the others kept.
func changed(bySource map[string][]store.SourceRecord) map[string][]store.SourceRecord {
	out := map[string][]store.SourceRecord{}
	for source, recs := range bySource {
		for i, r := range recs {
			switch {
			case i%100 == 99:
				continue
			case i%10 == 0:
				l := *r.Lieu
				l.Nom += " (modifié)"
				r.Lieu = &l
				r.Fields = append(slices.Clone(r.Fields), harvest.Field{Name: "note", Value: "modifié"})
				r.Hash = harvest.Record{Fields: r.Fields}.Hash()
			default:
				r = store.SourceRecord{Source: r.Source, RecordKey: r.RecordKey, Index: r.Index, Line: r.Line, Hash: r.Hash, Status: r.Status, Kept: true}
			}
			out[source] = append(out[source], r)
		}
	}
	return out
}

// sourceRecords gives the members as the records of their sources: raw
// fields (the standard's, as a file would have them) and normalised lieu.
func sourceRecords(members []dedup.Member) map[string][]store.SourceRecord {
	out := map[string][]store.SourceRecord{}
	for i := range members {
		m := &members[i]
		var fields []harvest.Field
		for _, f := range schema.Fields {
			if v := m.Lieu.Get(f.Name); v != "" {
				fields = append(fields, harvest.Field{Name: f.Name, Value: v})
			}
		}
		l := *m.Lieu
		out[m.Source] = append(out[m.Source], store.SourceRecord{Source: m.Source, RecordKey: m.RecordKey, Index: len(out[m.Source]),
			Fields: fields, Hash: harvest.Record{Fields: fields}.Hash(), ProducerID: m.ProducerID, Status: schema.StatusValid, Lieu: &l})
	}
	return out
}
