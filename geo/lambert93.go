package geo

import "math"

// Lambert-93 (EPSG:2154): Lambert conformal conic with two standard
// parallels on GRS80 / RGF93, the projection French administrations export
// as "X, Y". RGF93 and WGS84 differ by less than a metre.
const (
	l93A     = 6378137.0
	l93InvF  = 298.257222101
	l93Lat1  = 49.0 * math.Pi / 180
	l93Lat2  = 44.0 * math.Pi / 180
	l93Lat0  = 46.5 * math.Pi / 180
	l93Lon0  = 3.0 * math.Pi / 180
	l93X0    = 700000.0
	l93Y0    = 6600000.0
	l93Iters = 12
)

// lambert93 holds the derived constants of the projection.
var lambert93 = func() struct{ e, n, aF, r0 float64 } {
	f := 1 / l93InvF
	e := math.Sqrt(2*f - f*f)
	m := func(lat float64) float64 { s := math.Sin(lat); return math.Cos(lat) / math.Sqrt(1-e*e*s*s) }
	t := func(lat float64) float64 {
		s := math.Sin(lat)
		return math.Tan(math.Pi/4-lat/2) / math.Pow((1-e*s)/(1+e*s), e/2)
	}
	n := (math.Log(m(l93Lat1)) - math.Log(m(l93Lat2))) / (math.Log(t(l93Lat1)) - math.Log(t(l93Lat2)))
	aF := l93A * m(l93Lat1) / (n * math.Pow(t(l93Lat1), n))
	return struct{ e, n, aF, r0 float64 }{e, n, aF, aF * math.Pow(t(l93Lat0), n)}
}()

// IsLambert93 reports whether x (easting) and y (northing), in metres, fall
// in the Lambert-93 extent of metropolitan France.
func IsLambert93(x, y float64) bool {
	return x >= 50_000 && x <= 1_300_000 && y >= 6_000_000 && y <= 7_200_000
}

// FromLambert93 converts Lambert-93 metres to WGS84 degrees (inverse of
// the conic, EPSG Guidance Note 7-2 §1.3.1.1, latitude by iteration).
func FromLambert93(x, y float64) (lat, lon float64) {
	p := lambert93
	dx, dy := x-l93X0, p.r0-(y-l93Y0)
	r := math.Copysign(math.Hypot(dx, dy), p.n)
	t := math.Pow(r/p.aF, 1/p.n)
	theta := math.Atan2(dx, dy)
	phi := math.Pi/2 - 2*math.Atan(t)
	for range l93Iters {
		s := math.Sin(phi)
		phi = math.Pi/2 - 2*math.Atan(t*math.Pow((1-p.e*s)/(1+p.e*s), p.e/2))
	}
	return phi * 180 / math.Pi, (theta/p.n + l93Lon0) * 180 / math.Pi
}

// ToLambert93 converts WGS84 degrees to Lambert-93 metres (the conic's
// forward formulas, EPSG Guidance Note 7-2 §1.3.1.1): what producers
// export as "X, Y".
func ToLambert93(lat, lon float64) (x, y float64) {
	p := lambert93
	phi, lambda := lat*math.Pi/180, lon*math.Pi/180
	s := math.Sin(phi)
	t := math.Tan(math.Pi/4-phi/2) / math.Pow((1-p.e*s)/(1+p.e*s), p.e/2)
	r := p.aF * math.Pow(t, p.n)
	theta := p.n * (lambda - l93Lon0)
	return l93X0 + r*math.Sin(theta), l93Y0 + p.r0 - r*math.Cos(theta)
}

// distanceMetres is the haversine distance between two WGS84 points.
func distanceMetres(lat1, lon1, lat2, lon2 float64) float64 {
	const earth = 6371008.8
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earth * math.Asin(math.Sqrt(h))
}

// Distance is the great-circle distance between two points, in metres.
func Distance(a, b Point) float64 { return distanceMetres(a.Lat, a.Lon, b.Lat, b.Lon) }
