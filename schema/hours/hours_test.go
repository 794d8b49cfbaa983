package hours_test

import (
	"testing"
	"time"

	"github.com/maillage/maillage/schema/hours"
)

func TestParseAndFormat(t *testing.T) {
	cases := []struct{ in, canonical string }{
		{"Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00", "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"},
		{"24/7", "24/7"},
		{"Mo,We,Fr 10:00-12:00", "Mo,We,Fr 10:00-12:00"},
		{"Mo-Sa 09:00-19:00; PH off", "Mo-Sa 09:00-19:00; PH off"},
		{"Tu-Sa 10:00-18:00; Su[1] 14:00-18:00", "Tu-Sa 10:00-18:00; Su[1] 14:00-18:00"},
		{"Jul-Aug Mo-Fr 09:00-12:00; Sep-Jun Mo-Fr 09:00-17:00", "Jul-Aug Mo-Fr 09:00-12:00; Sep-Jun Mo-Fr 09:00-17:00"},
		{"Dec 24-26 off", "Dec 24-26 off"},
		{"Mo-Fr 09:00-12:00 \"sur rendez-vous\"", "Mo-Fr 09:00-12:00 \"sur rendez-vous\""},
		{"Fr 22:00-02:00", "Fr 22:00-02:00"},
		{"Mo 10:00+", "Mo 10:00-24:00+"},
		{"Mo-Fr 08:00-12:00, We 14:00-16:00", "Mo-Fr 08:00-12:00, We 14:00-16:00"},
		{"Mo-Fr 09:00-17:00 || \"sur rendez-vous\"", "Mo-Fr 09:00-17:00 || \"sur rendez-vous\""},
		{"PH,Su off", "Su,PH off"},
		{"We closed", "We closed"},
		{"week 1-53/2 Tu 09:00-12:30; PH off", "week 01-53/2 Tu 09:00-12:30; PH off"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			s, err := hours.Parse(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.String(); got != c.canonical {
				t.Errorf("String() = %q, want %q", got, c.canonical)
			}
			if !hours.Valid(s.String()) {
				t.Errorf("canonical form does not parse: %q", s.String())
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	for _, in := range []string{"", "lundi 9h-12h", "Mo-Fr 9:00-12:00", "Mo-Fr 09:00", "Mo-Fr 25:00-26:00", "Mo-Fr 09:60-10:00",
		"Mo-", "Mo[6] 10:00-12:00", "Mo 10:00-12:00 \"open comment", "Mo 10:00-12:00 foo", "Jan 05-Feb", "Mo-Fr 09:00-12:00;;"} {
		if hours.Valid(in) {
			t.Errorf("%q: want invalid", in)
		}
	}
}

func date(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, time.UTC)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIsOpenAndNextChange(t *testing.T) {
	cases := []struct {
		schedule, at string
		open         bool
		next         string
	}{
		{"Mo-Fr 09:00-12:00,14:00-17:00", "2026-11-24 10:00", true, "2026-11-24 12:00"}, // Tuesday
		{"Mo-Fr 09:00-12:00,14:00-17:00", "2026-11-24 12:30", false, "2026-11-24 14:00"},
		{"Mo-Fr 09:00-12:00,14:00-17:00", "2026-11-27 18:00", false, "2026-11-30 09:00"}, // Friday evening → Monday
		{"Mo-Fr 09:00-17:00; PH off", "2026-11-11 10:00", false, "2026-11-12 09:00"},     // Armistice
		{"Mo-Su 09:00-17:00; PH off", "2026-04-06 10:00", false, "2026-04-07 09:00"},     // Easter Monday 2026
		{"Fr 22:00-02:00", "2026-11-28 01:00", true, "2026-11-28 02:00"},                 // Saturday early morning
		{"Mo-Fr 09:00-17:00; We off", "2026-11-25 10:00", false, "2026-11-26 09:00"},
		{"Mo-Fr 09:00-12:00, We 14:00-16:00", "2026-11-25 15:00", true, "2026-11-25 16:00"},
		{"Dec 24-26 off; Mo-Su 10:00-18:00", "2026-12-25 11:00", true, "2026-12-25 18:00"}, // later rule overrides
		{"Mo-Su 10:00-18:00; Dec 24-26 off", "2026-12-25 11:00", false, "2026-12-27 10:00"},
		{"Su[-1] 10:00-12:00", "2026-11-29 11:00", true, "2026-11-29 12:00"}, // last Sunday of November
		{"Su[-1] 10:00-12:00", "2026-11-22 11:00", false, "2026-11-29 10:00"},
		{"week 01-53/2 Tu 09:00-12:00", "2026-11-24 10:00", false, "2026-12-01 09:00"}, // 24 Nov 2026 is in ISO week 48
		{"week 02-52/2 Tu 09:00-12:00", "2026-11-24 10:00", true, "2026-11-24 12:00"},
	}
	for _, c := range cases {
		t.Run(c.schedule+"@"+c.at, func(t *testing.T) {
			s, err := hours.Parse(c.schedule)
			if err != nil {
				t.Fatal(err)
			}
			at := date(c.at)
			if got := s.IsOpen(at); got != c.open {
				t.Errorf("IsOpen = %v, want %v", got, c.open)
			}
			next, ok := s.NextChange(at)
			if !ok || !next.Equal(date(c.next)) {
				t.Errorf("NextChange = %v %v, want %s", next, ok, c.next)
			}
		})
	}
	s, _ := hours.Parse("24/7")
	if _, ok := s.NextChange(date("2026-11-24 10:00")); ok || !s.IsOpen(date("2026-11-24 03:00")) {
		t.Error("24/7 never changes")
	}
}

func TestEasterAndHolidays(t *testing.T) {
	for year, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28"} {
		if got := hours.Easter(year).Format("2006-01-02"); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
	for _, d := range []string{"2026-01-01", "2026-04-06", "2026-05-14", "2026-05-25", "2026-07-14", "2026-12-25"} {
		if !hours.IsPublicHoliday(date(d + " 00:00")) {
			t.Errorf("%s should be a public holiday", d)
		}
	}
	if hours.IsPublicHoliday(date("2026-11-24 00:00")) {
		t.Error("24 Nov is not a holiday")
	}
}
