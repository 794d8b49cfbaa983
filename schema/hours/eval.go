package hours

import (
	"slices"
	"time"
)

// IsOpen reports whether the schedule says open at t (in t's location).
// "unknown" counts as closed.
func (s *Schedule) IsOpen(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	for _, sp := range s.spansAround(t) {
		if m >= sp.From && m < sp.To {
			return true
		}
	}
	return false
}

// NextChange returns the first moment after t when the state changes, and
// false when it never does within a year (24/7, or always closed).
func (s *Schedule) NextChange(t time.Time) (time.Time, bool) {
	open := s.IsOpen(t)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for d := 0; d <= 366; d++ {
		base := day.AddDate(0, 0, d)
		var bounds []int
		for _, sp := range s.spansAround(base) {
			bounds = append(bounds, sp.From, sp.To)
		}
		slices.Sort(bounds)
		for _, b := range bounds {
			at := base.Add(time.Duration(b) * time.Minute)
			if b < 0 || b > 24*60 || !at.After(t) {
				continue
			}
			if s.IsOpen(at) != open {
				return at, true
			}
		}
	}
	return time.Time{}, false
}

// spansAround returns the open spans of t's day, in minutes of that day,
// including what the previous day's spans carry past midnight.
func (s *Schedule) spansAround(t time.Time) []TimeSpan {
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	spans := s.daySpans(today)
	for _, sp := range s.daySpans(today.AddDate(0, 0, -1)) {
		if sp.To > 24*60 {
			spans = append(spans, TimeSpan{From: 0, To: sp.To - 24*60})
		}
	}
	return spans
}

// daySpans applies the rules in order to one date.
func (s *Schedule) daySpans(day time.Time) []TimeSpan {
	var spans []TimeSpan
	matched := false
	for _, r := range s.Rules {
		if !r.matches(day) || r.Kind == Fallback && matched {
			continue
		}
		own := r.spans()
		switch {
		case r.Kind == Additional:
			spans = append(spans, own...)
		default:
			spans = own
		}
		matched = true
	}
	return spans
}

func (r Rule) spans() []TimeSpan {
	switch {
	case r.State == "off" || r.State == "closed" || r.State == "unknown":
		return nil
	case r.AlwaysOpen || len(r.Times) == 0:
		return []TimeSpan{{From: 0, To: 24 * 60}}
	}
	return slices.Clone(r.Times)
}

// matches reports whether the rule's date selectors select day.
func (r Rule) matches(day time.Time) bool {
	if r.AlwaysOpen {
		return true
	}
	if len(r.Months) > 0 && !slices.ContainsFunc(r.Months, func(m MonthRange) bool { return m.contains(day) }) {
		return false
	}
	if len(r.Weeks) > 0 && !slices.ContainsFunc(r.Weeks, func(w WeekRange) bool { return w.contains(day) }) {
		return false
	}
	if len(r.Weekdays) == 0 && len(r.Holidays) == 0 {
		return true
	}
	if slices.Contains(r.Holidays, "PH") && IsPublicHoliday(day) {
		return true
	}
	return slices.ContainsFunc(r.Weekdays, func(w WeekdayRange) bool { return w.contains(day) })
}

func (m MonthRange) contains(day time.Time) bool {
	from, to := m.FromMonth*100+max(m.FromDay, 1), m.ToMonth*100+m.ToDay
	if m.ToDay == 0 {
		to = m.ToMonth*100 + 31
	}
	d := int(day.Month())*100 + day.Day()
	if from <= to {
		return d >= from && d <= to
	}
	return d >= from || d <= to // wraps the year: Nov-Feb
}

func (w WeekRange) contains(day time.Time) bool {
	_, week := day.ISOWeek()
	if week < w.From || week > w.To {
		return false
	}
	return w.Step <= 1 || (week-w.From)%w.Step == 0
}

func (w WeekdayRange) contains(day time.Time) bool {
	wd := (int(day.Weekday()) + 6) % 7 // Monday = 0
	in := wd >= w.From && wd <= w.To
	if w.From > w.To {
		in = wd >= w.From || wd <= w.To // Sa-Mo
	}
	if !in || len(w.Nth) == 0 {
		return in
	}
	nth := (day.Day()-1)/7 + 1
	last := -((daysIn(day)-day.Day())/7 + 1)
	return slices.Contains(w.Nth, nth) || slices.Contains(w.Nth, last)
}

func daysIn(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
}

// IsPublicHoliday reports whether day is a French public holiday (jour
// férié national): 1 Jan, Easter Monday, 1 and 8 May, Ascension, Whit
// Monday, 14 Jul, 15 Aug, 1 and 11 Nov, 25 Dec.
func IsPublicHoliday(day time.Time) bool {
	m, d := day.Month(), day.Day()
	switch {
	case m == time.January && d == 1, m == time.May && (d == 1 || d == 8), m == time.July && d == 14,
		m == time.August && d == 15, m == time.November && (d == 1 || d == 11), m == time.December && d == 25:
		return true
	}
	easter := Easter(day.Year())
	for _, offset := range []int{1, 39, 50} {
		h := easter.AddDate(0, 0, offset)
		if h.Month() == m && h.Day() == d {
			return true
		}
	}
	return false
}

// Easter returns Easter Sunday of a year (anonymous Gregorian algorithm).
func Easter(year int) time.Time {
	a, b, c := year%19, year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// MentionsPublicHolidays reports whether a rule of the schedule selects
// public holidays (PH): the schedule then says itself what they are.
func (s *Schedule) MentionsPublicHolidays() bool {
	for _, r := range s.Rules {
		if slices.Contains(r.Holidays, "PH") {
			return true
		}
	}
	return false
}

// OpensOn says whether the schedule gives opening hours on a day.
func (s *Schedule) OpensOn(day time.Time) bool { return len(s.daySpans(day)) > 0 }
