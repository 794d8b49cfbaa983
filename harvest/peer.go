package harvest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PeerOptions describe a peer source (kind peer): another maillage
// instance read through its change feed. The source's location is the
// instance's address (https://hub.example.org/).
type PeerOptions struct {
	// Territoire and Dispositif are passed to the peer's feed, which then
	// sends only the lieux of that territory ("dep:05") or of those
	// dispositifs (values of dispositif_programmes_nationaux, separated
	// by commas).
	Territoire string `yaml:"territoire"`
	Dispositif string `yaml:"dispositif"`
	// TokenEnv names the environment variable holding a bearer token,
	// when the peer asks for one.
	TokenEnv string `yaml:"token_env"`
	// PageSize is the number of changes per request (default and at most
	// 1000, the feed's maximum).
	PageSize int `yaml:"page_size"`
}

// The feed this client reads.
const (
	peerFeedVersion = 1
	peerFeedPath    = "/api/v1/changes"
	peerMaxPage     = 1000
	// peerCursorPrefix is the form of a version 1 cursor (base64url of the
	// prefix, a position, and maybe ":" and more): the client reads the
	// position only to refuse a feed that goes backwards.
	peerCursorPrefix = "changes:"
	maxPeerIDLength  = 200
)

// The kinds of change a feed carries.
const (
	PeerCreated = "created"
	PeerUpdated = "updated"
	PeerRetired = "retired"
	PeerDeleted = "deleted"
)

// ErrPeerBackwards is a feed whose positions went back: a peer restored
// from an older copy, or one that lost changes.
var ErrPeerBackwards = errors.New("the peer's feed went backwards")

// PeerReplacedError is a feed of another instance than the one the
// checkpoint was read from (the peer was rebuilt): its cursors mean
// nothing here, and the reader must start again from a snapshot.
type PeerReplacedError struct{ Was, Now string }

func (e *PeerReplacedError) Error() string {
	return fmt.Sprintf("the peer is another instance now (%s, was %s)", e.Now, e.Was)
}

// ErrPeerGone is a peer answering 410 Gone: the cursor is older than the
// deletions it keeps, and the reader must start again from a snapshot.
var ErrPeerGone = errors.New("the peer no longer keeps the changes since this cursor (410 Gone): a new snapshot is needed")

func validatePeer(src Source) error {
	var errs []error
	u, err := url.Parse(src.Location)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("location %q: the peer instance's http(s) address is required", src.Location))
	}
	o := src.Peer // config checks peer.territoire (schema reads territories)
	if o.PageSize < 0 || o.PageSize > peerMaxPage {
		errs = append(errs, fmt.Errorf("peer.page_size %d: between 1 and %d", o.PageSize, peerMaxPage))
	}
	return errors.Join(errs...)
}

// PeerOrigin names a lieu where it was first published: the instance
// and the lieu's id there.
type PeerOrigin struct {
	Instance string `json:"instance"`
	ID       string `json:"id"`
}

// PeerRef names the record of a source that gave a field, at the peer.
type PeerRef struct {
	Source    string `json:"source"`
	RecordKey string `json:"record_key"`
}

// PeerEvent is one change read from a peer's feed. Feature is the lieu's
// GeoJSON Feature without its provenance, which is in Provenance.
type PeerEvent struct {
	Cursor     string
	Type       string
	ID         string
	Revision   int64
	At         time.Time
	Survivor   string
	Origin     PeerOrigin
	Via        []string
	Feature    json.RawMessage
	Provenance map[string]PeerRef
}

// Loops says whether the change came from, or through, instance self:
// such a change is never imported, so that federated instances may read
// each other in any graph without a record going round.
func (e PeerEvent) Loops(self string) bool {
	return e.Origin.Instance == self || slices.Contains(e.Via, self)
}

// PeerPage is one answer of a peer's feed, checked (but for
// SchemaVersion, which the reader compares with the version it reads).
type PeerPage struct {
	Instance      string
	SchemaVersion string
	Events        []PeerEvent
	// Next is the cursor to read after this page, Last the feed's last
	// change; their positions are NextPosition and LastPosition.
	Next, Last                 string
	NextPosition, LastPosition int64
	CaughtUp                   bool
}

// PeerClient reads peers' change feeds through the shared HTTP client.
type PeerClient struct {
	web    *HTTPFetcher
	getenv func(string) string
}

// Peer returns the harvester's client of peer feeds.
func (h *Harvester) Peer() *PeerClient { return h.peer }

// peerFetcher is the kind's entry in the registry: a peer is read page
// by page into its mirror (PeerClient), never fetched whole.
type peerFetcher struct{}

func (peerFetcher) Fetch(context.Context, Source, Conditional) (*Payload, error) {
	return nil, errors.New("a peer source is read through its change feed (Harvester.Peer), not fetched whole")
}

// PeerFeedURL is the address of a peer's feed after cursor since, with
// the source's filters.
func PeerFeedURL(src Source, since string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(src.Location, "/"), peerFeedPath)
	size := src.Peer.PageSize
	if size <= 0 {
		size = peerMaxPage
	}
	q := url.Values{"since": {cmp.Or(since, "0")}, "limit": {strconv.Itoa(size)}}
	if src.Peer.Territoire != "" {
		q.Set("territoire", src.Peer.Territoire)
	}
	if src.Peer.Dispositif != "" {
		q.Set("dispositif", src.Peer.Dispositif)
	}
	return base + peerFeedPath + "?" + q.Encode()
}

// Page reads the peer's feed after cursor since ("" or "0": a snapshot),
// given by instance (when known), and checks what it answers: a page
// that is not a version 1 feed, of another instance (PeerReplacedError),
// with an event that is not whole, or whose cursors go backwards
// (ErrPeerBackwards) is an error naming what is wrong, and nothing of it
// is returned.
func (c *PeerClient) Page(ctx context.Context, src Source, since, instance string) (PeerPage, error) {
	var header http.Header
	if env := src.Peer.TokenEnv; env != "" {
		token := c.getenv(env)
		if token == "" {
			return PeerPage{}, fmt.Errorf("peer: environment variable %s (token_env) is empty", env)
		}
		header = http.Header{"Authorization": {"Bearer " + token}}
	}
	u := PeerFeedURL(src, since)
	p, err := c.web.Get(ctx, u, Conditional{}, header)
	if se := (*StatusError)(nil); errors.As(err, &se) && se.Code == http.StatusGone {
		return PeerPage{}, fmt.Errorf("peer: GET %s: %w", u, ErrPeerGone)
	}
	if err != nil {
		return PeerPage{}, fmt.Errorf("peer: %w", err)
	}
	page, err := parsePeerPage(p.Body, since, instance)
	if err != nil {
		return PeerPage{}, fmt.Errorf("peer: GET %s: %w", u, err)
	}
	return page, nil
}

// peerWire is a feed page as the peer writes it.
type peerWire struct {
	Instance      string `json:"instance"`
	FeedVersion   *int   `json:"feed_version"`
	SchemaVersion string `json:"schema_version"`
	Changes       []struct {
		Cursor   string          `json:"cursor"`
		Type     string          `json:"type"`
		ID       string          `json:"id"`
		Revision int64           `json:"revision"`
		At       string          `json:"at"`
		Survivor string          `json:"survivor"`
		Origin   PeerOrigin      `json:"origin"`
		Via      []string        `json:"via"`
		Lieu     json.RawMessage `json:"lieu"`
	} `json:"changes"`
	Next     string `json:"next"`
	Last     string `json:"last"`
	CaughtUp *bool  `json:"caught_up"`
}

func parsePeerPage(body []byte, since, instance string) (PeerPage, error) {
	var w peerWire
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&w); err != nil {
		return PeerPage{}, fmt.Errorf("not a change feed: %w", err)
	}
	switch {
	case w.FeedVersion == nil || w.CaughtUp == nil || w.Changes == nil || w.Next == "" || w.Last == "":
		return PeerPage{}, errors.New("not a change feed: feed_version, changes, next, last and caught_up are required")
	case *w.FeedVersion != peerFeedVersion:
		return PeerPage{}, fmt.Errorf("feed version %d: this instance reads version %d", *w.FeedVersion, peerFeedVersion)
	case w.SchemaVersion == "" || len(w.SchemaVersion) > 20:
		return PeerPage{}, errors.New("the feed does not say the standard's version its lieux follow (schema_version)")
	case w.Instance == "" || len(w.Instance) > maxPeerIDLength:
		return PeerPage{}, errors.New("the feed does not name its instance")
	case instance != "" && w.Instance != instance:
		return PeerPage{}, &PeerReplacedError{Was: instance, Now: w.Instance}
	}
	page := PeerPage{Instance: w.Instance, SchemaVersion: w.SchemaVersion, Next: w.Next, Last: w.Last, CaughtUp: *w.CaughtUp}
	var err error
	from, err := PeerCursorPosition(since)
	if err != nil {
		return PeerPage{}, err
	}
	if page.NextPosition, err = PeerCursorPosition(w.Next); err != nil {
		return PeerPage{}, fmt.Errorf("next: %w", err)
	}
	if page.LastPosition, err = PeerCursorPosition(w.Last); err != nil {
		return PeerPage{}, fmt.Errorf("last: %w", err)
	}
	if page.NextPosition < from || page.LastPosition < page.NextPosition {
		return PeerPage{}, fmt.Errorf("%w: read after position %d, next is %d and the feed's last %d (was the peer restored from an older copy?)", ErrPeerBackwards, from, page.NextPosition, page.LastPosition)
	}
	prev := from
	for i, c := range w.Changes {
		ev, err := peerEvent(c.Cursor, c.Type, c.ID, c.Revision, c.At, c.Survivor, c.Origin, c.Via, c.Lieu)
		if err != nil {
			return PeerPage{}, fmt.Errorf("change %d (%s): %w", i+1, clipID(c.ID), err)
		}
		pos, _ := PeerCursorPosition(ev.Cursor)
		if pos <= prev || pos > page.NextPosition {
			return PeerPage{}, fmt.Errorf("change %d (%s): its position %d is not between %d and the next cursor's %d", i+1, clipID(c.ID), pos, prev, page.NextPosition)
		}
		prev = pos
		page.Events = append(page.Events, ev)
	}
	return page, nil
}

func peerEvent(cursor, typ, id string, revision int64, at, survivor string, origin PeerOrigin, via []string, lieu json.RawMessage) (PeerEvent, error) {
	ev := PeerEvent{Cursor: cursor, Type: typ, ID: id, Revision: revision, Survivor: survivor, Origin: origin, Via: via}
	if _, err := PeerCursorPosition(cursor); err != nil || cursor == "0" {
		return ev, fmt.Errorf("cursor %q is not a cursor of the feed", clipID(cursor))
	}
	if id == "" || len(id) > maxPeerIDLength || revision < 1 {
		return ev, errors.New("an id and a revision are required")
	}
	var err error
	if ev.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return ev, fmt.Errorf("at %q is not an RFC 3339 time", clipID(at))
	}
	if origin.Instance == "" || origin.ID == "" || len(origin.Instance) > maxPeerIDLength || len(origin.ID) > maxPeerIDLength {
		return ev, errors.New("origin (instance and id) is required")
	}
	switch typ {
	case PeerCreated, PeerUpdated:
		ev.Feature, ev.Provenance, err = peerFeature(id, lieu)
		return ev, err
	case PeerRetired:
		if survivor == "" || survivor == id || len(survivor) > maxPeerIDLength {
			return ev, errors.New("a retirement names its survivor, another lieu")
		}
	case PeerDeleted:
	default:
		return ev, fmt.Errorf("type %q (created, updated, retired, deleted)", clipID(typ))
	}
	return ev, nil
}

// peerFeature checks a change's lieu, a GeoJSON Feature of the lieu's
// id whose properties hold its fields, and splits its provenance off.
func peerFeature(id string, lieu json.RawMessage) (json.RawMessage, map[string]PeerRef, error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(lieu, &f); err != nil || f == nil {
		return nil, nil, errors.New("the lieu is not a GeoJSON Feature")
	}
	var head struct {
		Type       string         `json:"type"`
		ID         string         `json:"id"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(lieu, &head); err != nil || head.Type != "Feature" || head.Properties == nil {
		return nil, nil, errors.New("the lieu is not a GeoJSON Feature with properties")
	}
	if head.ID != id || head.Properties["id"] != id {
		return nil, nil, fmt.Errorf("the lieu's id %q is not the change's", clipID(head.ID))
	}
	var prov map[string]PeerRef
	if raw, ok := f["provenance"]; ok {
		if err := json.Unmarshal(raw, &prov); err != nil {
			return nil, nil, fmt.Errorf("provenance: %w", err)
		}
		delete(f, "provenance")
	}
	out, err := json.Marshal(f)
	return out, prov, err
}

// PeerCursorPosition reads the position of a version 1 cursor ("0" is
// the start).
func PeerCursorPosition(cursor string) (int64, error) {
	if cursor == "" || cursor == "0" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	rest, ok := strings.CutPrefix(string(b), peerCursorPrefix)
	rest, _, _ = strings.Cut(rest, ":") // then the feed's own bookkeeping
	n, perr := strconv.ParseInt(rest, 10, 64)
	if err != nil || !ok || perr != nil || n < 0 || len(cursor) > maxPeerIDLength {
		return 0, fmt.Errorf("cursor %q is not a version %d cursor", clipID(cursor), peerFeedVersion)
	}
	return n, nil
}

func clipID(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
