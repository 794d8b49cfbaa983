package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// movedAfter is how far a geocoded address must lie from a producer's
// point in another commune before the point is replaced: closer, the two
// agree and the point is probably just across a boundary.
const movedAfter = 1000.0

// checkCommunes asks the geocoder (reverse, in one batch, through the
// cache) which commune each producer's point lies in. A point in another
// commune than the lieu's INSEE code is replaced by its geocoded address
// when the geocoder places that address precisely in the declared commune
// and far from the point; otherwise it is kept with a warning. A point is
// never replaced by a less precise one.
func (pl *Placer) checkCommunes(ctx context.Context, cache GeocodeCache, recs []store.SourceRecord, now time.Time) error {
	var cand []*store.SourceRecord
	for i := range recs {
		r := &recs[i]
		if r.Lieu != nil && r.Status != schema.StatusQuarantined && r.Lieu.CodeINSEE != "" &&
			r.Lieu.Placement != nil && r.Lieu.Placement.Source == schema.PointFromSource {
			cand = append(cand, r)
		}
	}
	if len(cand) == 0 {
		return nil
	}
	res, err := pl.reverse(ctx, cache, cand, now)
	if err != nil {
		return err
	}
	var off []*store.SourceRecord
	for i, r := range cand {
		if res[i].Found && res[i].CityCode != "" && !geo.SameCommune(res[i].CityCode, r.Lieu.CodeINSEE) {
			off = append(off, r)
		}
	}
	return pl.relocate(ctx, cache, off, now)
}

// reverse finds the address nearest to each record's point, from the
// cache (keyed by the point to about 1 m) or in one /reverse/csv batch.
func (pl *Placer) reverse(ctx context.Context, cache GeocodeCache, recs []*store.SourceRecord, now time.Time) ([]geo.Result, error) {
	pts, keys := make([]geo.Point, len(recs)), make([]string, len(recs))
	for i, r := range recs {
		pts[i] = geo.Point{Lat: *r.Lieu.Latitude, Lon: *r.Lieu.Longitude}
		keys[i] = fmt.Sprintf("reverse|%.5f|%.5f", pts[i].Lat, pts[i].Lon)
	}
	return pl.cached(ctx, cache, keys, now, func(miss []int) ([]geo.Result, error) {
		sub := make([]geo.Point, len(miss))
		for j, i := range miss {
			sub[j] = pts[i]
		}
		return pl.Geocoder.ReverseBatch(ctx, sub)
	})
}

// relocate geocodes the addresses of points found in another commune.
func (pl *Placer) relocate(ctx context.Context, cache GeocodeCache, off []*store.SourceRecord, now time.Time) error {
	var addressed []*store.SourceRecord
	for _, r := range off {
		if r.Lieu.Adresse != "" {
			addressed = append(addressed, r)
		}
	}
	results, err := pl.geocode(ctx, cache, addressQueries(addressed), now)
	if err != nil {
		return err
	}
	answer := make(map[*store.SourceRecord]geo.Result, len(addressed))
	for i, r := range addressed {
		answer[r] = results[i]
	}
	for _, r := range off {
		old := geo.Point{Lat: *r.Lieu.Latitude, Lon: *r.Lieu.Longitude}
		res, asked := answer[r]
		far := geo.Distance(old, geo.Point{Lat: res.Lat, Lon: res.Lon})
		if asked && pl.Policy.Accept(res, r.Lieu.CodeINSEE) && far > movedAfter {
			setPoint(r, res, schema.PointFromGeocoder, "coordinates-other-commune",
				fmt.Sprintf("the point was in another commune than code_insee %s; moved %.0f m to its geocoded address", r.Lieu.CodeINSEE, far))
			r.Issues[len(r.Issues)-1].Value = fmt.Sprintf("%g,%g", old.Lat, old.Lon)
			continue
		}
		r.Issues = append(r.Issues, schema.Issue{Field: "latitude", Rule: "coordinates-other-commune", Value: fmt.Sprintf("%g,%g", old.Lat, old.Lon),
			Level: schema.LevelWarning, Message: "the point lies in another commune than code_insee " + r.Lieu.CodeINSEE + "; kept, as the address could not be placed better"})
		r.Status = schema.StatusOf(r.Issues)
	}
	return nil
}
