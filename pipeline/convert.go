package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// Conversion is one file turned into national-standard records, without a
// store: what `maillage convert` and the quality report use.
type Conversion struct {
	Lieux  []schema.Lieu
	Report ConvertReport
	// Records are all the file's records, quarantined ones included, as
	// the pipeline left them (for tools that measure what follows).
	Records []store.SourceRecord
}

// ConvertReport tells a producer what became of its file.
type ConvertReport struct {
	Input   string       `json:"input"`
	Format  string       `json:"format"`
	Schema  string       `json:"schema"`
	Notes   []string     `json:"notes,omitempty"`
	Columns ColumnReport `json:"columns"`
	Rows    int          `json:"rows"`
	// Addressed counts the records that carry a name and a street address
	// (from any column or found in free text); AddressedPublished those of
	// them that were published.
	Addressed          int `json:"addressed"`
	AddressedPublished int `json:"addressed_published"`
	// HoursIn counts the records that gave opening hours; HoursValid those
	// whose hours came out as valid OpenStreetMap syntax.
	HoursIn    int `json:"hours_in"`
	HoursValid int `json:"hours_valid"`
	// Geo counts where the published points come from.
	Geo GeoAccount `json:"geolocation"`
	// GeocoderError says why records were left unplaced when the
	// geocoder failed (they carry a geocoder-unavailable warning).
	GeocoderError     string              `json:"geocoder_error,omitempty"`
	Valid             int                 `json:"valid"`
	Fixed             int                 `json:"fixed"`
	Quarantined       int                 `json:"quarantined"`
	QuarantineReasons map[string]int      `json:"quarantine_reasons"`
	Fixes             map[string]int      `json:"fixes"`
	Warnings          map[string]int      `json:"warnings"`
	QuarantinedRows   []QuarantinedRecord `json:"quarantined_records"`
	WarnedRows        []QuarantinedRecord `json:"warned_records,omitempty"`
}

// ConvertOptions describe the input file.
type ConvertOptions struct {
	Source  harvest.Source
	Mapping schema.Mapping
	// Now dates records that carry no usable date_maj.
	Now time.Time
	// Placer, when set, geocodes the records without a usable point,
	// through Cache (an in-memory one when nil).
	Placer *Placer
	Cache  GeocodeCache
}

// Convert reads one file and returns its valid lieux and the report. The
// standard's id is the producer's when the file has unique ids, else a
// UUIDv5 of the file name and row. It holds every record: for tools that
// measure what follows; ConvertStream holds one part of the file at a time.
func Convert(ctx context.Context, h *harvest.Harvester, opts ConvertOptions) (*Conversion, error) {
	conv := &Conversion{}
	rep, err := ConvertStream(ctx, h, opts, func(rec *store.SourceRecord, l *schema.Lieu) error {
		conv.Records = append(conv.Records, *rec)
		if l != nil {
			conv.Lieux = append(conv.Lieux, *l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	conv.Report = *rep
	return conv, nil
}

// convertPart is how many records ConvertStream normalises, places and
// hands over at a time (one geocoder batch at most).
const convertPart = 5000

// ConvertStream reads one file and hands each record over, in file order,
// with its lieu when it is publishable (nil when quarantined), a part of
// the file at a time: only the raw records and the report stay in memory
// throughout. A file of which too few records are located is refused
// once all are read (ErrNoLocation), so a caller writing the lieux must
// discard what it wrote on an error.
func ConvertStream(ctx context.Context, h *harvest.Harvester, opts ConvertOptions, each func(*store.SourceRecord, *schema.Lieu) error) (*ConvertReport, error) {
	src := opts.Source
	if src.Name == "" {
		src.Name = filepath.Base(src.Location)
	}
	payload, err := h.Fetch(ctx, src, harvest.Conditional{})
	if err != nil {
		return nil, err
	}
	table, err := h.DecodeOnce(src, payload)
	payload.Body = nil // the table holds none of it
	if err != nil {
		return nil, err
	}
	mapper, err := schema.NewMapperFor(opts.Mapping, table.Columns, table.Records, geo.Communes())
	if err != nil {
		return nil, fmt.Errorf("pipeline: %s: %w", src.Location, err)
	}
	rep := newConvertReport(src.Location, table, mapper)
	keys, located := map[string]int{}, 0
	for from := 0; from < len(table.Records); from += convertPart {
		part := &harvest.Table{Format: table.Format, Columns: table.Columns, Records: table.Records[from:min(from+convertPart, len(table.Records))]}
		recs := normaliseWith(mapper, src.Name, part, opts.Now, nil, keys)
		clear(part.Records) // each record's fields live on in its SourceRecord only
		if err := opts.place(ctx, recs); err != nil && rep.GeocoderError == "" {
			rep.GeocoderError = err.Error()
		}
		for i := range recs {
			if isLocated(recs[i].Lieu) {
				located++
			}
			if err := each(&recs[i], rep.lieuOf(src.Name, recs[i])); err != nil {
				return nil, err
			}
		}
	}
	if err := usable(located, len(table.Records), mapper, table.Columns); err != nil {
		return nil, fmt.Errorf("pipeline: %s: %w", src.Location, err)
	}
	return &rep, nil
}

// lieuOf accounts for a record and returns its lieu, with the standard's
// id, when it is publishable.
func (r *ConvertReport) lieuOf(source string, rec store.SourceRecord) *schema.Lieu {
	if !r.add(rec) {
		return nil
	}
	l := *rec.Lieu
	l.ID = rec.ProducerID
	if rec.RecordKey != rec.ProducerID || l.ID == "" {
		l.ID = dedup.MintID(source, rec.RecordKey)
	}
	return &l
}

func newConvertReport(input string, t *harvest.Table, mp *schema.Mapper) ConvertReport {
	r := ConvertReport{Input: input, Format: t.Format, Schema: schema.CurrentVersion, Notes: t.Notes,
		QuarantineReasons: map[string]int{}, Fixes: map[string]int{}, Warnings: map[string]int{},
		QuarantinedRows: []QuarantinedRecord{}}
	r.Columns.Recognised = mp.Recognised()
	r.Columns.Ignored = mp.Ignored(t.Columns)
	r.Columns.ByContent = mp.Reasons(t.Columns)
	r.Notes = append(r.Notes, mp.Notes()...)
	return r
}

// add accounts for one record and reports whether it is publishable.
func (r *ConvertReport) add(rec store.SourceRecord) bool {
	r.Rows++
	addressed := rec.Lieu.Nom != "" && rec.Lieu.Adresse != ""
	if addressed {
		r.Addressed++
		if rec.Status != schema.StatusQuarantined {
			r.AddressedPublished++
		}
	}
	entry := QuarantinedRecord{RecordKey: rec.RecordKey, Index: rec.Index, Line: rec.Line}
	r.countHours(rec)
	r.Geo.add(rec)
	errs, warns := tally(rec.Issues, r.Fixes, r.Warnings, r.QuarantineReasons)
	switch rec.Status {
	case schema.StatusQuarantined:
		r.Quarantined++
		entry.Reasons = errs
		entry.Fields = rec.Fields
		r.QuarantinedRows = append(r.QuarantinedRows, entry)
		return false
	case schema.StatusFixed:
		r.Fixed++
	default:
		r.Valid++
	}
	if len(warns) > 0 {
		entry.Reasons = warns
		r.WarnedRows = append(r.WarnedRows, entry)
	}
	return true
}

func (opts ConvertOptions) place(ctx context.Context, recs []store.SourceRecord) error {
	cache := opts.Cache
	if cache == nil {
		cache = MemoryCache{}
	}
	_, err := opts.Placer.Place(ctx, cache, recs, opts.Now)
	return err
}

// GeoAccount classifies records by where their point came from: the
// producer's coordinates kept as given or fixed (swapped, Lambert-93,
// decimal comma), the geocoder at address or commune level, or not placed;
// these add up to the rows. Rejected counts the records whose own
// coordinates were refused (zero, outside France, in another territory,
// unreadable, far outside their confirmed commune): they are then geocoded
// or not placed.
type GeoAccount struct {
	Kept            int `json:"kept"`
	Fixed           int `json:"fixed"`
	GeocodedAddress int `json:"geocoded_address"`
	GeocodedCommune int `json:"geocoded_commune"`
	NotPlaced       int `json:"not_placed"`
	Rejected        int `json:"rejected"`
	// OtherCommune counts the producers' points found in another commune
	// than their INSEE code, by the reverse geocoder (moved to their
	// geocoded address, then counted as geocoded, or kept with a warning)
	// or, far outside it, by the distance to its centre when neither the
	// postcode nor the commune name confirm the code (kept with a warning).
	OtherCommune int `json:"other_commune"`
}

// Add sums two accounts.
func (g *GeoAccount) Add(o GeoAccount) {
	g.Kept, g.Fixed, g.Rejected = g.Kept+o.Kept, g.Fixed+o.Fixed, g.Rejected+o.Rejected
	g.GeocodedAddress, g.GeocodedCommune, g.NotPlaced = g.GeocodedAddress+o.GeocodedAddress, g.GeocodedCommune+o.GeocodedCommune, g.NotPlaced+o.NotPlaced
	g.OtherCommune += o.OtherCommune
}

var coordFixes = map[string]bool{"coordinates-swapped": true, "coordinates-lambert93": true, "decimal-comma": true}

var coordRejects = map[string]bool{"coordinates-zero": true, "coordinates-outside-france": true, "coordinates-wrong-territory": true,
	"coordinates-incomplete": true, "coordinates-unreadable": true, "not-a-number": true, "coordinates-far-from-commune": true}

func (g *GeoAccount) add(rec store.SourceRecord) {
	fixed, rejected := false, false
	for _, is := range rec.Issues {
		if is.Rule == "coordinates-other-commune" || is.Rule == "insee-far-from-point" {
			g.OtherCommune++
		}
		fixed = fixed || coordFixes[is.Rule]
		rejected = rejected || coordRejects[is.Rule] && (is.Field == "latitude" || is.Field == "longitude" || is.Field == "")
	}
	_, _, placed := rec.Lieu.Point()
	// A refused cell does not count when other columns gave a good point.
	if rejected && (!placed || rec.Lieu.Placement == nil || rec.Lieu.Placement.Source != schema.PointFromSource) {
		g.Rejected++
	}
	switch from := ""; {
	case !placed:
		g.NotPlaced++
	case rec.Lieu.Placement != nil && rec.Lieu.Placement.Source != schema.PointFromSource:
		from = rec.Lieu.Placement.Source
		if from == schema.PointFromGeocoder {
			g.GeocodedAddress++
		} else {
			g.GeocodedCommune++
		}
	case fixed:
		g.Fixed++
	default:
		g.Kept++
	}
}

func (r *ConvertReport) countHours(rec store.SourceRecord) {
	if rec.Lieu.Horaires != "" {
		r.HoursIn++
		r.HoursValid++
		return
	}
	for _, is := range rec.Issues {
		if is.Rule == "hours-unreadable" {
			r.HoursIn++
			return
		}
	}
}

// TopReasons returns the n most frequent quarantine reasons.
func (r *ConvertReport) TopReasons(n int) []string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range r.QuarantineReasons {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var out []string
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, fmt.Sprintf("%s (%d)", all[i].k, all[i].v))
	}
	return out
}
