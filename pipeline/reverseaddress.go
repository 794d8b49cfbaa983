package pipeline

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// nearAddress is how close the nearest address must be to a producer's
// point to be taken as the lieu's own address.
const nearAddress = 150.0

// reverseFillable are the required fields a reverse answer can give.
var reverseFillable = []string{"adresse", "code_postal", "commune"}

// addressless returns the quarantined records that have a checked point
// of their own and whose only errors are missing location fields.
func addressless(recs []store.SourceRecord) []*store.SourceRecord {
	var out []*store.SourceRecord
	for i := range recs {
		r := &recs[i]
		if r.Lieu == nil || r.Status != schema.StatusQuarantined || r.Lieu.Latitude == nil || r.Lieu.Longitude == nil || r.Lieu.Adresse != "" {
			continue
		}
		only := true
		for _, is := range r.Issues {
			if is.Level == schema.LevelError && (is.Rule != "required" || !slices.Contains(reverseFillable, is.Field)) {
				only = false
			}
		}
		if only {
			out = append(out, r)
		}
	}
	return out
}

// addressFromPoint gives the records without a street address the
// address nearest to their point, when the reverse geocoder finds a house
// number or street within nearAddress metres: a fix marked as derived.
func (pl *Placer) addressFromPoint(ctx context.Context, cache GeocodeCache, recs []store.SourceRecord, now time.Time) error {
	cand := addressless(recs)
	if len(cand) == 0 {
		return nil
	}
	res, err := pl.reverse(ctx, cache, cand, now)
	if err != nil {
		return err
	}
	for i, r := range cand {
		a := res[i]
		if !a.Found || a.Name == "" || (a.Type != "housenumber" && a.Type != "street") || a.Distance > nearAddress {
			continue
		}
		fillFromReverse(r, a)
	}
	return nil
}

func fillFromReverse(r *store.SourceRecord, a geo.Result) {
	l := r.Lieu
	point := fmt.Sprintf("%g,%g", *l.Latitude, *l.Longitude)
	l.Adresse = a.Name
	if l.CodePostal == "" {
		l.CodePostal = a.Postcode
	}
	if l.Commune == "" {
		l.Commune = a.City
	}
	r.Issues = slices.DeleteFunc(r.Issues, func(is schema.Issue) bool {
		return is.Rule == "required" && l.Get(is.Field) != ""
	})
	r.Issues = append(r.Issues, schema.Issue{Field: "adresse", Rule: "address-from-reverse", Value: point, Fixed: a.Label, Level: schema.LevelFix,
		Message: fmt.Sprintf("derived: the address nearest to the producer's point (%.0f m), found by reverse geocoding", a.Distance)})
	r.Issues = append(r.Issues, geo.Locate(l)...)
	l.Placement = &schema.Placement{Source: schema.PointFromSource}
	r.Status = schema.StatusOf(r.Issues)
}
