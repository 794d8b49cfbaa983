package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// Placer geocodes the records that have no usable point.
type Placer struct {
	Geocoder *geo.Geocoder
	Policy   geo.Policy
	// RetryFailures is how long an address the geocoder could not place
	// stays cached before it is asked again.
	RetryFailures time.Duration
}

// GeocodeCache keeps geocoder answers between runs; both stores are one,
// and Convert uses an in-memory one.
type GeocodeCache interface {
	GeocodeLookup(ctx context.Context, keys []string) (map[string]store.GeocodeEntry, error)
	GeocodeSave(ctx context.Context, entries []store.GeocodeEntry) error
}

// runState is what the sources of one run share.
type runState struct {
	// geocoderErr, once set, spares the later sources of the run the
	// geocoder's timeouts and retries.
	geocoderErr error
	// holdBelow and force govern safety holds (hold.go).
	holdBelow float64
	force     bool
}

// place puts a point on the run's records that need one; a geocoder
// failure is logged once, and the records of this and the run's later
// sources stay unplaced until a later run.
func (p *Pipeline) place(ctx context.Context, recs []store.SourceRecord, st *runState) int {
	if st.geocoderErr != nil {
		markUnplaced(unplaced(recs), "geocoder-unavailable", "the geocoder could not be reached; not placed this run: "+st.geocoderErr.Error())
		return 0
	}
	n, err := p.Placer.Place(ctx, p.Store, recs, p.Now())
	if err != nil {
		st.geocoderErr = err
		p.Log.Warn("geocoder_unavailable", "error", err)
	}
	return n
}

// Place puts a point on every publishable record without one: from the
// cache, else from one batch for the rest; at address level when the
// policy accepts the answer, else at its commune's centre. A record is
// never moved: only records without a point are geocoded. When the
// geocoder fails, the records are marked unplaced (nothing is cached) and
// the error returned. A nil Placer only marks the producers' own points.
func (pl *Placer) Place(ctx context.Context, cache GeocodeCache, recs []store.SourceRecord, now time.Time) (int, error) {
	todo := unplaced(recs)
	if pl == nil || pl.Geocoder == nil {
		return 0, nil
	}
	if err := pl.addressFromPoint(ctx, cache, recs, now); err != nil {
		markUnplaced(todo, "geocoder-unavailable", "the geocoder could not be reached; not placed this run: "+err.Error())
		return 0, err
	}
	if err := pl.checkCommunes(ctx, cache, recs, now); err != nil {
		markUnplaced(todo, "geocoder-unavailable", "the geocoder could not be reached; not placed this run: "+err.Error())
		return 0, err
	}
	if len(todo) == 0 {
		return 0, nil
	}
	results, err := pl.geocode(ctx, cache, addressQueries(todo), now)
	if err != nil {
		markUnplaced(todo, "geocoder-unavailable", "the geocoder could not be reached; not placed this run: "+err.Error())
		return 0, err
	}
	placed, rest := 0, []*store.SourceRecord(nil)
	for i, r := range todo {
		if pl.Policy.Accept(results[i], r.Lieu.CodeINSEE) {
			setPoint(r, results[i], schema.PointFromGeocoder, "geocoded", "placed by the geocoder at "+results[i].Type+" level")
			placed++
		} else {
			rest = append(rest, r)
		}
	}
	n, err := pl.placeAtCommune(ctx, cache, rest, now)
	return placed + n, err
}

// unplaced marks the producer's own points as such and returns the
// publishable records that have an address but no point.
func unplaced(recs []store.SourceRecord) []*store.SourceRecord {
	var todo []*store.SourceRecord
	for i := range recs {
		r := &recs[i]
		if r.Lieu == nil || r.Status == schema.StatusQuarantined {
			continue
		}
		if r.Lieu.Latitude != nil && r.Lieu.Placement == nil {
			r.Lieu.Placement = &schema.Placement{Source: schema.PointFromSource}
		}
		if r.Lieu.Latitude == nil && r.Lieu.Adresse != "" {
			todo = append(todo, r)
		}
	}
	return todo
}

// placeAtCommune puts the records the geocoder could not place precisely
// at their commune's centre, marked as such.
func (pl *Placer) placeAtCommune(ctx context.Context, cache GeocodeCache, recs []*store.SourceRecord, now time.Time) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	qs := make([]geo.Query, len(recs))
	for i, r := range recs {
		qs[i] = geo.Query{Postcode: r.Lieu.CodePostal, City: r.Lieu.Commune, CityCode: r.Lieu.CodeINSEE}
	}
	results, err := pl.geocode(ctx, cache, qs, now)
	if err != nil {
		markUnplaced(recs, "geocoder-unavailable", "the geocoder could not be reached; not placed this run: "+err.Error())
		return 0, err
	}
	placed := 0
	for i, r := range recs {
		res := results[i]
		if res.Found && res.Type == "municipality" && (r.Lieu.CodeINSEE == "" || res.CityCode == r.Lieu.CodeINSEE) {
			setPoint(r, res, schema.PointFromCommuneCentre, "placed-commune-centre", "address not found precisely; placed at the centre of its commune")
			placed++
			continue
		}
		markUnplaced([]*store.SourceRecord{r}, "not-placed", "neither the address nor the commune was found by the geocoder")
	}
	return placed, nil
}

func addressQueries(recs []*store.SourceRecord) []geo.Query {
	qs := make([]geo.Query, len(recs))
	for i, r := range recs {
		qs[i] = geo.Query{Address: r.Lieu.Adresse, Postcode: r.Lieu.CodePostal, City: r.Lieu.Commune, CityCode: r.Lieu.CodeINSEE}
	}
	return qs
}

// geocodeKey is the cache key of a query: its parts folded and joined.
func geocodeKey(q geo.Query) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.Join([]string{q.Address, q.Postcode, q.City, q.CityCode}, " | ")), " "))
}

// geocode answers queries from the cache, and asks the geocoder, in one
// batch, for the rest.
func (pl *Placer) geocode(ctx context.Context, cache GeocodeCache, qs []geo.Query, now time.Time) ([]geo.Result, error) {
	keys := make([]string, len(qs))
	for i, q := range qs {
		keys[i] = geocodeKey(q)
	}
	return pl.cached(ctx, cache, keys, now, func(miss []int) ([]geo.Result, error) {
		sub := make([]geo.Query, len(miss))
		for j, i := range miss {
			sub[j] = qs[i]
		}
		return pl.Geocoder.Batch(ctx, sub)
	})
}

// cached answers keys from the cache (failures older than RetryFailures
// do not count), asks fetch for the missing ones, and caches what it
// learns.
func (pl *Placer) cached(ctx context.Context, cache GeocodeCache, keys []string, now time.Time,
	fetch func(miss []int) ([]geo.Result, error)) ([]geo.Result, error) {
	hits, err := cache.GeocodeLookup(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]geo.Result, len(keys))
	var miss []int
	for i, k := range keys {
		e, ok := hits[k]
		if ok && (e.Found || now.Sub(e.FetchedAt) < pl.RetryFailures) && json.Unmarshal(e.Result, &out[i]) == nil {
			continue
		}
		miss = append(miss, i)
	}
	if len(miss) == 0 {
		return out, nil
	}
	fresh, err := fetch(miss)
	if err != nil {
		return nil, err
	}
	entries := make([]store.GeocodeEntry, len(fresh))
	for j, res := range fresh {
		out[miss[j]] = res
		b, _ := json.Marshal(res)
		entries[j] = store.GeocodeEntry{Key: keys[miss[j]], Result: b, Found: res.Found, FetchedAt: now}
	}
	return out, cache.GeocodeSave(ctx, entries)
}

func setPoint(r *store.SourceRecord, res geo.Result, from, rule, msg string) {
	lat, lon := res.Lat, res.Lon
	r.Lieu.Latitude, r.Lieu.Longitude = &lat, &lon
	r.Lieu.Placement = &schema.Placement{Source: from, Precision: res.Type, Score: res.Score}
	r.Issues = append(r.Issues, schema.Issue{Field: "latitude", Rule: rule, Value: res.Label, Level: schema.LevelFix,
		Fixed: fmt.Sprintf("%g,%g (%s, score %.2f)", lat, lon, res.Type, res.Score), Message: msg})
	r.Status = schema.StatusOf(r.Issues)
}

func markUnplaced(recs []*store.SourceRecord, rule, msg string) {
	for _, r := range recs {
		r.Issues = append(r.Issues, schema.Issue{Field: "latitude", Rule: rule, Level: schema.LevelWarning, Message: msg})
		r.Status = schema.StatusOf(r.Issues)
	}
}

// MemoryCache is a GeocodeCache for one process (convert, quality).
type MemoryCache map[string]store.GeocodeEntry

// GeocodeLookup returns the entries it has.
func (m MemoryCache) GeocodeLookup(_ context.Context, keys []string) (map[string]store.GeocodeEntry, error) {
	out := make(map[string]store.GeocodeEntry, len(keys))
	for _, k := range keys {
		if e, ok := m[k]; ok {
			out[k] = e
		}
	}
	return out, nil
}

// GeocodeSave keeps the entries.
func (m MemoryCache) GeocodeSave(_ context.Context, entries []store.GeocodeEntry) error {
	for _, e := range entries {
		m[e.Key] = e
	}
	return nil
}
