package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/store"
)

// Change feed limits.
const (
	defaultChanges = 100
	maxChanges     = 1000
	maxChangeWait  = 60 * time.Second
)

// changeCursorPrefix marks the feed's cursors: a cursor is opaque to
// clients (base64url of the prefix and a position), so that its form may
// change without breaking them.
const changeCursorPrefix = "changes:"

func changeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(changeCursorPrefix + strconv.FormatInt(seq, 10)))
}

// parseChangeCursor reads since: "" or "0" is the start (a snapshot).
func parseChangeCursor(s string) (int64, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	rest, ok := strings.CutPrefix(string(b), changeCursorPrefix)
	n, perr := strconv.ParseInt(rest, 10, 64)
	if err != nil || !ok || perr != nil || n < 0 || len(s) > maxKeyLength {
		return 0, paramError("since", "%s is not a cursor of this feed: give 0 to start, or the next cursor an answer gave", quoted(s))
	}
	return n, nil
}

// changesQuery is a request of the feed.
type changesQuery struct {
	since int64
	limit int
	wait  time.Duration
}

func parseChanges(v url.Values) (changesQuery, error) {
	q := changesQuery{limit: defaultChanges}
	for name, values := range v {
		switch {
		case name != "since" && name != "limit" && name != "wait":
			return q, paramError(name, "unknown parameter (known: since, limit, wait)")
		case len(values) > 1:
			return q, paramError(name, "given %d times", len(values))
		}
	}
	var err error
	if q.since, err = parseChangeCursor(v.Get("since")); err != nil {
		return q, err
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxChanges {
			return q, paramError("limit", "%s is not an integer between 1 and %d", quoted(l), maxChanges)
		}
		q.limit = n
	}
	if wt := v.Get("wait"); wt != "" {
		d, err := time.ParseDuration(wt)
		if n, nerr := strconv.Atoi(wt); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
		if err != nil || d < 0 || d > maxChangeWait {
			return q, paramError("wait", "%s is not a duration between 0 and %s (30s, or 30 seconds)", quoted(wt), maxChangeWait)
		}
		q.wait = d
	}
	return q, nil
}

// changeEvent is one change as the feed writes it.
type changeEvent struct {
	Cursor   string          `json:"cursor"`
	Type     string          `json:"type"`
	ID       string          `json:"id"`
	Revision int64           `json:"revision"`
	At       string          `json:"at"`
	Survivor string          `json:"survivor,omitempty"`
	Origin   changeOrigin    `json:"origin"`
	Lieu     json.RawMessage `json:"lieu,omitempty"`
}

// changeOrigin names where a lieu was published: this instance and its
// id there.
type changeOrigin struct {
	Instance string `json:"instance"`
	ID       string `json:"id"`
}

// changes serves the feed of the published lieux: every lieu at the
// position of its latest change, after the cursor since (0: a snapshot
// of everything, which stays whole while publications go on). With wait,
// an empty answer is held until a publication, or wait has passed.
func (s *Server) changes(w http.ResponseWriter, r *http.Request) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "query string: "+err.Error())
		return
	}
	q, err := parseChanges(params)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	swapped := s.models.Swapped() // before the read: a publication in between wakes the wait
	page, err := s.store.LieuChanges(r.Context(), q.since, q.limit)
	if err == nil && len(page.Changes) == 0 && q.wait > 0 && q.since >= page.Purged {
		timer := time.NewTimer(q.wait)
		select {
		case <-swapped:
			page, err = s.store.LieuChanges(r.Context(), q.since, q.limit)
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return
		}
		timer.Stop()
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if q.since > 0 && q.since < page.Purged {
		s.feedGone(w, r)
		return
	}
	s.writeChanges(w, r, q, page)
}

// feedGone answers a cursor older than the tombstones kept: deletions may
// have been missed, so the reader restarts from a snapshot.
func (s *Server) feedGone(w http.ResponseWriter, r *http.Request) {
	restart := s.base(w, r) + "/api/v1/changes?since=0"
	s.writeJSON(w, r, http.StatusGone, contentProblem, map[string]any{
		"type": "about:blank", "title": http.StatusText(http.StatusGone), "status": http.StatusGone,
		"detail":   "this cursor is older than the deletions the feed keeps (federation.retention): read the feed again from a snapshot",
		"instance": r.URL.Path, "request_id": middleware.GetReqID(r.Context()),
		"links": []link{{Href: restart, Rel: "restart", Type: contentJSON, Title: "the feed from the start (a snapshot)"}},
	})
}

func (s *Server) writeChanges(w http.ResponseWriter, r *http.Request, q changesQuery, page store.ChangePage) {
	instance, err := s.instanceID(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	events := make([]changeEvent, 0, len(page.Changes))
	next := q.since
	for _, c := range page.Changes {
		ev := changeEvent{Cursor: changeCursor(c.Seq), Type: c.Kind, ID: c.ID, Revision: c.Lieu.Revision, At: c.At.UTC().Format(time.RFC3339Nano), Survivor: c.Survivor,
			Origin: changeOrigin{Instance: instance, ID: c.ID}}
		if c.Kind == store.ChangeCreated || c.Kind == store.ChangeUpdated {
			feature, err := changeFeature(c.Lieu)
			if err != nil {
				s.internalError(w, r, err)
				return
			}
			ev.Lieu = feature
		}
		events = append(events, ev)
		next = c.Seq
	}
	if len(page.Changes) < q.limit {
		// the read saw the whole feed at one instant: whatever lies
		// between the last change shown and the feed's end was purged
		next = max(next, page.Last)
	}
	self := s.base(w, r) + "/api/v1/changes?"
	nextQuery := url.Values{"since": {changeCursor(next)}, "limit": {strconv.Itoa(q.limit)}}
	if next == 0 {
		nextQuery.Set("since", "0")
	}
	body := map[string]any{
		"changes": events, "next": nextQuery.Get("since"),
		// caught up: the answer reached the feed's last change
		"caught_up": next >= page.Last,
		"links":     []link{{Href: self + nextQuery.Encode(), Rel: "next", Type: contentJSON}},
	}
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, r, http.StatusOK, contentJSON, body)
}

// changeFeature is a lieu of the feed: its GeoJSON Feature with its
// per-field provenance among the properties.
func changeFeature(row store.LieuRow) (json.RawMessage, error) {
	f, err := exporters.RenderFeature(&row.Lieu)
	if err != nil {
		return nil, err
	}
	prov, err := json.Marshal(row.Provenance)
	if err != nil {
		return nil, err
	}
	var feature map[string]json.RawMessage
	if err := json.Unmarshal(f, &feature); err != nil {
		return nil, err
	}
	feature["provenance"] = prov
	return json.Marshal(feature)
}
