package schema

// Territoire gives the administrative areas of a lieu's commune, for
// territory filters and per-territory exports. Like Placement it is
// maillage's own, not a field of the standard.
type Territoire struct {
	Departement string `json:"departement"`
	Region      string `json:"region"`
	// EPCI is the SIREN of the intercommunality, when the commune has one.
	EPCI string `json:"epci,omitempty"`
}

// Where a lieu's point came from. The standard has no field for it, so it
// travels with the lieu in JSON, GeoJSON and the API, never in the CSV.
const (
	PointFromSource        = "source"         // the producer's coordinates, checked
	PointFromGeocoder      = "geocoder"       // the geocoder placed the address
	PointFromCommuneCentre = "commune_centre" // only the commune was found
)

// Placement says where a lieu's point came from and how precise it is.
type Placement struct {
	Source string `json:"source"`
	// Precision is the geocoder's result type: housenumber, street,
	// locality or municipality; empty for the producer's own points.
	Precision string  `json:"precision,omitempty"`
	Score     float64 `json:"score,omitempty"`
}

// Rank orders placements from best (0) to worst: the producer's checked
// point, then geocoded points by precision, then commune centres, then no
// placement at all.
func (p *Placement) Rank() int {
	if p == nil {
		return 9
	}
	switch p.Source {
	case PointFromSource:
		return 0
	case PointFromCommuneCentre:
		return 8
	}
	switch p.Precision {
	case "housenumber":
		return 1
	case "street":
		return 2
	case "locality":
		return 3
	}
	return 7
}

// Federation says where a lieu that came from another maillage instance
// was first published (Origin: none when it holds a record of this
// instance's own sources) and every other instance whose data it holds
// or that its data came through (Via, in the order met). A lieu made only
// from this instance's own sources has none. Like Placement it is
// maillage's own: it travels in JSON, GeoJSON and the change feed, never
// in the CSV.
type Federation struct {
	Origin Origin   `json:"origin"`
	Via    []string `json:"via,omitempty"`
}

// Origin names a lieu where it was first published: the instance and the
// lieu's id there.
type Origin struct {
	Instance string `json:"instance"`
	ID       string `json:"id"`
}
