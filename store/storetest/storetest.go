// Package storetest is the contract every store.Store implementation must
// meet; each implementation's tests run it against a real database.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// Run runs the whole contract; open must return an empty store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"source records", testSourceRecords},
		{"kept records and digests", testKeptRecords},
		{"writes on a view of the records", testRecordsView},
		{"source runs", testSourceRuns},
		{"lieux lifecycle", testLieuxLifecycle},
		{"kept lieux and the lieux sequence", testKeptLieux},
		{"pagination and bbox", testPagination},
		{"redirects", testRedirects},
		{"geocode cache", testGeocodeCache},
		{"review pairs and decisions", testReview},
		{"error reports", testReports},
		{"change feed", testChangeFeed},
		{"instance identity", testInstanceID},
		{"peer mirror", testPeerMirror},
		{"data.gouv.fr state", testDatagouvState},
		{"change feed under publications", testFeedUnderPublications},
		{"publication state", testPublicationState},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func rec(source, key, nom string) store.SourceRecord {
	fields := []harvest.Field{{Name: "id", Value: key}, {Name: "nom", Value: nom}}
	return store.SourceRecord{Source: source, RecordKey: key, Fields: fields, Hash: harvest.Record{Fields: fields}.Hash(),
		Status: schema.StatusValid, Lieu: &schema.Lieu{Nom: nom}, Issues: []schema.Issue{{Rule: "x", Level: schema.LevelFix}}}
}

func testSourceRecords(t *testing.T, st store.Store) {
	ctx := context.Background()
	stats, err := st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{rec("a", "1", "Un"), rec("a", "2", "Deux"), rec("a", "3", "Trois")}, t0, nil)
	want(t, err, fmt.Sprint(stats), "{3 0 0 0}")
	stats, err = st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{rec("a", "1", "Un"), rec("a", "2", "Deux"), rec("a", "3", "Trois")}, t0.Add(time.Hour), nil)
	want(t, err, fmt.Sprint(stats), "{0 0 3 0}")
	stats, err = st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{rec("a", "1", "Un"), rec("a", "2", "Deux bis"), rec("a", "4", "Quatre")}, t0.Add(2*time.Hour), nil)
	want(t, err, fmt.Sprint(stats), "{1 1 1 1}")
	_, err = st.ReplaceSourceRecords(ctx, "b", []store.SourceRecord{rec("b", "1", "Autre")}, t0, nil)
	recs, err2 := st.ActiveRecords(ctx)
	if err != nil || err2 != nil || len(recs) != 4 {
		t.Fatalf("active records: %v %v %d", err, err2, len(recs))
	}
	r := recs[1]
	if r.Source != "a" || r.RecordKey != "2" || r.Lieu.Nom != "Deux bis" || r.Hash != rec("a", "2", "Deux bis").Hash || len(r.Issues) != 1 {
		t.Errorf("round trip: %+v", r)
	}
	full, err := st.SourceRecord(ctx, "a", "2")
	if err != nil || fmt.Sprint(full.Fields) != "[{id 2} {nom Deux bis}]" || full.Lieu.Nom != "Deux bis" {
		t.Errorf("raw fields kept verbatim: %v %+v", err, full)
	}
	if _, err := st.SourceRecord(ctx, "a", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown record: %v", err)
	}
	stats, err = st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{rec("a", "3", "Trois")}, t0.Add(3*time.Hour), nil)
	want(t, err, fmt.Sprint(stats), "{1 0 0 3}")
}

// kept is r as a harvest that found it unchanged gives it, at index.
func kept(r store.SourceRecord, index int) store.SourceRecord {
	return store.SourceRecord{Source: r.Source, RecordKey: r.RecordKey, Index: index, Line: index + 2, Hash: r.Hash, Status: r.Status, Kept: true}
}

func testKeptRecords(t *testing.T, st store.Store) {
	ctx := context.Background()
	one, two, three := rec("a", "1", "Un"), rec("a", "2", "Deux"), rec("a", "3", "Trois")
	one.Index, two.Index, three.Index = 0, 1, 2
	_, err := st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{one, two, three}, t0, nil)
	want(t, err, "", "")
	loaded, seq := changes(t, st, 0)
	if len(loaded) != 3 || loaded[0].RecordKey != "1" || loaded[2].RecordKey != "3" || seq == 0 {
		t.Fatalf("every current record from 0: %d %+v", seq, loaded)
	}
	if _, err := st.ReplaceSourceRecords(ctx, "b", []store.SourceRecord{kept(rec("b", "1", "Un"), 0)}, t0, nil); !errors.Is(err, store.ErrKeptChanged) {
		t.Errorf("a kept record never stored: %v", err)
	}
	if got, again := changes(t, st, seq); len(got) != 0 || again != seq {
		t.Errorf("a refused write leaves no change: %d %+v", again, got)
	}
	// Two kept (one moved up a row), one changed, one gone.
	changed := rec("a", "2", "Deux bis")
	changed.Index, changed.Line = 1, 3
	stats, err := st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{kept(three, 0), changed}, t0.Add(time.Hour), nil)
	want(t, err, fmt.Sprint(stats), "{0 1 1 1}")
	testRecordChanges(t, st, seq, changed, three)
	full, err := st.SourceRecord(ctx, "a", "3")
	if err != nil || full.Lieu.Nom != "Trois" || len(full.Fields) != 2 || len(full.Issues) != 1 {
		t.Errorf("a kept record keeps its documents: %v %+v", err, full)
	}
	// A kept record whose stored hash differs was changed meanwhile.
	stale := kept(one, 0)
	stale.RecordKey = "2"
	if _, err := st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{stale}, t0.Add(2*time.Hour), nil); !errors.Is(err, store.ErrKeptChanged) {
		t.Errorf("a kept record of another hash: %v", err)
	}
	_, seq = changes(t, st, seq)
	st.ReplaceSourceRecords(ctx, "b", []store.SourceRecord{rec("b", "9", "Neuf")}, t0, nil)
	if got, _ := changes(t, st, seq); len(got) != 1 || got[0].Source != "b" || got[0].RecordKey != "9" {
		t.Errorf("the changes of another source: %+v", got)
	}
	if all, _ := changes(t, st, 0); len(all) != 3 || all[2].Source != "b" {
		t.Errorf("every source's current records: %+v", all)
	}
	got, err := st.ActiveRecordsOf(ctx, []store.RecordRef{{Source: "a", RecordKey: "2"}, {Source: "b", RecordKey: "9"}, {Source: "a", RecordKey: "1"}})
	if err != nil || len(got) != 2 {
		t.Fatalf("records of refs (a/1 is gone): %v %+v", err, got)
	}
	slices.SortFunc(got, func(x, y store.SourceRecord) int { return strings.Compare(x.Source, y.Source) })
	if got[0].Lieu.Nom != "Deux bis" || got[1].Lieu.Nom != "Neuf" || got[1].Hash != rec("b", "9", "Neuf").Hash {
		t.Errorf("records of refs: %+v", got)
	}
}

// testRecordChanges checks the feed after a write that moved three (kept),
// changed another record and deleted a/1: all three come, by key; then
// a write of kept records in place changes nothing.
func testRecordChanges(t *testing.T, st store.Store, since int64, changed, three store.SourceRecord) {
	got, seq := changes(t, st, since)
	if seq <= since || len(got) != 3 {
		t.Fatalf("changes after %d: %d %+v", since, seq, got)
	}
	slices.SortFunc(got, func(x, y store.RecordDigest) int { return strings.Compare(x.RecordKey, y.RecordKey) })
	if d := got[0]; d.RecordKey != "1" || !d.Deleted {
		t.Errorf("a deleted record's change: %+v", d)
	}
	if d := got[1]; d.RecordKey != "2" || d.Deleted || d.Hash != changed.Hash || !d.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("a changed record's change: %+v", d)
	}
	if d := got[2]; d.RecordKey != "3" || d.Index != 0 || d.Line != 2 || d.Hash != three.Hash || d.Status != schema.StatusValid || !d.UpdatedAt.Equal(t0) {
		t.Errorf("a kept record moved, not rewritten: %+v", d)
	}
	stats, err := st.ReplaceSourceRecords(context.Background(), "a", []store.SourceRecord{kept(three, 0), kept(changed, 1)}, t0.Add(2*time.Hour), nil)
	want(t, err, fmt.Sprint(stats), "{0 0 2 0}")
	if got, _ := changes(t, st, seq); len(got) != 0 {
		t.Errorf("records kept in place are no change: %+v", got)
	}
}

// testRecordsView writes records on what the writer read of them: the
// write is the one made without a view, and is refused once a later
// write of the source (not of another) made the view stale.
func testRecordsView(t *testing.T, st store.Store) {
	ctx := context.Background()
	one, two := rec("a", "1", "Un"), rec("a", "2", "Deux")
	one.Index, two.Index = 0, 1
	_, err := st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{one, two}, t0, nil)
	want(t, err, "", "")
	_, err = st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{one}, t0.Add(time.Hour), nil) // a/2 deleted
	want(t, err, "", "")
	view := func() *store.RecordsView {
		all, seq := changes(t, st, 0)
		v := &store.RecordsView{Seq: seq, ByKey: map[string]store.RecordDigest{}}
		for _, d := range all {
			if d.Source == "a" {
				v.ByKey[d.RecordKey] = d
			}
		}
		return v
	}
	v := view()
	_, err = st.ReplaceSourceRecords(ctx, "b", []store.SourceRecord{rec("b", "1", "Un")}, t0, nil)
	want(t, err, "", "")
	// a/1 kept, a/2 back (stored deleted, not in the view), a/3 new
	three := rec("a", "3", "Trois")
	three.Index = 2
	stats, err := st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{kept(one, 0), two, three}, t0.Add(2*time.Hour), v)
	want(t, err, fmt.Sprint(stats), "{2 0 1 0}")
	if got, _ := st.SourceRecord(ctx, "a", "2"); got.Lieu == nil || got.Lieu.Nom != "Deux" {
		t.Errorf("a record back on a view: %+v", got)
	}
	if _, err := st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{kept(one, 0)}, t0.Add(3*time.Hour), v); !errors.Is(err, store.ErrKeptChanged) {
		t.Errorf("a write on a view a later write of the source made stale: %v", err)
	}
	stats, err = st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{kept(one, 0)}, t0.Add(3*time.Hour), view())
	want(t, err, fmt.Sprint(stats), "{0 0 1 2}")
}

func changes(t *testing.T, st store.Store, since int64) ([]store.RecordDigest, int64) {
	t.Helper()
	got, seq, err := st.RecordChanges(context.Background(), since)
	if err != nil {
		t.Fatalf("changes after %d: %v", since, err)
	}
	return got, seq
}

func testSourceRuns(t *testing.T, st store.Store) {
	ctx := context.Background()
	for i, status := range []string{store.RunOK, store.RunHeld, store.RunFailed} {
		id, err := st.StartRun(ctx, t0.Add(time.Duration(i)*time.Hour), "test")
		if err != nil {
			t.Fatal(err)
		}
		err = st.RecordSourceRun(ctx, store.SourceRun{RunID: id, Source: "a", StartedAt: t0, FinishedAt: t0, Status: status,
			Fetched: 10 + i, ETag: fmt.Sprintf(`"e%d"`, i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishRun(ctx, id, t0, "ok"); err != nil {
			t.Fatal(err)
		}
	}
	good, ok, err := st.LastGoodSourceRun(ctx, "a")
	if err != nil || !ok || good.Fetched != 10 || good.ETag != `"e0"` {
		t.Errorf("last good run: %v %v %+v", err, ok, good)
	}
	latest, err := st.LatestSourceRuns(ctx)
	if err != nil || len(latest) != 1 || latest[0].Status != store.RunFailed || latest[0].Fetched != 12 {
		t.Errorf("latest runs: %v %+v", err, latest)
	}
	if _, ok, _ := st.LastGoodSourceRun(ctx, "never"); ok {
		t.Error("a source never run has no last good run")
	}
}

func lieu(id, nom string, lon, lat float64) store.PublishedLieu {
	return store.PublishedLieu{Lieu: schema.Lieu{ID: id, Nom: nom, Longitude: &lon, Latitude: &lat},
		Provenance: map[string]store.RecordRef{"nom": {Source: "s", RecordKey: id}}}
}

func testLieuxLifecycle(t *testing.T, st store.Store) {
	ctx := context.Background()
	set := store.LieuSet{Lieux: []store.PublishedLieu{lieu("b", "B", 5.4, 43.5), lieu("a", "A", 2.3, 48.8)},
		Links: []store.Link{{LieuID: "a", Source: "s", RecordKey: "1"}, {LieuID: "b", Source: "s", RecordKey: "2"}}}
	stats, err := st.SaveLieux(ctx, set, t0)
	want(t, err, fmt.Sprint(stats), "{2 0 0 0 1 1}")
	set.Lieux[0].Lieu.Nom = "B2"
	stats, err = st.SaveLieux(ctx, set, t0.Add(time.Hour))
	want(t, err, fmt.Sprint(stats), "{0 1 1 0 2 2}")
	row, err := st.Lieu(ctx, "b")
	if err != nil || row.Lieu.Nom != "B2" || row.Revision != 2 || !row.CreatedAt.Equal(t0) || !row.UpdatedAt.Equal(t0.Add(time.Hour)) ||
		row.Provenance["nom"].RecordKey != "b" {
		t.Errorf("lieu b: %v %+v", err, row)
	}
	digests, err := st.LieuDigests(ctx)
	if err != nil || len(digests) != 2 || digests[0].ID != "a" || digests[1].ID != "b" || digests[0].Revision != 1 || digests[1].Revision != 2 {
		t.Fatalf("lieu digests: %v %+v", err, digests)
	}
	set.Lieux[1].Provenance = map[string]store.RecordRef{"nom": {Source: "other", RecordKey: "9"}}
	stats, err = st.SaveLieux(ctx, set, t0.Add(time.Hour))
	want(t, err, fmt.Sprint(stats), "{0 1 1 0 3 3}")
	after, _ := st.LieuDigests(ctx)
	if len(after) != 2 || after[0].Revision != 3 || after[1].Revision != 2 {
		t.Errorf("a lieu's revision changes with its provenance, and only its: %+v then %+v", digests, after)
	}
	rows, err := st.LieuxOf(ctx, []string{"b", "nope", "a"})
	if err != nil || len(rows) != 2 || rows[0].Lieu.ID == rows[1].Lieu.ID {
		t.Errorf("lieux of ids: %v %+v", err, rows)
	}
	stats, err = st.SaveLieux(ctx, store.LieuSet{Lieux: set.Lieux[1:], Links: set.Links[:1]}, t0.Add(2*time.Hour))
	want(t, err, fmt.Sprint(stats), "{0 0 1 1 4 4}")
	if _, err := st.Lieu(ctx, "b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted lieu: %v", err)
	}
	idx, err := st.LieuIndex(ctx)
	if err != nil || len(idx.Links) != 1 || !idx.Created["b"].Equal(t0) {
		t.Errorf("index keeps creation times of tombstones: %v %+v", err, idx)
	}
	v, err := st.Version(ctx)
	if err != nil || v.Count != 1 || v.Revision != 4 {
		t.Errorf("version: %v %+v", err, v)
	}
	var links []store.Link
	st.EachLink(ctx, func(l store.Link) error { links = append(links, l); return nil })
	if len(links) != 1 || links[0].LieuID != "a" {
		t.Errorf("links: %+v", links)
	}
	moved := store.LieuSet{Lieux: []store.PublishedLieu{lieu("c", "C", 2.3, 48.8)},
		Links: []store.Link{{LieuID: "c", Source: "s", RecordKey: "1"}, {LieuID: "c", Source: "s", RecordKey: "5"}}}
	if _, err := st.SaveLieux(ctx, moved, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	links = nil
	st.EachLink(ctx, func(l store.Link) error { links = append(links, l); return nil })
	if len(links) != 2 || links[0].LieuID != "c" || links[1].RecordKey != "5" || !links[0].LinkedAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("links after a move: %v", links)
	}
	if _, err := st.SaveLieux(ctx, moved, t0.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	idx, err = st.LieuIndex(ctx)
	if err != nil || len(idx.Links) != 2 || !idx.Links[0].LinkedAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("an unchanged link keeps its time: %v %+v", err, idx.Links)
	}
}

func testKeptLieux(t *testing.T, st store.Store) {
	ctx := context.Background()
	keep := func(pl store.PublishedLieu) store.PublishedLieu {
		e, err := store.EncodeLieu(&pl)
		if err != nil {
			t.Fatal(err)
		}
		return store.PublishedLieu{Lieu: schema.Lieu{ID: pl.Lieu.ID}, Kept: true, Hash: e.Hash}
	}
	a, b := lieu("a", "A", 2.3, 48.8), lieu("b", "B", 5.4, 43.5)
	if _, err := st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{keep(a)}}, t0); !errors.Is(err, store.ErrKeptChanged) {
		t.Errorf("a kept lieu never published: %v", err)
	}
	set := store.LieuSet{Lieux: []store.PublishedLieu{a, b},
		Links: []store.Link{{LieuID: "a", Source: "s", RecordKey: "1"}, {LieuID: "b", Source: "s", RecordKey: "2"}, {LieuID: "b", Source: "s", RecordKey: "3"}}}
	stats, err := st.SaveLieux(ctx, set, t0)
	want(t, err, fmt.Sprint(stats), "{2 0 0 0 1 1}")
	if set.Lieux[0].Hash != keep(a).Hash || set.Lieux[1].Hash != keep(b).Hash {
		t.Errorf("the hashes of the lieux saved: %+v", set.Lieux)
	}
	b.Lieu.Nom = "B2"
	stats, err = st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{keep(a), b}, Links: set.Links}, t0.Add(time.Hour))
	want(t, err, fmt.Sprint(stats), "{0 1 1 0 2 2}")
	if row, err := st.Lieu(ctx, "a"); err != nil || row.Lieu.Nom != "A" || row.Revision != 1 || row.Provenance["nom"].RecordKey != "a" {
		t.Errorf("a kept lieu stays as it was: %v %+v", err, row)
	}
	stale := keep(a)
	stale.Lieu.ID = "b"
	if _, err := st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{keep(a), stale}}, t0.Add(2*time.Hour)); !errors.Is(err, store.ErrKeptChanged) {
		t.Errorf("a kept lieu of another hash: %v", err)
	}
	if seq, err := st.LieuSequence(ctx); err != nil || seq != 2 {
		t.Errorf("the lieux sequence after two saves and a refused one: %v %d", err, seq)
	}
	if row, _ := st.Lieu(ctx, "b"); row.Lieu.Nom != "B2" {
		t.Errorf("a refused save changes nothing: %+v", row)
	}
	testSetOnBase(t, st, keep(a), b)
}

// testSetOnBase saves sets made against the last publication (the
// lieux sequence at 2): stale ones are refused, and a kept lieu keeps
// its links (s/1 → a) even when the set does not give them again.
func testSetOnBase(t *testing.T, st store.Store, a, b store.PublishedLieu) {
	ctx := context.Background()
	b.Lieu.Nom = "B3"
	c := lieu("c", "C", 0, 45)
	set := store.LieuSet{Lieux: []store.PublishedLieu{a, b, c}, Base: 2,
		Links: []store.Link{{LieuID: "a", Source: "s", RecordKey: "1"}, {LieuID: "b", Source: "s", RecordKey: "2"}, {LieuID: "c", Source: "s", RecordKey: "3"}}}
	stats, err := st.SaveLieux(ctx, set, t0.Add(3*time.Hour))
	want(t, err, fmt.Sprint(stats), "{1 1 1 0 3 3}")
	if got := linkList(t, st); got != "a s/1 10:00 | b s/2 10:00 | c s/3 13:00" {
		t.Errorf("links after a set on its base: %s", got)
	}
	if _, err := st.SaveLieux(ctx, set, t0.Add(4*time.Hour)); !errors.Is(err, store.ErrKeptChanged) {
		t.Errorf("a set made against an earlier publication: %v", err)
	}
	stats, err = st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{a}, Base: 3}, t0.Add(5*time.Hour))
	want(t, err, fmt.Sprint(stats), "{0 0 1 2 4 4}")
	if got := linkList(t, st); got != "a s/1 10:00" {
		t.Errorf("links after the lieux b and c are gone: %s", got)
	}
}

// linkList is every link as "lieu source/key HH:MM", ordered.
func linkList(t *testing.T, st store.Store) string {
	t.Helper()
	var out []string
	err := st.EachLink(context.Background(), func(l store.Link) error {
		out = append(out, fmt.Sprintf("%s %s/%s %s", l.LieuID, l.Source, l.RecordKey, l.LinkedAt.Format("15:04")))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " | ")
}

func testReview(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b, c := store.RecordRef{Source: "s", RecordKey: "1"}, store.RecordRef{Source: "r", RecordKey: "9"}, store.RecordRef{Source: "s", RecordKey: "2"}
	pairs := []store.ReviewPair{{A: a, B: b, Score: 0.6, FoundAt: t0},
		{A: a, B: c, Score: 0.8, FoundAt: t0}}
	if err := st.SaveReviewPairs(ctx, pairs); err != nil {
		t.Fatal(err)
	}
	got, err := st.ReviewPairs(ctx)
	if err != nil || len(got) != 2 || got[0].Score != 0.8 || got[1].A != b || got[1].B != a {
		t.Errorf("review pairs (best first, lower record first): %v %+v", err, got)
	}
	// Found again an hour later: a/b as it was keeps its time, a/c of
	// another score takes the new one; a pair no longer found goes.
	again := []store.ReviewPair{{A: b, B: a, Score: 0.6, FoundAt: t0.Add(time.Hour)},
		{A: a, B: c, Score: 0.7, FoundAt: t0.Add(time.Hour)}}
	if err := st.SaveReviewPairs(ctx, append(again, store.ReviewPair{A: c, B: b, Score: 0.5, FoundAt: t0.Add(time.Hour)})); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveReviewPairs(ctx, again); err != nil {
		t.Fatal(err)
	}
	got, err = st.ReviewPairs(ctx)
	if err != nil || len(got) != 2 || got[0].Score != 0.7 || !got[0].FoundAt.Equal(t0.Add(time.Hour)) || !got[1].FoundAt.Equal(t0) {
		t.Errorf("review pairs found again (a pair as it was keeps its time): %v %+v", err, got)
	}
	if err := st.SaveDecision(ctx, store.Decision{A: c, B: a, Same: false, By: "test", DecidedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveDecision(ctx, store.Decision{A: a, B: b, Same: true, By: "test", DecidedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveDecision(ctx, store.Decision{A: b, B: a, Same: false, By: "other", DecidedAt: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ds, err := st.Decisions(ctx)
	if err != nil || len(ds) != 2 || ds[0].A != b || ds[0].Same || ds[0].By != "other" || ds[1].A != a || ds[1].B != c {
		t.Errorf("decisions (one per pair, the latest): %v %+v", err, ds)
	}
	if got, _ := st.ReviewPairs(ctx); len(got) != 0 {
		t.Errorf("decided pairs left in review: %+v", got)
	}
	if err := st.SaveReviewPairs(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

func testPagination(t *testing.T, st store.Store) {
	ctx := context.Background()
	var ls []store.PublishedLieu
	for i := range 25 {
		ls = append(ls, lieu(fmt.Sprintf("id-%02d", i), "L", -5+float64(i)*0.5, 42+float64(i)*0.3))
	}
	ls = append(ls, store.PublishedLieu{Lieu: schema.Lieu{ID: "id-99", Nom: "sans coordonnées"}})
	if _, err := st.SaveLieux(ctx, store.LieuSet{Lieux: ls}, t0); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for page := 0; page < 10; page++ {
		rows, err := st.ListLieux(ctx, store.LieuQuery{After: after, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			got = append(got, r.Lieu.ID)
		}
		if len(rows) < 10 {
			break
		}
		after = rows[len(rows)-1].Lieu.ID
	}
	if len(got) != 26 || got[0] != "id-00" || got[25] != "id-99" {
		t.Errorf("pages: %v", got)
	}
	rows, err := st.ListLieux(ctx, store.LieuQuery{Limit: 100, BBox: &store.BBox{-1, 44, 1, 46}})
	if err != nil || len(rows) != 5 || rows[0].Lieu.ID != "id-08" || rows[4].Lieu.ID != "id-12" {
		ids := []string{}
		for _, r := range rows {
			ids = append(ids, r.Lieu.ID)
		}
		t.Errorf("bbox: %v %v", err, ids)
	}
	n := 0
	st.EachLieu(ctx, func(store.LieuRow) error { n++; return nil })
	if n != 26 {
		t.Errorf("EachLieu saw %d", n)
	}
}

func testRedirects(t *testing.T, st store.Store) {
	ctx := context.Background()
	st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{lieu("b", "B", 0, 45)}, Redirects: map[string]string{"a": "b"}}, t0)
	st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{lieu("c", "C", 0, 45)}, Redirects: map[string]string{"b": "c"}}, t0)
	for _, old := range []string{"a", "b"} {
		to, ok, err := st.Redirect(ctx, old)
		if err != nil || !ok || to != "c" {
			t.Errorf("redirect %s → %q %v %v, want c", old, to, ok, err)
		}
	}
	if idx, err := st.LieuIndex(ctx); err != nil || fmt.Sprint(idx.Retired) != "[a b]" {
		t.Errorf("retired ids in the index: %v %v", err, idx.Retired)
	}
	if got := retired(t, st); got != "[a→c b→c]" {
		t.Errorf("retired lieux: %s, want [a→c b→c]", got)
	}
	st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{lieu("a", "A", 0, 45), lieu("c", "C", 0, 45)}}, t0.Add(time.Hour))
	if _, ok, _ := st.Redirect(ctx, "a"); ok {
		t.Error("a revived id must not redirect")
	}
	if got := retired(t, st); got != "[b→c]" {
		t.Errorf("retired lieux after a came back: %s, want [b→c]", got)
	}
	st.SaveLieux(ctx, store.LieuSet{Lieux: []store.PublishedLieu{lieu("c", "C", 0, 45)}}, t0.Add(2*time.Hour))
	if got := retired(t, st); got != "[a→ b→c]" {
		t.Errorf("retired lieux after a was deleted: %s, want [a→ b→c]", got)
	}
}

// retired lists a store's retired lieux as id→survivor, sorted, and
// checks each has its time.
func retired(t *testing.T, st store.Store) string {
	t.Helper()
	rs, err := st.RetiredLieux(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		if r.At.IsZero() {
			t.Errorf("retired lieu %s has no time", r.ID)
		}
		out = append(out, r.ID+"→"+r.MergedInto)
	}
	slices.Sort(out)
	return fmt.Sprint(out)
}

func want(t *testing.T, err error, got, want string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func testGeocodeCache(t *testing.T, st store.Store) {
	ctx := context.Background()
	err := st.GeocodeSave(ctx, []store.GeocodeEntry{
		{Key: "1 rue x|75001", Result: []byte(`{"found":true}`), Found: true, FetchedAt: t0},
		{Key: "nowhere|00000", Result: []byte(`{"found":false}`), Found: false, FetchedAt: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	st.GeocodeSave(ctx, []store.GeocodeEntry{{Key: "nowhere|00000", Result: []byte(`{"found":false}`), FetchedAt: t0.Add(time.Hour)}})
	got, err := st.GeocodeLookup(ctx, []string{"1 rue x|75001", "nowhere|00000", "absent"})
	if err != nil || len(got) != 2 || !got["1 rue x|75001"].Found || string(got["1 rue x|75001"].Result) != `{"found":true}` ||
		got["nowhere|00000"].Found || !got["nowhere|00000"].FetchedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("%v %+v", err, got)
	}
}

func testReports(t *testing.T, st store.Store) {
	ctx := context.Background()
	if got, err := st.Reports(ctx); err != nil || len(got) != 0 {
		t.Fatalf("reports of a new store: %v %v", got, err)
	}
	first := store.Report{LieuID: "l1", Message: "Le téléphone a changé : 04 92 00 00 00", Contact: "agent@mairie.fr", ReportedAt: t0}
	second := store.Report{LieuID: "l2", Message: "Fermé le mercredi\n<b>depuis</b> juin", ReportedAt: t0.Add(time.Hour)}
	id1, err := st.SaveReport(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := st.SaveReport(ctx, second)
	if err != nil || id2 <= id1 {
		t.Fatalf("second report: id %d after %d, %v", id2, id1, err)
	}
	got, err := st.Reports(ctx)
	first.ID, second.ID = id1, id2
	if err != nil || len(got) != 2 || got[0] != second || got[1] != first {
		t.Fatalf("reports %+v %v, want the latest first: %+v %+v", got, err, second, first)
	}
}

// testPublicationState: nothing until saved; a save replaces the last;
// the summary comes back as the same JSON document.
func testPublicationState(t *testing.T, st store.Store) {
	ctx := context.Background()
	if _, ok, err := st.PublicationState(ctx); err != nil || ok {
		t.Fatalf("an empty store has a publication state (%v, %v)", ok, err)
	}
	if _, err := st.ReplaceSourceRecords(ctx, "a", []store.SourceRecord{rec("a", "1", "Un")}, t0, nil); err != nil {
		t.Fatal(err)
	}
	_, feedSeq, err := st.RecordChanges(ctx, 0)
	if seq, err2 := st.RecordSequence(ctx); err != nil || err2 != nil || seq != feedSeq || seq == 0 {
		t.Errorf("records sequence %d (%v), the feed says %d (%v)", seq, err2, feedSeq, err)
	}
	for i, summary := range []string{`{"total": 3, "sources": {"a": [1, 2]}}`, `{"total": 4}`} {
		saved := store.PublicationState{InputKey: fmt.Sprint("key", i), LieuxSeq: int64(7 + i), Summary: []byte(summary), SavedAt: t0.Add(time.Duration(i) * time.Hour)}
		if err := st.SavePublicationState(ctx, saved); err != nil {
			t.Fatal(err)
		}
		got, ok, err := st.PublicationState(ctx)
		if err != nil || !ok {
			t.Fatalf("save %d: not read back (%v, %v)", i, ok, err)
		}
		var a, b any
		if json.Unmarshal(got.Summary, &a) != nil || json.Unmarshal(saved.Summary, &b) != nil || !reflect.DeepEqual(a, b) ||
			got.InputKey != saved.InputKey || got.LieuxSeq != saved.LieuxSeq || !got.SavedAt.Equal(saved.SavedAt) {
			t.Errorf("save %d: read back %+v (%s), saved %+v (%s)", i, got, got.Summary, saved, saved.Summary)
		}
	}
}
