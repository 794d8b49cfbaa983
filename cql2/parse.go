// Package cql2 parses filters written in CQL2 text (OGC 21-065): basic
// CQL2 (comparisons, AND, OR, NOT, IS NULL), the advanced comparison
// operators (LIKE, BETWEEN, IN), CASEI and ACCENTI, the array functions
// (A_EQUALS, A_CONTAINS, A_CONTAINEDBY, A_OVERLAPS), S_INTERSECTS with a
// BBOX or POINT, and DWITHIN around a POINT. A parse never runs long: the
// text, the nesting and the number of nodes are bounded, and every error
// says at which character it is.
package cql2

import (
	"fmt"
	"strings"
)

// Limits of a filter.
const (
	MaxLength = 4096 // bytes of text
	MaxDepth  = 32   // nested parentheses, NOTs and calls
	MaxNodes  = 1000 // nodes of the tree
)

// Kind is what a node is.
type Kind int

// The kinds of nodes.
const (
	And      Kind = iota // Args: the two sides
	Or                   // Args: the two sides
	Not                  // Args: the negated expression
	Compare              // Op: =, <>, <, >, <=, >=; Args: the two sides
	Like                 // Args: the value, the pattern; Negated for NOT LIKE
	In                   // Args: the value, then the list; Negated for NOT IN
	Between              // Args: the value, low, high; Negated for NOT BETWEEN
	IsNull               // Args: the value; Negated for IS NOT NULL
	Call                 // Op: the function's name, upper case; Args: its arguments
	Property             // Text: the queryable's name
	String               // Text: the value
	Number               // Num: the value
	Boolean              // Bool: the value
	Array                // Args: the elements
	Point                // Coords: lon, lat
	BBox                 // Coords: minLon, minLat, maxLon, maxLat
)

// Node is one node of a parsed filter.
type Node struct {
	Kind    Kind
	Op      string
	Args    []*Node
	Text    string
	Num     float64
	Bool    bool
	Coords  []float64
	Negated bool
	// Pos is the 1-based character where the node starts in the text.
	Pos int
}

// Error is a parse error at a character of the text.
type Error struct {
	Pos int // 1-based, in characters
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("at character %d: %s", e.Pos, e.Msg) }

// Parse reads a CQL2 text filter into its tree.
func Parse(text string) (*Node, error) {
	if len(text) > MaxLength {
		return nil, &Error{Pos: 1, Msg: fmt.Sprintf("the filter is %d bytes long; at most %d", len(text), MaxLength)}
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.boolExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t, "unexpected %s after a complete filter", t.describe())
	}
	return n, nil
}

type parser struct {
	toks  []token
	at    int
	depth int
	nodes int
}

func (p *parser) peek() token { return p.toks[p.at] }

func (p *parser) next() token {
	t := p.toks[p.at]
	if t.kind != tokEOF {
		p.at++
	}
	return t
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return &Error{Pos: t.pos, Msg: fmt.Sprintf(format, args...)}
}

// node makes a node, counting it against MaxNodes.
func (p *parser) node(kind Kind, pos int, args ...*Node) (*Node, error) {
	if p.nodes++; p.nodes > MaxNodes {
		return nil, &Error{Pos: pos, Msg: fmt.Sprintf("the filter has more than %d terms", MaxNodes)}
	}
	return &Node{Kind: kind, Pos: pos, Args: args}, nil
}

// enter counts a level of nesting against MaxDepth.
func (p *parser) enter(t token) error {
	if p.depth++; p.depth > MaxDepth {
		return p.errorf(t, "the filter nests deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// boolExpr = term { OR term }
func (p *parser) boolExpr() (*Node, error) { return p.chain("OR", Or, p.term) }

// term = factor { AND factor }
func (p *parser) term() (*Node, error) { return p.chain("AND", And, p.factor) }

// chain reads operand { keyword operand }, joined to the left in nodes
// of kind.
func (p *parser) chain(keyword string, kind Kind, operand func() (*Node, error)) (*Node, error) {
	left, err := operand()
	for err == nil && p.peek().isKeyword(keyword) {
		t := p.next()
		var right *Node
		if right, err = operand(); err == nil {
			left, err = p.node(kind, t.pos, left, right)
		}
	}
	return left, err
}

// factor = NOT factor | "(" boolExpr ")" | predicate
func (p *parser) factor() (*Node, error) {
	t := p.peek()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	switch {
	case t.isKeyword("NOT"):
		p.next()
		x, err := p.factor()
		if err != nil {
			return nil, err
		}
		return p.node(Not, t.pos, x)
	case t.kind == tokPunct && t.text == "(": // a group; a list (IN's, an array) never starts a predicate
		p.next()
		x, err := p.boolExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return x, nil
	}
	return p.predicate()
}

func (p *parser) expect(punct string) error {
	t := p.next()
	if t.kind != tokPunct || t.text != punct {
		return p.errorf(t, "expected %q, found %s", punct, t.describe())
	}
	return nil
}

// predicate = operand (compareOp operand | [NOT] LIKE operand |
// [NOT] IN list | [NOT] BETWEEN operand AND operand | IS [NOT] NULL) |
// a function call standing alone (S_INTERSECTS…) | TRUE | FALSE
func (p *parser) predicate() (*Node, error) {
	start := p.peek()
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	negated := false
	if t.isKeyword("NOT") {
		p.next()
		negated, t = true, p.peek()
		if !t.isKeyword("LIKE") && !t.isKeyword("IN") && !t.isKeyword("BETWEEN") {
			return nil, p.errorf(t, "expected LIKE, IN or BETWEEN after NOT, found %s", t.describe())
		}
	}
	switch {
	case t.kind == tokOp:
		p.next()
		right, err := p.operand()
		if err != nil {
			return nil, err
		}
		n, err := p.node(Compare, start.pos, left, right)
		if n != nil {
			n.Op = t.text
		}
		return n, err
	case t.isKeyword("LIKE"):
		p.next()
		pattern, err := p.operand()
		if err != nil {
			return nil, err
		}
		return p.negated(Like, start.pos, negated, left, pattern)
	case t.isKeyword("IN"):
		p.next()
		list, err := p.list()
		if err != nil {
			return nil, err
		}
		return p.negated(In, start.pos, negated, left, list)
	case t.isKeyword("BETWEEN"):
		p.next()
		low, err := p.operand()
		if err != nil {
			return nil, err
		}
		if and := p.next(); !and.isKeyword("AND") {
			return nil, p.errorf(and, "expected AND in BETWEEN, found %s", and.describe())
		}
		high, err := p.operand()
		if err != nil {
			return nil, err
		}
		return p.negated(Between, start.pos, negated, left, low, high)
	case t.isKeyword("IS"):
		p.next()
		not := p.peek().isKeyword("NOT")
		if not {
			p.next()
		}
		if null := p.next(); !null.isKeyword("NULL") {
			return nil, p.errorf(null, "expected NULL after IS, found %s", null.describe())
		}
		return p.negated(IsNull, start.pos, not, left)
	}
	if left.Kind == Call || left.Kind == Boolean {
		return left, nil // a predicate function, or TRUE / FALSE
	}
	return nil, p.errorf(t, "expected a comparison (=, <>, <, >, <=, >=, LIKE, IN, BETWEEN, IS NULL) after %s, found %s", describeNode(left), t.describe())
}

func (p *parser) negated(kind Kind, pos int, negated bool, args ...*Node) (*Node, error) {
	n, err := p.node(kind, pos, args...)
	if n != nil {
		n.Negated = negated
	}
	return n, err
}

// list = "(" operand { "," operand } ")"
func (p *parser) list() (*Node, error) {
	t := p.peek()
	if err := p.expect("("); err != nil {
		return nil, err
	}
	n, err := p.node(Array, t.pos)
	if err != nil {
		return nil, err
	}
	for {
		if p.peek().kind == tokPunct && p.peek().text == ")" && len(n.Args) == 0 {
			p.next()
			return n, nil
		}
		x, err := p.operand()
		if err != nil {
			return nil, err
		}
		n.Args = append(n.Args, x)
		sep := p.next()
		if sep.kind == tokPunct && sep.text == ")" {
			return n, nil
		}
		if sep.kind != tokPunct || sep.text != "," {
			return nil, p.errorf(sep, "expected \",\" or \")\" in a list, found %s", sep.describe())
		}
	}
}

// operand = property | string | number | TRUE | FALSE | list |
// function call (CASEI, ACCENTI, DATE, TIMESTAMP, BBOX, POINT, A_…, S_…,
// DWITHIN)
func (p *parser) operand() (*Node, error) {
	t := p.peek()
	switch t.kind {
	case tokString:
		p.next()
		n, err := p.node(String, t.pos)
		if n != nil {
			n.Text = t.text
		}
		return n, err
	case tokNumber:
		p.next()
		n, err := p.node(Number, t.pos)
		if n != nil {
			n.Num = t.num
		}
		return n, err
	case tokPunct:
		if t.text == "(" {
			return p.list()
		}
	case tokIdent, tokQuotedIdent:
		p.next()
		if t.kind == tokIdent && (t.isKeyword("TRUE") || t.isKeyword("FALSE")) {
			n, err := p.node(Boolean, t.pos)
			if n != nil {
				n.Bool = t.isKeyword("TRUE")
			}
			return n, err
		}
		if t.kind == tokIdent && isReserved(t.text) {
			return nil, p.errorf(t, "expected a property or a value, found the keyword %s", strings.ToUpper(t.text))
		}
		if next := p.peek(); t.kind == tokIdent && next.kind == tokPunct && next.text == "(" {
			return p.call(t)
		}
		n, err := p.node(Property, t.pos)
		if n != nil {
			n.Text = t.text
		}
		return n, err
	}
	return nil, p.errorf(t, "expected a property or a value, found %s", t.describe())
}

// call reads a function's arguments; POINT and BBOX are literals.
func (p *parser) call(name token) (*Node, error) {
	if err := p.enter(name); err != nil {
		return nil, err
	}
	defer p.leave()
	fn := strings.ToUpper(name.text)
	switch fn {
	case "POINT":
		return p.point(name)
	case "BBOX":
		return p.bbox(name)
	}
	args, err := p.list()
	if err != nil {
		return nil, err
	}
	n, err := p.node(Call, name.pos, args.Args...)
	if n != nil {
		n.Op = fn
	}
	return n, err
}

// point = POINT "(" number number ")" (WKT: a space between the two)
func (p *parser) point(name token) (*Node, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var coords []float64
	for range 2 {
		t := p.next()
		if t.kind != tokNumber {
			return nil, p.errorf(t, "expected a coordinate of POINT(lon lat), found %s", t.describe())
		}
		coords = append(coords, t.num)
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	n, err := p.node(Point, name.pos)
	if n != nil {
		n.Coords = coords
	}
	return n, err
}

// bbox = BBOX "(" number "," number "," number "," number ")"
func (p *parser) bbox(name token) (*Node, error) {
	list, err := p.list()
	if err != nil {
		return nil, err
	}
	var coords []float64
	for _, a := range list.Args {
		if a.Kind != Number {
			return nil, &Error{Pos: a.Pos, Msg: "expected a number in BBOX(minLon, minLat, maxLon, maxLat)"}
		}
		coords = append(coords, a.Num)
	}
	if len(coords) != 4 {
		return nil, &Error{Pos: name.pos, Msg: fmt.Sprintf("BBOX takes 4 numbers (minLon, minLat, maxLon, maxLat), not %d", len(coords))}
	}
	n, err := p.node(BBox, name.pos)
	if n != nil {
		n.Coords = coords
	}
	return n, err
}

func describeNode(n *Node) string {
	switch n.Kind {
	case Property:
		return "the property " + n.Text
	case String:
		return "a string"
	case Number:
		return "a number"
	case Call:
		return n.Op + "(…)"
	}
	return "a value"
}
