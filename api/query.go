package api

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/readmodel"
)

// Page limits of the items routes (OGC API Features: limit 1–10 000).
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Radius bounds of a search near a point, in metres.
const (
	DefaultRadius = 10000
	MaxRadius     = 100000
)

// itemsQuery is a parsed items request: the read model's query, the
// output format, and the canonical form of the query (for the ETag and
// the links).
type itemsQuery struct {
	readmodel.Query
	format  string // "geojson" or "csv"
	openNow bool   // ouvert_maintenant: evaluated at the request's time
	// opensOn, when set, keeps the lieux that open at some time of that
	// day (ouvert_le with a date alone), read in each lieu's own calendar.
	opensOn   time.Time
	canonical url.Values
}

// itemParams are the query parameters of the items routes, each with
// its parser; the facets (readmodel.Facets) come on top.
var itemParams = map[string]func(q *itemsQuery, v string, c parseContext) error{
	"limit":             parseLimit,
	"cursor":            parseCursor,
	"bbox":              parseBBoxParam,
	"datetime":          parseDatetime,
	"near":              parseNear,
	"commune":           parseCommune,
	"adresse":           parseAdresse,
	"radius":            parseRadius,
	"ouvert_maintenant": parseOpenNow,
	"ouvert_le":         parseOpenAt,
	"q":                 parseText,
	"f":                 parseFormat,
	"filter":            parseFilter,
	"filter-lang":       parseFilterLang,
	"filter-crs":        parseFilterCRS,
}

// ParamNames lists the items routes' query parameters, sorted.
func ParamNames() []string {
	var out []string
	for name := range itemParams {
		out = append(out, name)
	}
	for _, f := range readmodel.Facets {
		out = append(out, f.Name)
	}
	slices.Sort(out)
	return out
}

// parseContext is what parameters are read against: the request's time
// (ouvert_maintenant) and the read model (the point of a commune the
// referential has no centre for).
type parseContext struct {
	now   time.Time
	model *readmodel.Model
}

// parseItemsQuery reads an items request's parameters. An unknown
// parameter, a repeated one, or a value out of its domain is an error
// naming the parameter.
func parseItemsQuery(v url.Values, pc parseContext) (*itemsQuery, error) {
	q := &itemsQuery{Query: readmodel.Query{Limit: DefaultLimit, Radius: DefaultRadius}, format: "geojson", canonical: url.Values{}}
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range v {
			if !yield(name) {
				return
			}
		}
	})
	for _, name := range names {
		values := v[name]
		if len(values) > 1 {
			return nil, paramError(name, "given %d times; give it once (several values: separated by commas)", len(values))
		}
		if err := q.parse(name, values[0], pc); err != nil {
			return nil, err
		}
	}
	if v.Has("radius") && q.Near == nil {
		return nil, paramError("radius", "needs a point to measure from: near, commune or adresse")
	}
	if n := countSet(v, "near", "commune", "adresse"); n > 1 {
		return nil, paramError("near", "near, commune and adresse each give the point to search around: give one")
	}
	if v.Has("ouvert_maintenant") && v.Has("ouvert_le") && q.opensOn.IsZero() {
		return nil, paramError("ouvert_le", "give ouvert_maintenant or an ouvert_le date and time, not both")
	}
	if !q.opensOn.IsZero() {
		q.Match = opensOn(q.opensOn, q.Match)
	}
	if q.Near != nil {
		q.canonical.Set("radius", strconv.FormatFloat(q.Radius, 'f', -1, 64))
	}
	if c := cmp.Or(q.After, q.Before); c != nil && c.ByDistance != (q.Near != nil) {
		return nil, paramError("cursor", "it belongs to a search sorted otherwise (by distance or by id): follow the links of this search")
	}
	return q, nil
}

func (q *itemsQuery) parse(name, value string, pc parseContext) error {
	if parse, ok := itemParams[name]; ok {
		return parse(q, value, pc)
	}
	if _, ok := readmodel.FacetNamed(name); ok {
		return parseFacet(q, name, value)
	}
	return paramError(name, "unknown parameter (known: %s)", strings.Join(ParamNames(), ", "))
}

func countSet(v url.Values, names ...string) int {
	n := 0
	for _, name := range names {
		if v.Has(name) {
			n++
		}
	}
	return n
}

// paramError is an error naming a query parameter.
func paramError(name, format string, args ...any) error {
	return fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
}

func parseLimit(q *itemsQuery, s string, _ parseContext) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return paramError("limit", "%s is not an integer between 1 and %d", quoted(s), MaxLimit)
	}
	q.Limit = n
	q.canonical.Set("limit", strconv.Itoa(n))
	return nil
}

func parseBBoxParam(q *itemsQuery, s string, _ parseContext) error {
	b, err := parseBBox(s)
	if err != nil {
		return err
	}
	q.BBox = (*[4]float64)(&b)
	q.canonical.Set("bbox", formatFloats(b[:]))
	return nil
}

func parseNear(q *itemsQuery, s string, _ parseContext) error {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return paramError("near", "%s: lon,lat expected (WGS84, as in 2.35,48.85)", quoted(s))
	}
	lon, err1 := parseDecimal(strings.TrimSpace(parts[0]))
	lat, err2 := parseDecimal(strings.TrimSpace(parts[1]))
	if err1 != nil || err2 != nil || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return paramError("near", "%s: lon,lat expected, within -180..180 and -90..90", quoted(s))
	}
	q.Near = &readmodel.Point{Lon: lon, Lat: lat}
	q.canonical.Set("near", formatFloats([]float64{lon, lat}))
	return nil
}

// parseCommune takes an INSEE code of the embedded referential (a
// current, delegated or former commune): the search is around its centre.
func parseCommune(q *itemsQuery, s string, pc parseContext) error {
	c, ok := geo.Communes().Commune(strings.TrimSpace(s))
	if !ok {
		return paramError("commune", "%s is not an INSEE code of a commune", quoted(s))
	}
	return q.around("commune", c, pc)
}

// around makes the query search around a commune's point.
func (q *itemsQuery) around(param string, c *geo.Commune, pc parseContext) error {
	p, ok := communePoint(pc.model, c)
	if !ok {
		return paramError(param, "%s (%s) has no known centre, and no lieu there has a point", c.Code, c.Name)
	}
	q.Near = &p
	q.canonical.Set("commune", c.Code) // by code or by name: the same search
	return nil
}

// parseAdresse finds the point of a commune name, a postcode, or
// « postcode name », with the embedded referential (offline).
func parseAdresse(q *itemsQuery, s string, pc parseContext) error {
	if len(s) > 200 {
		return paramError("adresse", "longer than 200 bytes")
	}
	c, err := geo.Communes().Place(s)
	if err != nil {
		return paramError("adresse", "%s: %v", quoted(s), err)
	}
	return q.around("adresse", c, pc)
}

func parseRadius(q *itemsQuery, s string, _ parseContext) error {
	r, err := parseDecimal(s)
	if err != nil || r <= 0 || r > MaxRadius {
		return paramError("radius", "%s is not a distance in metres between 1 and %d", quoted(s), MaxRadius)
	}
	q.Radius = r
	return nil
}

func parseOpenNow(q *itemsQuery, s string, c parseContext) error {
	switch s {
	case "true", "1", "oui":
		q.Open = &readmodel.OpenTime{At: c.now}
		q.openNow = true
		q.canonical.Set("ouvert_maintenant", "true")
	case "false", "0", "non":
	default:
		return paramError("ouvert_maintenant", "%s: true or false expected", quoted(s))
	}
	return nil
}

// parseOpenAt reads a date and time: with an offset or Z, an instant;
// without, a wall-clock time read in each lieu's own zone (« samedi à
// 10 h » where the lieu is).
func parseOpenAt(q *itemsQuery, s string, _ parseContext) error {
	if day, err := time.Parse(time.DateOnly, s); err == nil {
		q.opensOn = day
		q.canonical.Set("ouvert_le", day.Format(time.DateOnly))
		return nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			q.Open = &readmodel.OpenTime{At: t}
			q.canonical.Set("ouvert_le", t.UTC().Format(time.RFC3339))
			return nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			q.Open = &readmodel.OpenTime{At: t, Local: true}
			q.canonical.Set("ouvert_le", t.Format("2006-01-02T15:04:05"))
			return nil
		}
	}
	return paramError("ouvert_le", "%s: a date and time expected, as 2026-12-05T10:00 (the lieu's local time) or 2026-12-05T10:00:00+01:00, or a date alone (2026-12-05: open at some time that day)", quoted(s))
}

func parseText(q *itemsQuery, s string, _ parseContext) error {
	if len(s) > 200 {
		return paramError("q", "longer than 200 bytes")
	}
	q.Words = readmodel.QueryWords(s)
	if len(q.Words) > 0 {
		q.canonical.Set("q", strings.Join(q.Words, " "))
	}
	return nil
}

func parseFormat(q *itemsQuery, s string, _ parseContext) error {
	switch s {
	case "json", "geojson":
		q.format = "geojson"
	case "csv":
		q.format = "csv"
	default:
		return paramError("f", "%s: json, geojson or csv", quoted(s))
	}
	q.canonical.Set("f", q.format)
	return nil
}

// opensOn adds to a query's condition (nil: none) that the lieu opens at
// some time of a day.
func opensOn(day time.Time, and func(*readmodel.Entry) bool) func(*readmodel.Entry) bool {
	return func(e *readmodel.Entry) bool { return (and == nil || and(e)) && e.OpensOn(day) }
}

// parseFilter compiles a CQL2 text filter (OGC API – Features Part 3).
func parseFilter(q *itemsQuery, s string, _ parseContext) error {
	match, err := readmodel.CompileFilter(s)
	if err != nil {
		return paramError("filter", "%v", err)
	}
	q.Match = match
	q.canonical.Set("filter", strings.TrimSpace(s))
	return nil
}

func parseFilterLang(_ *itemsQuery, s string, _ parseContext) error {
	if s != "cql2-text" {
		return paramError("filter-lang", "%s: only cql2-text is read", quoted(s))
	}
	return nil
}

func parseFilterCRS(_ *itemsQuery, s string, _ parseContext) error {
	if s != crs84 {
		return paramError("filter-crs", "%s: only %s (longitude, latitude) is read", quoted(s), crs84)
	}
	return nil
}

// maxFacetValues bounds the values of one facet parameter.
const maxFacetValues = 50

// parseFacet reads a comma-separated list of values, any of which a lieu
// must hold; values are compared folded (case, accents, punctuation).
func parseFacet(q *itemsQuery, name, s string) error {
	var values []string
	for _, v := range strings.Split(s, ",") {
		if f := readmodel.FoldValue(v); f != "" {
			values = append(values, f)
		}
	}
	if len(values) == 0 {
		return paramError(name, "no value given")
	}
	if len(values) > maxFacetValues {
		return paramError(name, "%d values; at most %d", len(values), maxFacetValues)
	}
	slices.Sort(values)
	values = slices.Compact(values)
	if q.Facets == nil {
		q.Facets = map[string][]string{}
	}
	q.Facets[name] = values
	q.canonical.Set(name, strings.Join(values, ","))
	return nil
}

// parseDatetime reads an RFC 3339 date-time or date, or an interval of
// them (start/end, ".." or empty for an open end), matched on date_maj.
func parseDatetime(q *itemsQuery, s string, _ parseContext) error {
	start, end, interval := strings.Cut(s, "/")
	from, err := parseMoment(start, interval)
	if err != nil {
		return paramError("datetime", "%s: %v", quoted(s), err)
	}
	to := from
	if interval {
		if to, err = parseMoment(end, true); err != nil {
			return paramError("datetime", "%s: %v", quoted(s), err)
		}
		if from.IsZero() && to.IsZero() {
			return paramError("datetime", "%s: both ends open", quoted(s))
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return paramError("datetime", "%s: the end is before the start", quoted(s))
	}
	// date_maj is a day: a moment selects its day
	q.UpdatedFrom, q.UpdatedTo = day(from), day(to)
	q.canonical.Set("datetime", formatDay(q.UpdatedFrom)+"/"+formatDay(q.UpdatedTo))
	return nil
}

func parseMoment(s string, openAllowed bool) (time.Time, error) {
	if s == "" || s == ".." {
		if !openAllowed {
			return time.Time{}, fmt.Errorf("an open end is only allowed in an interval")
		}
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s is not an RFC 3339 date-time or date", quoted(s))
}

func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func formatDay(t time.Time) string {
	if t.IsZero() {
		return ".."
	}
	return t.Format(time.DateOnly)
}

func formatFloats(fs []float64) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

// A cursor is opaque to clients: base64url of "a" (after) or "b"
// (before), then the distance when the search sorts by it (or "-"), then
// the id, separated by a NUL.
func encodeCursor(before bool, c readmodel.Cursor, byDistance bool) string {
	dir, dist := "a", "-"
	if before {
		dir = "b"
	}
	if byDistance {
		dist = strconv.FormatFloat(c.Distance, 'g', -1, 64)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(dir + "\x00" + dist + "\x00" + c.ID))
}

func parseCursor(q *itemsQuery, s string, _ parseContext) error {
	bad := paramError("cursor", "not a cursor returned by this API")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad
	}
	parts := strings.SplitN(string(b), "\x00", 3)
	if len(parts) != 3 || parts[0] != "a" && parts[0] != "b" || !validKey(parts[2]) {
		return bad
	}
	c := readmodel.Cursor{ID: parts[2]}
	if parts[1] != "-" {
		if c.Distance, err = strconv.ParseFloat(parts[1], 64); err != nil || c.Distance < 0 {
			return bad
		}
		c.ByDistance = true
	}
	if parts[0] == "b" {
		q.Before = &c
	} else {
		q.After = &c
	}
	q.canonical.Set("cursor", s)
	return nil
}
