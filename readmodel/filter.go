package readmodel

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/maillage/maillage/cql2"
	"github.com/maillage/maillage/schema"
)

// valueKind is the type of a queryable in a filter.
type valueKind int

const (
	kindText valueKind = iota
	kindList
	kindNumber
	kindDate
	kindGeometry
)

var kindNames = map[valueKind]string{kindText: "text", kindList: "an array", kindNumber: "a number", kindDate: "a date", kindGeometry: "the geometry"}

// queryable reads one property of a lieu for a filter.
type queryable struct {
	kind   valueKind
	text   func(*Entry) string
	list   func(*Entry) []string
	number func(*Entry) (float64, bool)
}

// queryables are the properties a filter may name: the standard's fields,
// the territoire's members and the geometry.
var queryables = buildQueryables()

func buildQueryables() map[string]queryable {
	out := map[string]queryable{}
	for _, f := range schema.Fields {
		name := f.Name
		switch {
		case name == "latitude" || name == "longitude":
			out[name] = queryable{kind: kindNumber, number: func(e *Entry) (float64, bool) {
				if !e.HasPoint {
					return 0, false
				}
				if name == "latitude" {
					return e.Lat, true
				}
				return e.Lon, true
			}}
		case name == "date_maj":
			out[name] = queryable{kind: kindDate}
		case f.Kind == schema.KindList:
			out[name] = queryable{kind: kindList, list: func(e *Entry) []string { return e.List(name) }}
		default:
			out[name] = queryable{kind: kindText, text: func(e *Entry) string { return e.Get(name) }}
		}
	}
	for _, name := range []string{"departement", "region", "epci"} {
		q := queryable{kind: kindText, text: func(e *Entry) string { return e.Get(name) }}
		out[name], out["territoire."+name] = q, q
	}
	out["geometry"] = queryable{kind: kindGeometry}
	return out
}

// QueryableNames lists the properties a filter may name, sorted.
func QueryableNames() []string {
	names := make([]string, 0, len(queryables))
	for n := range queryables {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// predicate is a compiled filter.
type predicate func(*Entry) bool

// CompileFilter parses a CQL2 text filter and compiles it into a
// condition on a lieu (Query.Match). Errors are *cql2.Error, at a
// character of the text.
func CompileFilter(text string) (func(*Entry) bool, error) {
	n, err := cql2.Parse(text)
	if err != nil {
		return nil, err
	}
	p, err := compile(n)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func errAt(n *cql2.Node, format string, args ...any) error {
	return &cql2.Error{Pos: n.Pos, Msg: fmt.Sprintf(format, args...)}
}

func compile(n *cql2.Node) (predicate, error) {
	switch n.Kind {
	case cql2.And, cql2.Or:
		a, err := compile(n.Args[0])
		if err != nil {
			return nil, err
		}
		b, err := compile(n.Args[1])
		if err != nil {
			return nil, err
		}
		if n.Kind == cql2.And {
			return func(e *Entry) bool { return a(e) && b(e) }, nil
		}
		return func(e *Entry) bool { return a(e) || b(e) }, nil
	case cql2.Not:
		a, err := compile(n.Args[0])
		if err != nil {
			return nil, err
		}
		return func(e *Entry) bool { return !a(e) }, nil
	case cql2.Boolean:
		v := n.Bool
		return func(*Entry) bool { return v }, nil
	case cql2.Compare:
		return compileCompare(n)
	case cql2.Like:
		return negate(n, compileLike)
	case cql2.In:
		return negate(n, compileIn)
	case cql2.Between:
		return negate(n, compileBetween)
	case cql2.IsNull:
		return negate(n, compileIsNull)
	case cql2.Call:
		return compileCall(n)
	}
	return nil, errAt(n, "%s is not a condition", describe(n))
}

// negate compiles n with c, negated when n says NOT.
func negate(n *cql2.Node, c func(*cql2.Node) (predicate, error)) (predicate, error) {
	p, err := c(n)
	if err != nil || !n.Negated {
		return p, err
	}
	return func(e *Entry) bool { return !p(e) }, nil
}

func describe(n *cql2.Node) string {
	switch n.Kind {
	case cql2.Property:
		return "the property " + n.Text
	case cql2.String:
		return "the string '" + n.Text + "'"
	case cql2.Number:
		return "a number"
	case cql2.Call:
		return n.Op + "(…)"
	case cql2.Array:
		return "a list"
	}
	return "this value"
}

// operand is one side of a comparison, compiled: a property (with its
// text transformed by CASEI / ACCENTI) or a literal.
type operand struct {
	node     *cql2.Node
	prop     *queryable
	fold     func(string) string // CASEI, ACCENTI, or both; nil: none
	literal  bool
	text     string
	number   float64
	date     time.Time
	isDate   bool
	isNumber bool
}

func compileOperand(n *cql2.Node) (operand, error) {
	o := operand{node: n}
	switch n.Kind {
	case cql2.Property:
		q, ok := queryables[n.Text]
		if !ok {
			return o, errAt(n, "unknown property %q (queryables: %s)", n.Text, strings.Join(QueryableNames(), ", "))
		}
		o.prop = &q
	case cql2.String:
		o.literal, o.text = true, n.Text
	case cql2.Number:
		o.literal, o.isNumber, o.number = true, true, n.Num
	case cql2.Call:
		return compileOperandCall(n)
	default:
		return o, errAt(n, "%s cannot be compared", describe(n))
	}
	return o, nil
}

// compileOperandCall reads CASEI(x), ACCENTI(x), DATE('…') and
// TIMESTAMP('…').
func compileOperandCall(n *cql2.Node) (operand, error) {
	if len(n.Args) != 1 {
		return operand{}, errAt(n, "%s takes one argument, not %d", n.Op, len(n.Args))
	}
	switch n.Op {
	case "CASEI", "ACCENTI":
		o, err := compileOperand(n.Args[0])
		if err != nil {
			return o, err
		}
		if o.prop != nil && o.prop.kind != kindText || o.isNumber || o.isDate {
			return o, errAt(n, "%s applies to text", n.Op)
		}
		f := strings.ToLower
		if n.Op == "ACCENTI" {
			f = stripAccents
		}
		if prev := o.fold; prev != nil {
			o.fold = func(s string) string { return f(prev(s)) }
		} else {
			o.fold = f
		}
		if o.literal {
			o.text, o.fold = o.fold(o.text), nil
		}
		o.node = n
		return o, nil
	case "DATE", "TIMESTAMP":
		a := n.Args[0]
		if a.Kind != cql2.String {
			return operand{}, errAt(n, "%s takes a string", n.Op)
		}
		layout := time.DateOnly
		if n.Op == "TIMESTAMP" {
			layout = time.RFC3339
		}
		t, err := time.Parse(layout, a.Text)
		if err != nil {
			return operand{}, errAt(a, "%q is not a %s (%s)", a.Text, strings.ToLower(n.Op), layout)
		}
		return operand{node: n, literal: true, isDate: true, date: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}, nil
	}
	return operand{}, errAt(n, "unknown function %s here (CASEI, ACCENTI, DATE, TIMESTAMP)", n.Op)
}

func stripAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// textOf reads a text operand of a lieu ("", false when null).
func (o operand) textOf(e *Entry) (string, bool) {
	if o.literal {
		return o.text, true
	}
	v := o.prop.text(e)
	if v == "" {
		return "", false
	}
	if o.fold != nil {
		v = o.fold(v)
	}
	return v, true
}

// compileCompare compiles property op literal (either way round).
func compileCompare(n *cql2.Node) (predicate, error) {
	a, err := compileOperand(n.Args[0])
	if err != nil {
		return nil, err
	}
	b, err := compileOperand(n.Args[1])
	if err != nil {
		return nil, err
	}
	op := n.Op
	if a.literal && !b.literal {
		a, b, op = b, a, flip(op)
	}
	if a.literal {
		return nil, errAt(n, "a comparison needs a property on one side")
	}
	test := func(c int) bool { return holdsOp(op, c) }
	switch a.prop.kind {
	case kindText:
		if b.isNumber || b.isDate {
			return nil, errAt(b.node, "%s is text: compare it with a string", describe(a.node))
		}
		return func(e *Entry) bool {
			x, ok := a.textOf(e)
			y, ok2 := b.textOf(e)
			return ok && ok2 && test(strings.Compare(x, y))
		}, nil
	case kindNumber:
		if !b.isNumber {
			return nil, errAt(b.node, "%s is a number: compare it with a number", describe(a.node))
		}
		return func(e *Entry) bool {
			x, ok := a.prop.number(e)
			return ok && test(compareFloat(x, b.number))
		}, nil
	case kindDate:
		d, err := dateOperand(b)
		if err != nil {
			return nil, err
		}
		return func(e *Entry) bool { return !e.Updated.IsZero() && test(e.Updated.Compare(d)) }, nil
	}
	return nil, errAt(a.node, "%s is %s: use %s", describe(a.node), kindNames[a.prop.kind], advice(a.prop.kind))
}

func advice(k valueKind) string {
	if k == kindList {
		return "A_CONTAINS, A_OVERLAPS, A_CONTAINEDBY or A_EQUALS"
	}
	return "S_INTERSECTS or DWITHIN"
}

func dateOperand(o operand) (time.Time, error) {
	if o.isDate {
		return o.date, nil
	}
	if o.literal && !o.isNumber {
		if t, err := time.Parse(time.DateOnly, o.text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errAt(o.node, "date_maj is a date: compare it with DATE('2024-01-31')")
}

func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case ">":
		return "<"
	case "<=":
		return ">="
	case ">=":
		return "<="
	}
	return op
}

func holdsOp(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "<>":
		return c != 0
	case "<":
		return c < 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	}
	return c >= 0
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// propertyOperand compiles the side of LIKE, IN, BETWEEN or IS NULL that
// must be a property.
func propertyOperand(n *cql2.Node, what string) (operand, error) {
	o, err := compileOperand(n)
	if err == nil && o.literal {
		err = errAt(n, "%s needs a property on its left", what)
	}
	return o, err
}

func compileLike(n *cql2.Node) (predicate, error) {
	a, err := propertyOperand(n.Args[0], "LIKE")
	if err != nil {
		return nil, err
	}
	if a.prop.kind != kindText {
		return nil, errAt(n.Args[0], "LIKE applies to text, and %s is %s", describe(a.node), kindNames[a.prop.kind])
	}
	p, err := compileOperand(n.Args[1])
	if err != nil {
		return nil, err
	}
	if !p.literal || p.isNumber || p.isDate {
		return nil, errAt(n.Args[1], "LIKE takes a string pattern ('%%' any text, '_' one character)")
	}
	pattern := []rune(p.text)
	return func(e *Entry) bool {
		v, ok := a.textOf(e)
		return ok && wildcardMatch(pattern, []rune(v))
	}, nil
}

// wildcardMatch matches LIKE's pattern: % any run, _ one character, \
// escapes the next.
func wildcardMatch(p, s []rune) bool {
	// iterative matching with backtracking on the last %
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '\\' && pi+1 < len(p) && p[pi+1] == s[si]:
			pi, si = pi+2, si+1
		case pi < len(p) && (p[pi] == '_' || p[pi] != '%' && p[pi] != '\\' && p[pi] == s[si]):
			pi, si = pi+1, si+1
		case pi < len(p) && p[pi] == '%':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

func compileIn(n *cql2.Node) (predicate, error) {
	if _, err := propertyOperand(n.Args[0], "IN"); err != nil {
		return nil, err
	}
	var ps []predicate
	for _, item := range n.Args[1].Args {
		eq := &cql2.Node{Kind: cql2.Compare, Op: "=", Pos: item.Pos, Args: []*cql2.Node{n.Args[0], item}}
		p, err := compileCompare(eq)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return func(e *Entry) bool {
		for _, p := range ps {
			if p(e) {
				return true
			}
		}
		return false
	}, nil
}

func compileBetween(n *cql2.Node) (predicate, error) {
	low := &cql2.Node{Kind: cql2.Compare, Op: ">=", Pos: n.Pos, Args: []*cql2.Node{n.Args[0], n.Args[1]}}
	high := &cql2.Node{Kind: cql2.Compare, Op: "<=", Pos: n.Pos, Args: []*cql2.Node{n.Args[0], n.Args[2]}}
	if _, err := propertyOperand(n.Args[0], "BETWEEN"); err != nil {
		return nil, err
	}
	a, err := compileCompare(low)
	if err != nil {
		return nil, err
	}
	b, err := compileCompare(high)
	if err != nil {
		return nil, err
	}
	return func(e *Entry) bool { return a(e) && b(e) }, nil
}

func compileIsNull(n *cql2.Node) (predicate, error) {
	a, err := propertyOperand(n.Args[0], "IS NULL")
	if err != nil {
		return nil, err
	}
	switch a.prop.kind {
	case kindText:
		return func(e *Entry) bool { return a.prop.text(e) == "" }, nil
	case kindList:
		return func(e *Entry) bool { return len(a.prop.list(e)) == 0 }, nil
	case kindNumber:
		return func(e *Entry) bool { _, ok := a.prop.number(e); return !ok }, nil
	case kindDate:
		return func(e *Entry) bool { return e.Updated.IsZero() }, nil
	}
	return func(e *Entry) bool { return !e.HasPoint }, nil
}

// compileCall compiles the predicate functions: the array ones,
// S_INTERSECTS and DWITHIN.
func compileCall(n *cql2.Node) (predicate, error) {
	switch n.Op {
	case "A_EQUALS", "A_CONTAINS", "A_CONTAINEDBY", "A_OVERLAPS":
		return compileArray(n)
	case "S_INTERSECTS":
		return compileIntersects(n)
	case "DWITHIN":
		return compileDWithin(n)
	}
	return nil, errAt(n, "unknown condition %s (A_EQUALS, A_CONTAINS, A_CONTAINEDBY, A_OVERLAPS, S_INTERSECTS, DWITHIN)", n.Op)
}

func compileArray(n *cql2.Node) (predicate, error) {
	if len(n.Args) != 2 {
		return nil, errAt(n, "%s takes a property and a list", n.Op)
	}
	a, err := compileOperand(n.Args[0])
	if err != nil {
		return nil, err
	}
	if a.literal || a.prop.kind != kindList {
		return nil, errAt(n.Args[0], "%s takes an array property first (services, publics_specifiquement_adresses…)", n.Op)
	}
	var values []string
	items := []*cql2.Node{n.Args[1]}
	if n.Args[1].Kind == cql2.Array {
		items = n.Args[1].Args
	}
	for _, it := range items {
		if it.Kind != cql2.String {
			return nil, errAt(it, "%s compares with strings", n.Op)
		}
		values = append(values, it.Text)
	}
	test := arrayTest(n.Op)
	return func(e *Entry) bool { return test(a.prop.list(e), values) }, nil
}

func arrayTest(op string) func(have, want []string) bool {
	containsAll := func(have, want []string) bool {
		for _, w := range want {
			if !slices.Contains(have, w) {
				return false
			}
		}
		return true
	}
	switch op {
	case "A_CONTAINS":
		return containsAll
	case "A_CONTAINEDBY":
		return func(have, want []string) bool { return containsAll(want, have) }
	case "A_EQUALS":
		return func(have, want []string) bool { return containsAll(have, want) && containsAll(want, have) }
	}
	return func(have, want []string) bool {
		return slices.ContainsFunc(want, func(w string) bool { return slices.Contains(have, w) })
	}
}

func geometryFirst(n *cql2.Node) error {
	if len(n.Args) == 0 || n.Args[0].Kind != cql2.Property || n.Args[0].Text != "geometry" {
		return errAt(n, "%s takes the property geometry first", n.Op)
	}
	return nil
}

func compileIntersects(n *cql2.Node) (predicate, error) {
	if err := geometryFirst(n); err != nil {
		return nil, err
	}
	if len(n.Args) != 2 {
		return nil, errAt(n, "S_INTERSECTS takes geometry and a BBOX or a POINT")
	}
	g := n.Args[1]
	switch g.Kind {
	case cql2.BBox:
		b := g.Coords
		return func(e *Entry) bool {
			return e.HasPoint && e.Lon >= b[0] && e.Lon <= b[2] && e.Lat >= b[1] && e.Lat <= b[3]
		}, nil
	case cql2.Point:
		c := g.Coords
		return func(e *Entry) bool { return e.HasPoint && e.Lon == c[0] && e.Lat == c[1] }, nil
	}
	return nil, errAt(g, "S_INTERSECTS takes a BBOX(minLon, minLat, maxLon, maxLat) or a POINT(lon lat)")
}

// compileDWithin: DWITHIN(geometry, POINT(lon lat), distance, units),
// units meters (the default) or kilometers.
func compileDWithin(n *cql2.Node) (predicate, error) {
	if err := geometryFirst(n); err != nil {
		return nil, err
	}
	if len(n.Args) < 3 || len(n.Args) > 4 || n.Args[1].Kind != cql2.Point || n.Args[2].Kind != cql2.Number {
		return nil, errAt(n, "DWITHIN takes geometry, a POINT(lon lat), a distance and its units (meters or kilometers)")
	}
	d := n.Args[2].Num
	if len(n.Args) == 4 {
		u := n.Args[3]
		switch strings.ToLower(u.Text) {
		case "meters", "metres", "m":
		case "kilometers", "kilometres", "km":
			d *= 1000
		default:
			return nil, errAt(u, "DWITHIN's units: meters or kilometers")
		}
	}
	c := n.Args[1].Coords
	return func(e *Entry) bool { return e.HasPoint && Distance(c[0], c[1], e.Lon, e.Lat) <= d }, nil
}
