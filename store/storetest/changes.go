package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/store"
)

// feed reads the whole change feed after since, page by page, as
// "seq:id:kind[>survivor]@revision" items.
func feed(t *testing.T, st store.Store, since int64, limit int) (items []string, last int64) {
	t.Helper()
	for {
		page, err := st.LieuChanges(context.Background(), since, limit)
		if err != nil {
			t.Fatal(err)
		}
		sameKinds(t, st, since, limit, page)
		for _, c := range page.Changes {
			item := fmt.Sprintf("%d:%s:%s", c.Seq, c.ID, c.Kind)
			if c.Survivor != "" {
				item += ">" + c.Survivor
			}
			items = append(items, fmt.Sprintf("%s@%d", item, c.Lieu.Revision))
			since = c.Seq
		}
		if len(page.Changes) < limit {
			return items, page.Last
		}
	}
}

// sameKinds checks that LieuChangeKinds gives the page LieuChanges gave,
// without the lieux.
func sameKinds(t *testing.T, st store.Store, since int64, limit int, want store.ChangePage) {
	t.Helper()
	got, err := st.LieuChangeKinds(context.Background(), since, limit)
	if err != nil {
		t.Fatal(err)
	}
	if got.Last != want.Last || got.Purged != want.Purged || len(got.Changes) != len(want.Changes) {
		t.Fatalf("change kinds after %d: last %d purged %d, %d changes; the feed says %d, %d, %d",
			since, got.Last, got.Purged, len(got.Changes), want.Last, want.Purged, len(want.Changes))
	}
	for i, c := range got.Changes {
		w := want.Changes[i]
		if c.Seq != w.Seq || c.ID != w.ID || c.Kind != w.Kind || c.Survivor != w.Survivor || !c.At.Equal(w.At) || c.Lieu.Lieu.ID != "" {
			t.Fatalf("change kinds after %d, #%d: %+v; the feed says %d %s %s %s %v", since, i, c, w.Seq, w.ID, w.Kind, w.Survivor, w.At)
		}
	}
}

// testChangeFeed: every publication moves the lieux it changed to the end
// of the feed, in order, as created, updated, retired (with the
// survivor) or deleted; the feed read from 0 holds each lieu once;
// unchanged publications add nothing; tombstones are purged by age and
// the purged position is kept.
func testChangeFeed(t *testing.T, st store.Store) {
	ctx := context.Background()
	save := func(at time.Time, set store.LieuSet) {
		t.Helper()
		if _, err := st.SaveLieux(ctx, set, at); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := lieu("a", "A", 2.3, 48.8), lieu("b", "B", 5.4, 43.5), lieu("c", "C", 4.8, 45.7)
	save(t0, store.LieuSet{Lieux: []store.PublishedLieu{c, a, b}})
	got, last := feed(t, st, 0, 2)
	wantItems(t, "first publication", got, "1:a:created@1 2:b:created@1 3:c:created@1")
	if last != 3 {
		t.Errorf("last position %d, want 3", last)
	}
	save(t0.Add(time.Hour), store.LieuSet{Lieux: []store.PublishedLieu{c, a, b}})
	got, _ = feed(t, st, 3, 10)
	wantItems(t, "an unchanged publication", got, "")
	b.Lieu.Nom = "B2"
	save(t0.Add(2*time.Hour), store.LieuSet{Lieux: []store.PublishedLieu{a, b}, Redirects: map[string]string{"c": "a"}})
	got, _ = feed(t, st, 3, 10)
	wantItems(t, "b updated, c merged into a", got, "4:b:updated@2 5:c:retired>a@2")
	got, _ = feed(t, st, 0, 10)
	wantItems(t, "the snapshot", got, "1:a:created@1 4:b:updated@2 5:c:retired>a@2")
	save(t0.Add(3*time.Hour), store.LieuSet{Lieux: []store.PublishedLieu{b}})
	save(t0.Add(4*time.Hour), store.LieuSet{Lieux: []store.PublishedLieu{b, lieu("a", "A", 2.3, 48.8)}})
	got, _ = feed(t, st, 5, 10)
	wantItems(t, "a deleted, then published again", got, "7:a:created@4")
	page, err := st.LieuChanges(ctx, 0, 10)
	if err != nil || len(page.Changes) != 3 || page.Changes[0].Lieu.Lieu.Nom != "B2" || !page.Changes[0].At.Equal(t0.Add(2*time.Hour)) ||
		page.Changes[2].Lieu.Lieu.ID != "a" || page.Changes[2].Lieu.Provenance["nom"].RecordKey != "a" {
		t.Errorf("the changes carry the lieux: %v %+v", err, page.Changes)
	}
	n, err := st.PurgeTombstones(ctx, t0.Add(2*time.Hour+time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("purge: %d %v, want the retired c", n, err)
	}
	page, err = st.LieuChanges(ctx, 0, 10)
	if err != nil || page.Purged != 5 || page.Last != 7 || len(page.Changes) != 2 {
		t.Errorf("after the purge: %v purged %d last %d %d changes", err, page.Purged, page.Last, len(page.Changes))
	}
	if n, err := st.PurgeTombstones(ctx, t0); err != nil || n != 0 {
		t.Errorf("nothing older: %d %v", n, err)
	}
	if page, _ := st.LieuChanges(ctx, 0, 10); page.Purged != 5 {
		t.Errorf("the purged position went back to %d", page.Purged)
	}
}

func wantItems(t *testing.T, what string, got []string, want string) {
	t.Helper()
	if g := strings.Join(got, " "); g != want {
		t.Errorf("%s: feed %q, want %q", what, g, want)
	}
}

// testInstanceID: the instance's identity is made once, then the same.
func testInstanceID(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, err := st.InstanceID(ctx)
	if err != nil || len(a) != 36 || strings.Count(a, "-") != 4 {
		t.Fatalf("instance id %q %v: a UUID", a, err)
	}
	if b, err := st.InstanceID(ctx); err != nil || b != a {
		t.Errorf("instance id changed: %q then %q (%v)", a, b, err)
	}
}

// testFeedUnderPublications: a reader pages through the feed from 0,
// two changes at a time, while another goroutine publishes (edits,
// deletions, lieux back, new lieux); replaying what it read gives, once it
// caught up, exactly the published lieux with their latest names; the
// positions it reads only grow, and no lieu's revision goes back.
func testFeedUnderPublications(t *testing.T, st store.Store) {
	ctx := context.Background()
	set := func(round int) store.LieuSet {
		var s store.LieuSet
		for i := range 30 {
			if (i+round)%7 == 0 {
				continue // deleted this round
			}
			nom := fmt.Sprintf("L%d", i)
			if i%3 == round%3 {
				nom += fmt.Sprintf(" r%d", round)
			}
			s.Lieux = append(s.Lieux, lieu(fmt.Sprintf("l%02d", i), nom, 2+float64(i)/10, 45))
		}
		if round%4 == 1 {
			s.Lieux = append(s.Lieux, lieu(fmt.Sprintf("new%d", round), "N", 3, 46))
		}
		return s
	}
	if _, err := st.SaveLieux(ctx, set(0), t0); err != nil {
		t.Fatal(err)
	}
	const rounds = 20
	done := make(chan error, 1)
	go func() {
		for r := 1; r <= rounds; r++ {
			if _, err := st.SaveLieux(ctx, set(r), t0.Add(time.Duration(r)*time.Minute)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	copyOf := map[string]string{}
	revision := map[string]int64{}
	since, published := int64(0), false
	for {
		page, err := st.LieuChanges(ctx, since, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Changes {
			if c.Seq <= since {
				t.Fatalf("position %d after %d", c.Seq, since)
			}
			if c.Lieu.Revision < revision[c.ID] {
				t.Errorf("%s: revision %d after %d", c.ID, c.Lieu.Revision, revision[c.ID])
			}
			revision[c.ID] = c.Lieu.Revision
			since = c.Seq
			if c.Kind == store.ChangeCreated || c.Kind == store.ChangeUpdated {
				copyOf[c.ID] = c.Lieu.Lieu.Nom
			} else {
				delete(copyOf, c.ID)
			}
		}
		if len(page.Changes) < 2 && published {
			break
		}
		if len(page.Changes) < 2 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			published = true // read on to the end once more
		}
	}
	want := map[string]string{}
	for _, l := range set(rounds).Lieux {
		want[l.Lieu.ID] = l.Lieu.Nom
	}
	if fmt.Sprint(copyOf) != fmt.Sprint(want) {
		t.Errorf("the reader's copy:\n%v\nthe published lieux:\n%v", copyOf, want)
	}
}
