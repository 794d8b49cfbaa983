package hours_test

import (
	"errors"
	"testing"

	"github.com/maillage/maillage/schema/hours"
)

func TestFromText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Mo-Fr 09:00-12:00,14:00-18:30", "Mo-Fr 09:00-12:00,14:00-18:30"},
		{"Du lundi au vendredi de 9h à 12h et de 14h à 17h", "Mo-Fr 09:00-12:00,14:00-17:00"},
		{"DU LUNDI AU VENDREDI de 9h à 12h et de 14h à 17h", "Mo-Fr 09:00-12:00,14:00-17:00"},
		{"9h-12h et 14h-17h du lundi au vendredi", "Mo-Fr 09:00-12:00,14:00-17:00"},
		{"Lundi : 9h00-12h00 / 14h-17h", "Mo 09:00-12:00,14:00-17:00"},
		{"Lundi 15h-19h; mardi 10h-13h/14h-21h, mercredi au samedi 10h-13h/14h-19h",
			"Mo 15:00-19:00; Tu 10:00-13:00,14:00-21:00; We-Sa 10:00-13:00,14:00-19:00"},
		{"Lundi 9H30-18H, Mardi Mercredi Vendredi : 9H30-19H Jeudi 9H30-17H30 Samedi 9H30-12H30",
			"Mo 09:30-18:00; Tu,We,Fr 09:30-19:00; Th 09:30-17:30; Sa 09:30-12:30"},
		{"Mardi et Jeudi de 8h30à 12h", "Tu,Th 08:30-12:00"},
		{"Lundi au jeudi 9h-12h15/13h30-16h45", "Mo-Th 09:00-12:15,13:30-16:45"},
		{"Du lundi au vendredi de 9h à 17h, fermé le mercredi", "Mo,Tu,Th,Fr 09:00-17:00"},
		{"Tous les jours de 10h à 18h sauf le mardi", "Mo,We-Su 10:00-18:00"},
		{"Tu, Th 13:30-17:30, Fr 09:00-12:00,13:30-17:30", "Tu,Th 13:30-17:30, Fr 09:00-12:00,13:30-17:30"}, // valid OSM: an additional rule
		{"Sur rendez-vous lundi au jeudi : 9h - 17h; vendredi 9h-16h", "Mo-Th 09:00-17:00 \"sur rendez-vous\"; Fr 09:00-16:00"},
		{"Du lundi au samedi de 9h à midi", "Mo-Sa 09:00-12:00"},
		{"lundi-vendredi 8:30-17:00, jours fériés fermé", "Mo-Fr 08:30-17:00; PH off"},
		{"lundi matin: 8h30-12h / lundi après-midi: 14h-17h", "Mo 08:30-12:00,14:00-17:00"},
		{"Les mardi et jeudi de 15h00 à 19h00 - Les mercredi et vendredi de 9h30 à 13h30", "Tu,Th 15:00-19:00; We,Fr 09:30-13:30"},
		{"Mo-Tu-Th-Fr 09:00-12:00, 14:00-17:00", "Mo,Tu,Th,Fr 09:00-12:00,14:00-17:00"},
		{"Sa 14 :00-18h00", "Sa 14:00-18:00"},
		{"Du lundi au vendredi, de 8h30 à 17h, sans rendez-vous", "Mo-Fr 08:30-17:00"},
		{"week 1-53/2 Tu 09:00-12:30,13:30-15:30; PH off", "week 01-53/2 Tu 09:00-12:30,13:30-15:30; PH off"},
		{"- lundi matin: 8h30-12h30 - mardi matin: 8h30-12h30 - -", "Mo,Tu 08:30-12:30"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := hours.FromText(c.in)
			if err != nil || got != c.want {
				t.Errorf("FromText = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestFromTextRefuses(t *testing.T) {
	for _, in := range []string{"Aux horaires d'ouverture de la structure", "Hebdomadaire", "Du lundi au vendredi",
		"lundi, mardi, jeudi et vendredi après-midi", "Th 08:30-12:00-13:30", "pendant les vacances scolaires 9h-12h", "17h-9h",
		"Ouverture au public (hors coworking) 9h-12h/14h-18h"} {
		if got, err := hours.FromText(in); !errors.Is(err, hours.ErrNotUnderstood) {
			t.Errorf("FromText(%q) = %q, %v; want not understood", in, got, err)
		}
	}
}

func TestFromDays(t *testing.T) {
	cases := []struct {
		cells [7]string
		want  string
	}{
		{[7]string{"09:00 - 12:00 / 13:30 - 17:00", "09:00 - 12:00 / 13:30 - 17:00", "09:00 - 12:00 / 13:30 - 17:00", "09:00 - 12:00 / 13:30 - 17:00", "09:00 - 12:00 / 13:30 - 16:00", "-", ""},
			"Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00"},
		{[7]string{"9:00 - 12:00", "", "9h-12h", "Fermé", "9:00-12:00", "9:00 - 12:00", ""}, "Mo,We,Fr,Sa 09:00-12:00"},
		{[7]string{"10:00 - 13:00 / Après-midi sur RDV", "", "", "", "", "", ""}, "Mo 10:00-13:00 \"sur rendez-vous\""},
		{[7]string{"9h 12h / 13h30 17h", "08 :00-12:00/14:00-17:00"}, "Mo 09:00-12:00,13:30-17:00; Tu 08:00-12:00,14:00-17:00"},
		{[7]string{}, ""},
	}
	for _, c := range cases {
		got, err := hours.FromDays(c.cells)
		if err != nil || got != c.want {
			t.Errorf("FromDays(%q) = %q, %v; want %q", c.cells, got, err, c.want)
		}
	}
	if _, err := hours.FromDays([7]string{"le matin seulement"}); !errors.Is(err, hours.ErrNotUnderstood) {
		t.Errorf("unknown words must fail: %v", err)
	}
}

func TestFromHalfDays(t *testing.T) {
	cases := []struct{ days, amO, amC, pmO, pmC, want string }{
		{"{Lundi,Mardi,Mercredi,Jeudi,Vendredi}", "9h", "12h", "14h", "17h30", "Mo-Fr 09:00-12:00,14:00-17:30"},
		{"{Jeudi}", "09:00", "12:00", "", "", "Th 09:00-12:00"},
		{"mardi au samedi", "", "", "13:30", "18:00", "Tu-Sa 13:30-18:00"},
		{"", "", "", "", "", ""},
	}
	for _, c := range cases {
		got, err := hours.FromHalfDays(c.days, c.amO, c.amC, c.pmO, c.pmC)
		if err != nil || got != c.want {
			t.Errorf("FromHalfDays(%q, …) = %q, %v; want %q", c.days, got, err, c.want)
		}
	}
	for _, bad := range [][5]string{{"", "9h", "12h", "", ""}, {"{Lundi}", "9h", "", "", ""}} {
		if _, err := hours.FromHalfDays(bad[0], bad[1], bad[2], bad[3], bad[4]); !errors.Is(err, hours.ErrNotUnderstood) {
			t.Errorf("FromHalfDays(%q): want not understood, got %v", bad, err)
		}
	}
}
