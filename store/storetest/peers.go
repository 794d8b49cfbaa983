package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// mirror lists a peer source's mirror as "key@revision" items and its
// merges as "survivor<absorbed,absorbed".
func mirror(t *testing.T, st store.Store, source string) (records, merges string) {
	t.Helper()
	ctx := context.Background()
	var items []string
	err := st.EachPeerRecord(ctx, source, true, func(r store.PeerRecord) error {
		if len(r.Feature) == 0 || r.Meta.Origin.ID != r.Key {
			return fmt.Errorf("record %s lost its feature or origin: %+v", r.Key, r)
		}
		items = append(items, fmt.Sprintf("%s@%d", r.Key, r.Revision))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	absorbed, err := st.PeerAbsorbed(ctx, source)
	if err != nil {
		t.Fatal(err)
	}
	var m []string
	for _, s := range slices.Sorted(maps.Keys(absorbed)) {
		m = append(m, s+"<"+strings.Join(absorbed[s], ","))
	}
	return strings.Join(items, " "), strings.Join(m, " ")
}

func peerRecord(key string, revision int64) store.PeerRecord {
	return store.PeerRecord{Key: key, Revision: revision, Feature: []byte(`{"type":"Feature","id":"` + key + `"}`),
		Meta: store.PeerMeta{Origin: schema.Origin{Instance: "up", ID: key}, Via: []string{"mid"},
			Provenance: map[string]store.RecordRef{"nom": {Source: "hub", RecordKey: key}}}}
}

// testPeerMirror: pages of a peer's feed upsert, delete and retire the
// mirror's records, merges pass on to the survivor's survivor, a key
// published again is no longer absorbed, a reset starts over, and the
// checkpoint reads back as written; another source's mirror is untouched.
func testPeerMirror(t *testing.T, st store.Store) {
	ctx := context.Background()
	if _, ok, err := st.PeerCheckpoint(ctx, "p"); err != nil || ok {
		t.Fatalf("no checkpoint yet: %v %v", ok, err)
	}
	cp := store.PeerCheckpoint{Instance: "up", Cursor: "c3", Position: 3, LastEventAt: t0, PolledAt: t0.Add(time.Minute)}
	apply := func(what string, page store.PeerPage) {
		t.Helper()
		if err := st.ApplyPeerPage(ctx, "p", page); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	apply("first page", store.PeerPage{Reset: true, Upserts: []store.PeerRecord{peerRecord("a", 1), peerRecord("b", 1), peerRecord("c", 1)}, Checkpoint: cp})
	if err := st.ApplyPeerPage(ctx, "q", store.PeerPage{Upserts: []store.PeerRecord{peerRecord("a", 9)}, Checkpoint: cp}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.PeerCheckpoint(ctx, "p")
	if err != nil || !ok || got.Instance != "up" || got.Cursor != "c3" || got.Position != 3 || got.Complete ||
		!got.LastEventAt.Equal(t0) || !got.PolledAt.Equal(t0.Add(time.Minute)) || !got.CaughtUpAt.IsZero() {
		t.Errorf("checkpoint read back: %+v %v %v", got, ok, err)
	}
	cp.Complete, cp.CaughtUpAt, cp.Position = true, t0.Add(2*time.Minute), 6
	apply("b merged into a, c into b", store.PeerPage{Upserts: []store.PeerRecord{peerRecord("a", 2)},
		Retired: map[string]string{"c": "b"}, Checkpoint: cp})
	apply("b merged into a", store.PeerPage{Retired: map[string]string{"b": "a"}, Checkpoint: cp})
	records, merges := mirror(t, st, "p")
	if records != "a@2" || merges != "a<b,c" {
		t.Errorf("after the merges: %q %q, want a@2 and a<b,c", records, merges)
	}
	got, _, _ = st.PeerCheckpoint(ctx, "p")
	if !got.Complete || got.Position != 6 || !got.CaughtUpAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("checkpoint after the merges: %+v", got)
	}
	apply("c published again", store.PeerPage{Upserts: []store.PeerRecord{peerRecord("c", 3)}, Checkpoint: cp})
	records, merges = mirror(t, st, "p")
	if records != "a@2 c@3" || merges != "a<b" {
		t.Errorf("c published again: %q %q", records, merges)
	}
	apply("a deleted", store.PeerPage{Deletes: []string{"a"}, Checkpoint: cp})
	records, merges = mirror(t, st, "p")
	if records != "c@3" || merges != "" {
		t.Errorf("a deleted with what it absorbed: %q %q", records, merges)
	}
	apply("a new snapshot", store.PeerPage{Reset: true, Upserts: []store.PeerRecord{peerRecord("d", 1)}, Checkpoint: cp})
	records, _ = mirror(t, st, "p")
	other, _ := mirror(t, st, "q")
	if records != "d@1" || other != "a@9" {
		t.Errorf("after a reset: %q, the other source %q", records, other)
	}
}
