package hours

import (
	"fmt"
	"strings"
)

// String writes the schedule in canonical form: "; " between rules,
// two-digit times, ranges collapsed ("Mo-Fr 09:00-12:00,14:00-17:00").
func (s *Schedule) String() string {
	var b strings.Builder
	for i, r := range s.Rules {
		if i > 0 {
			b.WriteString([]string{"; ", ", ", " || "}[r.Kind])
		}
		b.WriteString(r.String())
	}
	return b.String()
}

// String writes one rule.
func (r Rule) String() string {
	var parts []string
	if r.AlwaysOpen {
		parts = append(parts, "24/7")
	}
	if len(r.Weeks) > 0 {
		parts = append(parts, "week "+joinMap(r.Weeks, WeekRange.String))
	}
	if len(r.Months) > 0 {
		parts = append(parts, joinMap(r.Months, MonthRange.String))
	}
	var days []string
	for _, w := range r.Weekdays {
		days = append(days, w.String())
	}
	days = append(days, r.Holidays...)
	if len(days) > 0 {
		parts = append(parts, strings.Join(days, ","))
	}
	if len(r.Times) > 0 {
		parts = append(parts, joinMap(r.Times, TimeSpan.String))
	}
	if r.State != "" {
		parts = append(parts, r.State)
	}
	if r.Comment != "" {
		parts = append(parts, `"`+r.Comment+`"`)
	}
	return strings.Join(parts, " ")
}

func joinMap[T any](xs []T, f func(T) string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return strings.Join(out, ",")
}

// String writes a month or date range.
func (m MonthRange) String() string {
	s := monthNames[m.FromMonth-1]
	if m.FromDay > 0 {
		s += fmt.Sprintf(" %02d", m.FromDay)
	}
	switch {
	case m.ToMonth == m.FromMonth && m.ToDay == m.FromDay:
	case m.ToMonth == m.FromMonth && m.FromDay > 0:
		s += fmt.Sprintf("-%02d", m.ToDay)
	default:
		s += "-" + monthNames[m.ToMonth-1]
		if m.ToDay > 0 {
			s += fmt.Sprintf(" %02d", m.ToDay)
		}
	}
	return s
}

// String writes a week range.
func (w WeekRange) String() string {
	s := fmt.Sprintf("%02d", w.From)
	if w.To != w.From {
		s += fmt.Sprintf("-%02d", w.To)
		if w.Step > 1 {
			s += fmt.Sprintf("/%d", w.Step)
		}
	}
	return s
}

// String writes a weekday range.
func (w WeekdayRange) String() string {
	s := weekdayNames[w.From]
	if w.To != w.From {
		s += "-" + weekdayNames[w.To]
	}
	if len(w.Nth) > 0 {
		s += "[" + joinMap(w.Nth, func(n int) string { return fmt.Sprint(n) }) + "]"
	}
	return s
}

// String writes a time span.
func (t TimeSpan) String() string {
	s := clockString(t.From) + "-" + clockString(t.To)
	if t.OpenEnd {
		s += "+"
	}
	return s
}

func clockString(m int) string {
	if m > 24*60 {
		m -= 24 * 60
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}
