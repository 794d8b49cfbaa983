package readmodel

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/maillage/maillage/schema/hours"
)

// holidaysTSV lists the public holidays some territories observe on top
// of the national ones.
//
//go:embed data/holidays.tsv
var holidaysTSV string

// localHolidays is holidaysTSV parsed: territory prefix → its days.
var localHolidays = loadHolidays()

// holiday is a day of the year, fixed or moving with Easter.
type holiday struct {
	month, day  int
	easter      bool
	easterShift int
}

func loadHolidays() map[string][]holiday {
	out := map[string][]holiday{}
	for n, line := range strings.Split(strings.TrimSpace(holidaysTSV), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		code, days, ok := strings.Cut(line, "\t")
		if !ok {
			panic(fmt.Sprintf("readmodel: data/holidays.tsv line %d: no tab", n+1))
		}
		for _, d := range strings.Split(days, ",") {
			h, err := parseHoliday(strings.TrimSpace(d))
			if err != nil {
				panic(fmt.Sprintf("readmodel: data/holidays.tsv line %d: %v", n+1, err))
			}
			out[code] = append(out[code], h)
		}
	}
	return out
}

func parseHoliday(s string) (holiday, error) {
	if rest, ok := strings.CutPrefix(s, "easter"); ok {
		n, err := strconv.Atoi(rest)
		return holiday{easter: true, easterShift: n}, err
	}
	t, err := time.Parse("01-02", s)
	return holiday{month: int(t.Month()), day: t.Day()}, err
}

func (h holiday) is(day time.Time) bool {
	if h.easter {
		e := hours.Easter(day.Year()).AddDate(0, 0, h.easterShift)
		return e.Month() == day.Month() && e.Day() == day.Day()
	}
	return int(day.Month()) == h.month && day.Day() == h.day
}

// isPublicHoliday says whether day (a date in the lieu's zone) is a
// public holiday where the lieu is: a national one, or one of its
// territory's.
func isPublicHoliday(day time.Time, territory string) bool {
	if hours.IsPublicHoliday(day) {
		return true
	}
	for _, h := range localHolidays[territory] {
		if h.is(day) {
			return true
		}
	}
	return false
}
