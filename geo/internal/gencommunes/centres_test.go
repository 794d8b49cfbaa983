package main

import (
	"math"
	"testing"
)

// TestSpacings: on a meridian, centres 1 km apart: each one's 4th nearest
// neighbour is 2 km away in the middle, 4 km at the ends.
func TestSpacings(t *testing.T) {
	const step = 1000 / metresPerDegree
	var pts []namedPoint
	for i, code := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		pts = append(pts, namedPoint{code: code, lon: 2, lat: 46 + float64(i)*step})
	}
	got := spacings(pts)
	for code, want := range map[string]float64{"a": 4000, "b": 3000, "c": 2000, "d": 2000, "e": 2000, "f": 3000, "g": 4000} {
		if c := got[code]; math.Abs(c.spacing-want) > 1 {
			t.Errorf("%s: spacing %.1f m, want %.0f", code, c.spacing, want)
		}
	}
	if few := spacings(pts[:3]); len(few) != 0 {
		t.Errorf("three centres have no 4th neighbour, got %v", few)
	}
}

func TestCentreColumns(t *testing.T) {
	if got := (centre{}).columns(); got != "\t\t" {
		t.Errorf("unknown centre: %q", got)
	}
	if got := (centre{lon: 4.92601, lat: 46.15674, spacing: 4227.4}).columns(); got != "4.9260\t46.1567\t4227" {
		t.Errorf("columns %q", got)
	}
}
