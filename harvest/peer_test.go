package harvest_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/harvest"
)

// feedCursor is a cursor as a version 1 feed writes it (api/changes.go).
func feedCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("changes:%d", n)))
}

// feedChange is one change as the feed writes it.
func feedChange(pos int, typ, id string) map[string]any {
	c := map[string]any{"cursor": feedCursor(pos), "type": typ, "id": id, "revision": 2, "at": "2026-12-01T10:00:00Z",
		"origin": map[string]string{"instance": "up", "id": id}, "via": []string{"mid", "peer"}}
	switch typ {
	case "created", "updated":
		c["lieu"] = map[string]any{"type": "Feature", "id": id, "geometry": nil,
			"properties": map[string]any{"id": id, "nom": "Lieu " + id},
			"provenance": map[string]any{"nom": map[string]string{"source": "hub", "record_key": "k-" + id}}}
	case "retired":
		c["survivor"] = "a"
	}
	return c
}

// feedPage is a whole page as the feed writes it, for changes at
// positions 1.. and a feed whose last change is at last.
func feedPage(last int, changes ...map[string]any) map[string]any {
	next := len(changes)
	if changes == nil {
		changes = []map[string]any{}
	}
	return map[string]any{"instance": "peer", "feed_version": 1, "schema_version": "v1.0.2", "changes": changes,
		"next": feedCursor(next), "last": feedCursor(last), "caught_up": next >= last}
}

// TestPeerPage: the client reads a feed page into checked events, with
// each lieu's provenance split from its Feature; it sends the filters and
// the token; anything that is not a whole version 1 page is an error that
// says what is wrong, and 410 is ErrPeerGone.
func TestPeerPage(t *testing.T) {
	good := feedPage(3, feedChange(1, "created", "a"), feedChange(2, "retired", "b"), feedChange(3, "deleted", "c"))
	tests := []struct {
		name string
		page any
		want string // "" for a good page
	}{
		{"a good page", good, ""},
		{"HTML", "<html>maintenance</html>", "not a change feed"},
		{"another feed version", with(good, "feed_version", 2), "feed version 2"},
		{"no schema version", with(good, "schema_version", ""), "schema_version"},
		{"no caught_up", with(good, "caught_up", nil), "caught_up"},
		{"no instance", with(good, "instance", ""), "instance"},
		{"an empty feed", feedPage(0), ""},
		{"last before next", with(good, "last", feedCursor(1)), "backwards"},
		{"a foreign cursor", with(good, "next", "page=2"), "not a version 1 cursor"},
		{"an unknown type", feedPage(1, with(feedChange(1, "deleted", "a"), "type", "moved")), `type "moved"`},
		{"a retirement without survivor", feedPage(1, with(feedChange(1, "retired", "a"), "survivor", "")), "survivor"},
		{"a lieu of another id", feedPage(1, with(feedChange(1, "created", "a"), "id", "z")), "not the change's"},
		{"a lieu that is not a Feature", feedPage(1, with(feedChange(1, "created", "a"), "lieu", []int{1})), "not a GeoJSON Feature"},
		{"no origin", feedPage(1, with(feedChange(1, "deleted", "a"), "origin", nil)), "origin"},
		{"a bad time", feedPage(1, with(feedChange(1, "deleted", "a"), "at", "yesterday")), "RFC 3339"},
		{"changes out of order", feedPage(2, feedChange(2, "deleted", "a"), feedChange(1, "deleted", "b")), "position"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got http.Header
			var query string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, query = r.Header.Clone(), r.URL.RawQuery
				if s, ok := tc.page.(string); ok {
					w.Write([]byte(s))
					return
				}
				json.NewEncoder(w).Encode(tc.page)
			}))
			defer srv.Close()
			h := harvest.New(harvest.Options{Getenv: func(string) string { return "s3cret" }})
			src := harvest.Source{Name: "p", Kind: "peer", Location: srv.URL + "/",
				Peer: harvest.PeerOptions{Territoire: "dep:05", TokenEnv: "PEER_TOKEN", PageSize: 50}}
			page, err := h.Peer().Page(t.Context(), src, "0", "")
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), srv.URL) {
					t.Fatalf("error %v, want one naming %q and the address", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Get("Authorization") != "Bearer s3cret" || query != "limit=50&since=0&territoire=dep%3A05" {
				t.Errorf("request: %q %q", got.Get("Authorization"), query)
			}
			if tc.name != "a good page" {
				return
			}
			a := page.Events[0]
			if len(page.Events) != 3 || page.Instance != "peer" || !page.CaughtUp || page.NextPosition != 3 || page.LastPosition != 3 ||
				a.Provenance["nom"].RecordKey != "k-a" || strings.Contains(string(a.Feature), "provenance") || !a.At.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)) ||
				page.Events[1].Survivor != "a" || !a.Loops("mid") || a.Loops("other") || !a.Loops("up") {
				t.Errorf("page %+v", page)
			}
		})
	}
	t.Run("a cursor older than the tombstones", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) }))
		defer srv.Close()
		_, err := harvest.New(harvest.Options{}).Peer().Page(t.Context(), harvest.Source{Kind: "peer", Location: srv.URL}, feedCursor(5), "")
		if !errors.Is(err, harvest.ErrPeerGone) {
			t.Errorf("410: %v", err)
		}
	})
	t.Run("a cursor that goes backwards", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { json.NewEncoder(w).Encode(feedPage(2)) }))
		defer srv.Close()
		_, err := harvest.New(harvest.Options{}).Peer().Page(t.Context(), harvest.Source{Kind: "peer", Location: srv.URL}, feedCursor(5), "")
		if err == nil || !strings.Contains(err.Error(), "backwards") {
			t.Errorf("next before since: %v", err)
		}
	})
	t.Run("the token's variable is empty", func(t *testing.T) {
		_, err := harvest.New(harvest.Options{Getenv: func(string) string { return "" }}).Peer().Page(t.Context(),
			harvest.Source{Kind: "peer", Location: "http://127.0.0.1:1", Peer: harvest.PeerOptions{TokenEnv: "PEER_TOKEN"}}, "0", "")
		if err == nil || !strings.Contains(err.Error(), "PEER_TOKEN") {
			t.Errorf("empty token: %v", err)
		}
	})
}

// with is a copy of a page or change with members replaced (nil removes).
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// TestValidatePeer: only http(s) addresses, a page size the feed serves.
func TestValidatePeer(t *testing.T) {
	for _, tc := range []struct {
		src harvest.Source
		ok  bool
	}{
		{harvest.Source{Kind: "peer", Location: "https://hub.example.org/"}, true},
		{harvest.Source{Kind: "peer", Location: "file:///etc/passwd"}, false},
		{harvest.Source{Kind: "peer", Location: "ftp://hub.example.org/"}, false},
		{harvest.Source{Kind: "peer", Location: "https://hub.example.org/", Peer: harvest.PeerOptions{PageSize: 5000}}, false},
	} {
		if err := harvest.ValidateSource(tc.src); (err == nil) != tc.ok {
			t.Errorf("%s %+v: %v", tc.src.Location, tc.src.Peer, err)
		}
	}
}
