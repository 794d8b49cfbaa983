package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema/hours"
)

// frenchDays are the days of the week, Sunday first (time.Weekday).
var frenchDays = [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

// status says in French whether a lieu is open at now, at its own clock,
// and when that changes: « Ouvert · ferme à 17 h », « Fermé · ouvre
// lundi à 9 h », « Horaires non communiqués ».
func status(e *readmodel.Entry, now time.Time) (text string, open bool) {
	s := e.Schedule()
	if s == nil {
		return "Horaires non communiqués", false
	}
	local := now.In(e.Zone())
	open = e.OpenAt(now)
	next, ok := s.NextChange(local)
	switch {
	case open && ok:
		return "Ouvert · ferme " + when(local, next), true
	case open:
		return "Ouvert", true
	case ok:
		return "Fermé · ouvre " + when(local, next), false
	}
	return "Fermé", false
}

// when is a coming time in French, from now: « à 17 h », « demain à
// 9 h », « lundi à 9 h », « le 3 janvier à 9 h ».
func when(now, t time.Time) string {
	days := int(dayOf(t).Sub(dayOf(now)).Hours()/24 + 0.5)
	switch {
	case days == 0:
		return "à " + clock(t)
	case days == 1:
		return "demain à " + clock(t)
	case days < 7:
		return frenchDays[t.Weekday()] + " à " + clock(t)
	}
	return fmt.Sprintf("le %d %s à %s", t.Day(), frenchMonths[t.Month()-1], clock(t))
}

var frenchMonths = [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
}

// clock is a time of day in French: « 9 h », « 17 h 30 ».
func clock(t time.Time) string {
	if t.Minute() == 0 {
		return fmt.Sprintf("%d h", t.Hour())
	}
	return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute())
}

// dayHours are the opening hours of each day of the week of now (Monday
// first), in French (« 9 h – 12 h, 14 h – 17 h », « Fermé »), read at
// the lieu's clock.
func dayHours(e *readmodel.Entry, now time.Time) [][2]string {
	s := e.Schedule()
	if s == nil {
		return nil
	}
	local := now.In(e.Zone())
	monday := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, local.Location())
	monday = monday.AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	var out [][2]string
	for d := range 7 {
		day := monday.AddDate(0, 0, d)
		spans := openSpans(s, day, day.AddDate(0, 0, 1))
		text := "Fermé"
		if len(spans) > 0 {
			text = strings.Join(spans, ", ")
		}
		out = append(out, [2]string{frenchDays[day.Weekday()], text})
	}
	return out
}

// openSpans walks a schedule's changes from one time to another.
func openSpans(s *hours.Schedule, from, to time.Time) []string {
	var out []string
	t, open := from, s.IsOpen(from)
	for range 48 {
		next, ok := s.NextChange(t)
		end := to
		if ok && next.Before(to) {
			end = next
		}
		if open {
			out = append(out, clock(t)+" – "+endClock(end, to))
		}
		if !ok || !next.Before(to) {
			break
		}
		t, open = next, !open
	}
	return out
}

// endClock is the end of a span: « 24 h » at the day's end.
func endClock(end, dayEnd time.Time) string {
	if end.Equal(dayEnd) {
		return "24 h"
	}
	return clock(end)
}
