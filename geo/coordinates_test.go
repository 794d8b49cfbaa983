package geo_test

import (
	"fmt"
	"testing"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/schema"
)

func ptr(f float64) *float64 { return &f }

func TestCheckCoordinates(t *testing.T) {
	cases := []struct {
		name     string
		cp       string
		lat, lon *float64
		rule     string
		want     string // "lat,lon" after the check, "" when dropped
	}{
		{"metropolitan point", "13500", ptr(43.40), ptr(5.05), "", "43.4,5.05"},
		{"swapped pair", "13500", ptr(5.05), ptr(43.40), "coordinates-swapped", "43.4,5.05"},
		{"Nouvelle-Calédonie", "98800", ptr(-22.23), ptr(166.47), "", "-22.23,166.47"},
		{"Saint-Martin (postcode 971…)", "97150", ptr(18.058), ptr(-63.1008), "", "18.058,-63.1008"},
		{"Réunion point with a Paris postcode", "75001", ptr(-21.1), ptr(55.5), "coordinates-wrong-territory", ""},
		{"outside France", "75001", ptr(40.7), ptr(-74.0), "coordinates-outside-france", ""},
		{"zero placeholder", "75001", ptr(0), ptr(0), "coordinates-zero", ""},
		{"only latitude", "75001", ptr(48.8), nil, "coordinates-incomplete", ""},
		{"no coordinates", "75001", nil, nil, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := schema.Lieu{CodePostal: c.cp, Latitude: c.lat, Longitude: c.lon}
			issues := geo.CheckCoordinates(&l)
			rule := ""
			if len(issues) > 0 {
				rule = issues[0].Rule
			}
			got := ""
			if lon, lat, ok := l.Point(); ok {
				got = fmt.Sprint(lat) + "," + fmt.Sprint(lon)
			}
			if rule != c.rule || got != c.want {
				t.Errorf("rule %q point %q; want %q %q", rule, got, c.rule, c.want)
			}
		})
	}
}

func TestTerritoryOf(t *testing.T) {
	for cp, want := range map[string]string{"97110": "Guadeloupe", "97150": "Saint-Barthélemy et Saint-Martin", "97133": "Saint-Barthélemy et Saint-Martin", "98800": "Nouvelle-Calédonie", "20000": "France métropolitaine", "": "France métropolitaine"} {
		if got := geo.TerritoryOf(cp).Name; got != want {
			t.Errorf("%q → %s, want %s", cp, got, want)
		}
	}
}
