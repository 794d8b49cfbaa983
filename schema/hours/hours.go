// Package hours reads, writes and evaluates OpenStreetMap opening_hours
// (https://wiki.openstreetmap.org/wiki/Key:opening_hours) as the national
// standard's `horaires` field uses them, and converts what sources really
// contain — French free text, per-day columns — into valid OSM strings.
//
// Supported syntax: rule sequences separated by "; " (normal), ", "
// (additional) and " || " (fallback); "24/7"; month and date ranges (Jan,
// Jan-Mar, Dec 24, Dec 24-26, Jul 14-Aug 15); weekday ranges and lists
// with nth occurrences (Mo-Fr, Mo,We, Su[1], Su[-1]); public and school
// holidays (PH, SH); several time spans, open ends ("+") and spans past
// midnight (22:00-02:00); states open/off/closed/unknown; comments.
package hours

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Weekdays in OSM order.
var weekdayNames = []string{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"}

var monthNames = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Schedule is a parsed opening_hours value.
type Schedule struct {
	Rules []Rule
}

// Rule is one rule of a sequence.
type Rule struct {
	// Kind says how the rule joins the previous one.
	Kind       RuleKind
	AlwaysOpen bool
	Weeks      []WeekRange
	Months     []MonthRange
	Weekdays   []WeekdayRange
	Holidays   []string
	Times      []TimeSpan
	// State is "" (open), "off", "closed" or "unknown".
	State   string
	Comment string
}

// RuleKind is the separator before a rule.
type RuleKind int

// Rule kinds.
const (
	Normal     RuleKind = iota // "; " — overrides previous rules on its days
	Additional                 // ", " — adds to them
	Fallback                   // " || " — applies where nothing else did
)

// MonthRange selects months or dates; a zero day means the whole month.
type MonthRange struct {
	FromMonth, FromDay, ToMonth, ToDay int
}

// WeekRange selects ISO weeks From-To, every Step-th (Step 0 or 1: all).
type WeekRange struct {
	From, To, Step int
}

// WeekdayRange selects weekdays (0 = Monday); Nth restricts to the n-th
// (1..5) or n-th last (-1..-5) occurrence in the month.
type WeekdayRange struct {
	From, To int
	Nth      []int
}

// TimeSpan is [From, To) in minutes from midnight; To may pass 24:00.
type TimeSpan struct {
	From, To int
	OpenEnd  bool
}

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("hours: invalid opening_hours")

// Parse reads an opening_hours value.
func Parse(s string) (*Schedule, error) {
	p := &parser{s: strings.TrimSpace(s)}
	if p.s == "" {
		return nil, fmt.Errorf("%w: empty", ErrSyntax)
	}
	sched := &Schedule{}
	kind := Normal
	for {
		r, err := p.rule()
		if err != nil {
			return nil, err
		}
		r.Kind = kind
		sched.Rules = append(sched.Rules, r)
		p.spaces()
		if p.done() {
			return sched, nil
		}
		switch {
		case p.eat(";"):
			kind = Normal
		case p.eat("||"):
			kind = Fallback
		case p.eat(","):
			kind = Additional
		default:
			return nil, p.errorf("expected ';', ',' or '||'")
		}
	}
}

// Valid reports whether s is a valid opening_hours value.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

type parser struct {
	s   string
	pos int
}

func (p *parser) done() bool { return p.pos >= len(p.s) }

func (p *parser) spaces() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *parser) eat(tok string) bool {
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *parser) peekWord(words []string) int {
	for i, w := range words {
		if strings.HasPrefix(p.s[p.pos:], w) {
			return i
		}
	}
	return -1
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: at character %d of %q: %s", ErrSyntax, p.pos+1, p.s, fmt.Sprintf(format, args...))
}

func (p *parser) rule() (Rule, error) {
	var r Rule
	p.spaces()
	if p.eat("24/7") {
		r.AlwaysOpen = true
		return r, p.modifier(&r)
	}
	if err := p.weeks(&r); err != nil {
		return r, err
	}
	if err := p.months(&r); err != nil {
		return r, err
	}
	if err := p.days(&r); err != nil {
		return r, err
	}
	if err := p.times(&r); err != nil {
		return r, err
	}
	if len(r.Weeks)+len(r.Months)+len(r.Weekdays)+len(r.Holidays)+len(r.Times) == 0 && !p.startsModifier() {
		return r, p.errorf("expected a selector")
	}
	return r, p.modifier(&r)
}

func (p *parser) startsModifier() bool {
	p.spaces()
	return p.peekWord([]string{"off", "closed", "open", "unknown", `"`}) >= 0
}

// modifier reads an optional state and comment.
func (p *parser) modifier(r *Rule) error {
	p.spaces()
	if i := p.peekWord([]string{"off", "closed", "open", "unknown"}); i >= 0 {
		r.State = []string{"off", "closed", "open", "unknown"}[i]
		p.pos += len(r.State)
		if r.State == "open" {
			r.State = ""
		}
		p.spaces()
	}
	if p.eat(`"`) {
		end := strings.IndexByte(p.s[p.pos:], '"')
		switch {
		case end < 0:
			return p.errorf("unterminated comment")
		case strings.TrimSpace(p.s[p.pos:p.pos+end]) == "":
			return p.errorf("empty comment")
		}
		r.Comment = p.s[p.pos : p.pos+end]
		p.pos += end + 1
	}
	return nil
}

// weeks reads "week 01-53/2,05".
func (p *parser) weeks(r *Rule) error {
	p.spaces()
	if !p.eat("week") {
		return nil
	}
	for {
		p.spaces()
		w := WeekRange{From: p.number(2)}
		if w.From < 1 || w.From > 53 {
			return p.errorf("expected a week number 01-53")
		}
		w.To = w.From
		if p.eat("-") {
			if w.To = p.number(2); w.To < w.From || w.To > 53 {
				return p.errorf("expected a week number after '-'")
			}
			if p.eat("/") {
				if w.Step = p.number(2); w.Step < 1 {
					return p.errorf("expected a step after '/'")
				}
			}
		}
		r.Weeks = append(r.Weeks, w)
		if !p.eat(",") {
			return nil
		}
	}
}

func (p *parser) months(r *Rule) error {
	for {
		p.spaces()
		m := p.peekWord(monthNames)
		if m < 0 {
			return nil
		}
		p.pos += 3
		mr := MonthRange{FromMonth: m + 1, ToMonth: m + 1}
		mr.FromDay = p.optionalDay()
		mr.ToDay = mr.FromDay
		if p.eat("-") {
			if m2 := p.peekWord(monthNames); m2 >= 0 {
				p.pos += 3
				mr.ToMonth, mr.ToDay = m2+1, p.optionalDay()
			} else if d := p.number(2); d > 0 {
				mr.ToDay = d
			} else {
				return p.errorf("expected a month or day after '-'")
			}
		}
		if (mr.FromDay == 0) != (mr.ToDay == 0) {
			return p.errorf("date range mixes a whole month and a day")
		}
		r.Months = append(r.Months, mr)
		if !p.listContinues(monthNames) {
			return nil
		}
	}
}

func (p *parser) optionalDay() int {
	save := p.pos
	p.spaces()
	if d := p.number(2); d >= 1 && d <= 31 && !strings.HasPrefix(p.s[p.pos:], ":") {
		return d
	}
	p.pos = save
	return 0
}

// number reads up to n digits; it returns -1 when there are none.
func (p *parser) number(n int) int {
	start := p.pos
	for p.pos < len(p.s) && p.pos-start < n && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == start {
		return -1
	}
	v, _ := strconv.Atoi(p.s[start:p.pos])
	return v
}

// listContinues consumes a "," when the next item is one of words.
func (p *parser) listContinues(words []string) bool {
	save := p.pos
	if p.eat(",") {
		p.spaces()
		if p.peekWord(words) >= 0 {
			return true
		}
	}
	p.pos = save
	return false
}

var dayWords = append(append([]string{}, weekdayNames...), "PH", "SH")

func (p *parser) days(r *Rule) error {
	for {
		p.spaces()
		i := p.peekWord(dayWords)
		switch {
		case i < 0:
			return nil
		case i >= 7:
			r.Holidays = append(r.Holidays, dayWords[i])
			p.pos += 2
		default:
			wr, err := p.weekdayRange(i)
			if err != nil {
				return err
			}
			r.Weekdays = append(r.Weekdays, wr)
		}
		if !p.listContinues(dayWords) {
			return nil
		}
	}
}

func (p *parser) weekdayRange(from int) (WeekdayRange, error) {
	p.pos += 2
	wr := WeekdayRange{From: from, To: from}
	if p.eat("-") {
		to := p.peekWord(weekdayNames)
		if to < 0 {
			return wr, p.errorf("expected a weekday after '-'")
		}
		p.pos += 2
		wr.To = to
	}
	if p.eat("[") {
		for {
			neg := p.eat("-")
			n := p.number(1)
			if n < 1 || n > 5 {
				return wr, p.errorf("expected an occurrence 1-5")
			}
			if neg {
				n = -n
			}
			wr.Nth = append(wr.Nth, n)
			if !p.eat(",") {
				break
			}
		}
		if !p.eat("]") {
			return wr, p.errorf("expected ']'")
		}
	}
	return wr, nil
}

func (p *parser) times(r *Rule) error {
	for {
		p.spaces()
		if p.pos >= len(p.s) || p.s[p.pos] < '0' || p.s[p.pos] > '9' {
			return nil
		}
		span, err := p.timeSpan()
		if err != nil {
			return err
		}
		r.Times = append(r.Times, span)
		save := p.pos
		if !p.eat(",") {
			return nil
		}
		if p.pos >= len(p.s) || p.s[p.pos] < '0' || p.s[p.pos] > '9' {
			p.pos = save // an additional rule, not another time
			return nil
		}
	}
}

func (p *parser) timeSpan() (TimeSpan, error) {
	from, err := p.clock(24)
	if err != nil {
		return TimeSpan{}, err
	}
	span := TimeSpan{From: from}
	switch {
	case p.eat("-"):
		if span.To, err = p.clock(48); err != nil {
			return span, err
		}
		if span.To <= span.From {
			span.To += 24 * 60 // past midnight: 22:00-02:00
		}
		span.OpenEnd = p.eat("+")
	case p.eat("+"):
		span.To, span.OpenEnd = 24*60, true
	default:
		return span, p.errorf("expected '-' after a time")
	}
	return span, nil
}

// clock reads hh:mm (two digits each) with hh up to maxHour.
func (p *parser) clock(maxHour int) (int, error) {
	hourStart := p.pos
	h := p.number(2)
	if h < 0 || p.pos-hourStart != 2 || h > maxHour || !p.eat(":") {
		return 0, p.errorf("expected a time hh:mm")
	}
	start := p.pos
	m := p.number(2)
	if m < 0 || m > 59 || p.pos-start != 2 || h == maxHour && m > 0 {
		return 0, p.errorf("expected minutes 00-59")
	}
	return h*60 + m, nil
}
