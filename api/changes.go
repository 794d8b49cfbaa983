package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// Change feed limits.
const (
	defaultChanges = 100
	maxChanges     = 1000
	maxChangeWait  = 60 * time.Second
)

// changeCursorPrefix marks the feed's cursors: a cursor is opaque to
// clients (base64url of the prefix, a position and, once tombstones were
// purged, the purged position when the cursor was given), so that its
// form may change without breaking them.
const changeCursorPrefix = "changes:"

// feedCursor is a position in the feed and the feed's purged position
// when the cursor was given: a reader at seq missed a deletion only if
// tombstones after seq were purged since.
type feedCursor struct{ seq, purged int64 }

func changeCursor(c feedCursor) string {
	s := changeCursorPrefix + strconv.FormatInt(c.seq, 10)
	if c.purged > 0 {
		s += ":" + strconv.FormatInt(c.purged, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// parseChangeCursor reads since: "" or "0" is the start (a snapshot).
func parseChangeCursor(s string) (feedCursor, error) {
	if s == "" || s == "0" {
		return feedCursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	rest, ok := strings.CutPrefix(string(b), changeCursorPrefix)
	seq, purged, _ := strings.Cut(rest, ":")
	var c feedCursor
	var perr, qerr error
	c.seq, perr = strconv.ParseInt(seq, 10, 64)
	if purged != "" {
		c.purged, qerr = strconv.ParseInt(purged, 10, 64)
	}
	if err != nil || !ok || perr != nil || qerr != nil || c.seq < 0 || c.purged < 0 || len(s) > maxKeyLength {
		return feedCursor{}, paramError("since", "%s is not a cursor of this feed: give 0 to start, or the next cursor an answer gave", quoted(s))
	}
	return c, nil
}

// missed says whether a reader at cursor c may have missed deletions:
// tombstones after its position were purged since it was given.
func (c feedCursor) missed(purged int64) bool {
	return c.seq > 0 && c.seq < purged && c.purged < purged
}

// FeedVersion is the version of the feed's form: a reader refuses a
// feed of a version it does not know rather than misread it.
const FeedVersion = 1

// changesQuery is a request of the feed. A filter (territory,
// dispositifs) turns the changes of lieux it does not match into
// deletions, so that a lieu that leaves the territory leaves the
// reader's copy too; see writeChanges for those it leaves out.
type changesQuery struct {
	since       feedCursor
	limit       int
	wait        time.Duration
	territory   *schema.Territory
	dispositifs []string
}

// matches says whether a lieu passes the query's filters.
func (q changesQuery) matches(l *schema.Lieu) bool {
	if q.territory != nil && !q.territory.Contains(l) {
		return false
	}
	if len(q.dispositifs) == 0 {
		return true
	}
	for _, d := range q.dispositifs {
		if slices.Contains(l.DispositifProgrammesNationaux, d) {
			return true
		}
	}
	return false
}

// changesParams are the feed's query parameters.
var changesParams = []string{"since", "limit", "wait", "territoire", "dispositif"}

func parseChanges(v url.Values) (changesQuery, error) {
	q := changesQuery{limit: defaultChanges}
	for name, values := range v {
		switch {
		case !slices.Contains(changesParams, name):
			return q, paramError(name, "unknown parameter (known: %s)", strings.Join(changesParams, ", "))
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
	if t := v.Get("territoire"); t != "" {
		territory, err := schema.ParseTerritory(t)
		if err != nil {
			return q, paramError("territoire", "%s", err.Error())
		}
		q.territory = &territory
	}
	if d := v.Get("dispositif"); d != "" {
		var err error
		if q.dispositifs, err = parseDispositifs(d); err != nil {
			return q, err
		}
	}
	return q, nil
}

// parseDispositifs reads a comma-separated list of the standard's
// dispositif_programmes_nationaux values, in any case.
func parseDispositifs(given string) ([]string, error) {
	def, _ := schema.Current().Field("dispositif_programmes_nationaux")
	var out []string
	for _, g := range strings.Split(given, ",") {
		g = strings.TrimSpace(g)
		i := slices.IndexFunc(def.EnumValues(), func(v string) bool { return strings.EqualFold(v, g) })
		if i < 0 {
			return nil, paramError("dispositif", "%s is not a value of dispositif_programmes_nationaux", quoted(g))
		}
		out = append(out, def.EnumValues()[i])
	}
	return out, nil
}

// changeEvent is one change as the feed writes it.
type changeEvent struct {
	Cursor   string          `json:"cursor"`
	Type     string          `json:"type"`
	ID       string          `json:"id"`
	Revision int64           `json:"revision"`
	At       string          `json:"at"`
	Survivor string          `json:"survivor,omitempty"`
	Origin   schema.Origin   `json:"origin"`
	Via      []string        `json:"via,omitempty"`
	Lieu     json.RawMessage `json:"lieu,omitempty"`
}

// newChangeEvent is a change as the feed writes it: where the lieu was
// first published (this instance, or the one a peer source got it from)
// and the instances its values came through, this one last; a change the
// query's filters leave out is written as a deletion.
func newChangeEvent(instance string, q changesQuery, c store.LieuChange, purged int64) (changeEvent, error) {
	ev := changeEvent{Cursor: changeCursor(feedCursor{c.Seq, purged}), Type: c.Kind, ID: c.ID, Revision: c.Lieu.Revision, At: c.At.UTC().Format(time.RFC3339Nano), Survivor: c.Survivor,
		Origin: schema.Origin{Instance: instance, ID: c.ID}}
	if f := c.Lieu.Lieu.Federation; f != nil {
		// a lieu of this instance holding peers' values names them in via
		ev.Via = slices.Clone(f.Via)
		if f.Origin.Instance != "" && f.Origin.Instance != instance {
			ev.Origin = f.Origin
			ev.Via = append(ev.Via, instance)
		}
	}
	live := c.Kind == store.ChangeCreated || c.Kind == store.ChangeUpdated
	if live && !q.matches(&c.Lieu.Lieu) {
		ev.Type = store.ChangeDeleted
		return ev, nil
	}
	if live {
		feature, err := changeFeature(c.Lieu)
		if err != nil {
			return ev, err
		}
		ev.Lieu = feature
	}
	return ev, nil
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
	page, err := s.store.LieuChanges(r.Context(), q.since.seq, q.limit)
	if err == nil && len(page.Changes) == 0 && q.wait > 0 && !q.since.missed(page.Purged) {
		timer := time.NewTimer(q.wait)
		select {
		case <-swapped:
			page, err = s.store.LieuChanges(r.Context(), q.since.seq, q.limit)
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
	if q.since.missed(page.Purged) {
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
	next := q.since.seq
	for _, c := range page.Changes {
		next = c.Seq
		ev, err := newChangeEvent(instance, q, c, page.Purged)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if ev.Type != c.Kind && (q.since.seq == 0 || c.Lieu.Revision == 1) {
			// a lieu the filters leave out is a deletion only for a
			// reader that may have it: not on a snapshot's first page,
			// nor at its first revision (no earlier state matched)
			continue
		}
		events = append(events, ev)
	}
	if len(page.Changes) < q.limit {
		// the read saw the whole feed at one instant: whatever lies
		// between the last change shown and the feed's end was purged
		next = max(next, page.Last)
	}
	self := s.base(w, r) + "/api/v1/changes?"
	nextQuery := url.Values{"since": {changeCursor(feedCursor{next, page.Purged})}, "limit": {strconv.Itoa(q.limit)}}
	if next == 0 {
		nextQuery.Set("since", "0")
	}
	for _, name := range []string{"territoire", "dispositif"} {
		if given := r.URL.Query().Get(name); given != "" {
			nextQuery.Set(name, given)
		}
	}
	body := map[string]any{
		"instance": instance, "feed_version": FeedVersion, "schema_version": schema.CurrentVersion,
		"changes": events, "next": nextQuery.Get("since"), "last": changeCursor(feedCursor{page.Last, page.Purged}),
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
