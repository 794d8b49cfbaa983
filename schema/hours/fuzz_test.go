package hours_test

import (
	"testing"
	"time"

	"github.com/maillage/maillage/schema/hours"
)

// FuzzParse: a value that parses prints to a canonical form that parses
// again to the same canonical form, and can be evaluated.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00", "24/7", "PH off", "week 01-53/2 Tu 09:00-12:00",
		"Dec 24-26 off; Su[-1] 10:00-12:00", "Fr 22:00-02:00 \"late\"", "Mo 10:00+ || \"rdv\"", "Jan-Mar Mo,We 08:00-09:00, Tu 10:00-11:00"} {
		f.Add(s)
	}
	at := time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		sched, err := hours.Parse(s)
		if err != nil {
			return
		}
		canon := sched.String()
		again, err := hours.Parse(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form not stable: %q → %q", canon, again.String())
		}
		sched.IsOpen(at)
		sched.NextChange(at)
	})
}

// FuzzFromText: a converted text is always valid OpenStreetMap syntax.
func FuzzFromText(f *testing.F) {
	for _, s := range []string{"Du lundi au vendredi de 9h à 12h et de 14h à 17h", "9h-12h du lundi au vendredi", "fermé le mercredi",
		"Tous les jours sauf le mardi 10h-18h", "<ul><li>lundi 9h-12h</li></ul>", "Lundi : 9h00-12h00 / 14h-17h", "mo-tu-th 9:00-10:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := hours.FromText(s)
		if err == nil && !hours.Valid(out) {
			t.Fatalf("FromText(%q) = %q, not valid OSM", s, out)
		}
	})
}

// FuzzFromDays: converted day columns are always valid OSM syntax.
func FuzzFromDays(f *testing.F) {
	f.Add("09:00 - 12:00 / 13:30 - 17:00", "9h-12h", "Fermé", "-")
	f.Add("10:00 - 13:00 / Après-midi sur RDV", "", "9h 12h / 13h30 17h", "08 :00-12:00")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		out, err := hours.FromDays([7]string{a, b, c, d, a, b, c})
		if err == nil && out != "" && !hours.Valid(out) {
			t.Fatalf("FromDays = %q, not valid OSM", out)
		}
	})
}
