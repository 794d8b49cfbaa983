package readmodel

import "math"

// A search by distance compares chords: the straight line between two
// points of the unit sphere grows with the great-circle distance, costs
// a few multiplications where the haversine costs five trigonometric
// functions, and gives the same distance (Distance) once converted.

// unitVector is a point on the unit sphere.
func unitVector(lon, lat float64) [3]float64 {
	const rad = math.Pi / 180
	cosLat := math.Cos(lat * rad)
	return [3]float64{cosLat * math.Cos(lon*rad), cosLat * math.Sin(lon*rad), math.Sin(lat * rad)}
}

// chord2 is the squared chord between two unit vectors.
func chord2(a, b [3]float64) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return dx*dx + dy*dy + dz*dz
}

// chordDistance is the great-circle distance in metres of a squared
// chord.
func chordDistance(c2 float64) float64 {
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(c2)/2))
}

// chord2OfDistance is the squared chord of a distance in metres (a
// distance past the antipode gives the diameter's).
func chord2OfDistance(d float64) float64 {
	c := 2 * math.Sin(math.Min(d/(2*earthRadius), math.Pi/2))
	return c * c
}
