package cql2

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// sexp prints a tree compactly, for the tests.
func sexp(n *Node) string {
	args := func() string {
		var parts []string
		for _, a := range n.Args {
			parts = append(parts, sexp(a))
		}
		return strings.Join(parts, " ")
	}
	not := ""
	if n.Negated {
		not = "not-"
	}
	switch n.Kind {
	case And:
		return "(and " + args() + ")"
	case Or:
		return "(or " + args() + ")"
	case Not:
		return "(not " + args() + ")"
	case Compare:
		return "(" + n.Op + " " + args() + ")"
	case Like:
		return "(" + not + "like " + args() + ")"
	case In:
		return "(" + not + "in " + args() + ")"
	case Between:
		return "(" + not + "between " + args() + ")"
	case IsNull:
		return "(" + not + "null " + args() + ")"
	case Call:
		return "(" + n.Op + " " + args() + ")"
	case Property:
		return n.Text
	case String:
		return "'" + n.Text + "'"
	case Number:
		return fmt.Sprint(n.Num)
	case Boolean:
		return fmt.Sprint(n.Bool)
	case Array:
		return "[" + args() + "]"
	case Point:
		return fmt.Sprintf("point%v", n.Coords)
	case BBox:
		return fmt.Sprintf("bbox%v", n.Coords)
	}
	return "?"
}

func TestParse(t *testing.T) {
	cases := []struct{ text, want string }{
		{"nom = 'Mairie'", "(= nom 'Mairie')"},
		{"'Mairie' <> nom", "(<> 'Mairie' nom)"},
		{"latitude >= 44.5 AND longitude < -1e-3", "(and (>= latitude 44.5) (< longitude -0.001))"},
		{"a = 1 OR b = 2 AND c = 3", "(or (= a 1) (and (= b 2) (= c 3)))"},
		{"(a = 1 OR b = 2) AND c = 3", "(and (or (= a 1) (= b 2)) (= c 3))"},
		{"NOT a = 1", "(not (= a 1))"},
		{"not (a = 1 or b = 2)", "(not (or (= a 1) (= b 2)))"},
		{"nom LIKE 'Mairie%'", "(like nom 'Mairie%')"},
		{"nom NOT LIKE '%poste%'", "(not-like nom '%poste%')"},
		{"code_postal IN ('05000', '05100')", "(in code_postal ['05000' '05100'])"},
		{"code_postal NOT IN ('05000')", "(not-in code_postal ['05000'])"},
		{"latitude BETWEEN 44 AND 45", "(between latitude 44 45)"},
		{"latitude NOT BETWEEN 44 AND 45 AND nom = 'x'", "(and (not-between latitude 44 45) (= nom 'x'))"},
		{"telephone IS NULL", "(null telephone)"},
		{"telephone IS NOT NULL", "(not-null telephone)"},
		{"CASEI(nom) = CASEI('mairie')", "(= (CASEI nom) (CASEI 'mairie'))"},
		{"ACCENTI(CASEI(commune)) LIKE 'gap'", "(like (ACCENTI (CASEI commune)) 'gap')"},
		{"A_CONTAINS(services, ('Aide aux démarches administratives', 'x'))", "(A_CONTAINS services ['Aide aux démarches administratives' 'x'])"},
		{"a_overlaps(frais_a_charge, ('Gratuit'))", "(A_OVERLAPS frais_a_charge ['Gratuit'])"},
		{"S_INTERSECTS(geometry, BBOX(5.9, 44.4, 6.3, 44.7))", "(S_INTERSECTS geometry bbox[5.9 44.4 6.3 44.7])"},
		{"S_INTERSECTS(geometry, POINT(6.08 44.56))", "(S_INTERSECTS geometry point[6.08 44.56])"},
		{"DWITHIN(geometry, POINT(6.08 44.56), 5000, meters)", "(DWITHIN geometry point[6.08 44.56] 5000 meters)"},
		{"date_maj > DATE('2023-01-01')", "(> date_maj (DATE '2023-01-01'))"},
		{`"nom" = 'l''Escale'`, "(= nom 'l'Escale')"},
		{"TRUE", "true"},
		{"territoire.departement = '05'", "(= territoire.departement '05')"},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			n, err := Parse(c.text)
			if err != nil {
				t.Fatal(err)
			}
			if got := sexp(n); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestParseErrors: every error names the character where the filter
// goes wrong.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		text string
		pos  int
		msg  string
	}{
		{"", 1, "expected a property or a value, found the end"},
		{"nom =", 6, "found the end of the filter"},
		{"nom = 'x", 7, "unterminated string"},
		{"nom == 'x'", 6, `found "="`},
		{"nom 'x'", 5, "expected a comparison"},
		{"(nom = 'x'", 11, `expected ")"`},
		{"nom = 'x')", 10, "unexpected"},
		{"nom = 'x' AND", 14, "found the end"},
		{"nom NOT = 'x'", 9, "expected LIKE, IN or BETWEEN after NOT"},
		{"latitude BETWEEN 1 OR 2", 20, "expected AND in BETWEEN"},
		{"nom IS 'x'", 8, "expected NULL after IS"},
		{"code IN ('a' 'b')", 14, `expected "," or ")"`},
		{"S_INTERSECTS(geometry, BBOX(1, 2, 3))", 24, "BBOX takes 4 numbers"},
		{"S_INTERSECTS(geometry, POINT(1, 2))", 31, "expected a coordinate"},
		{"nom = 'x' ; DROP", 11, "unexpected character ';'"},
		{"nom = 1.2.3", 7, "is not a number"},
		{"AND = 1", 1, "the keyword AND"},
		{strings.Repeat("(", 40) + "a = 1" + strings.Repeat(")", 40), 33, "deeper than 32"},
		{strings.Repeat("NOT ", 40) + "a = 1", 129, "deeper than 32"},
		{strings.Repeat("a = 1 OR ", 400) + "a = 1", 1, "more than 1000 terms"},
		{strings.Repeat("x", 5000), 1, "at most 4096"},
		{"nom = '\xff'", 1, "not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.text[:min(len(c.text), 40)], func(t *testing.T) {
			_, err := Parse(c.text)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a parse error", err)
			}
			if c.msg != "more than 1000 terms" && pe.Pos != c.pos || !strings.Contains(pe.Msg, c.msg) {
				t.Errorf("%q: %v, want at character %d: …%s…", c.text, err, c.pos, c.msg)
			}
		})
	}
}

// FuzzParse: any text parses or fails with an error at a character of
// it, never panics; a parsed tree's size stays within the bounds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"nom = 'x'", "a = 1 OR (b <> 2 AND NOT c LIKE 'x%')", "A_CONTAINS(services, ('a','b'))",
		"S_INTERSECTS(geometry, BBOX(1,2,3,4))", "DWITHIN(geometry, POINT(1 2), 3, meters)", "x BETWEEN 1 AND 2", "x IS NOT NULL",
		"CASEI(nom) IN ('a', 'b')", "date_maj >= DATE('2024-01-01')", `"a b" = ''''`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n, err := Parse(text)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Pos < 1 || pe.Pos > len([]rune(text))+1 {
				t.Fatalf("%q: %v", text, err)
			}
			return
		}
		count := 0
		var walk func(*Node, int)
		walk = func(n *Node, depth int) {
			count++
			if depth > 3*MaxDepth+10 {
				t.Fatalf("%q: a tree deeper than the bound", text)
			}
			for _, a := range n.Args {
				walk(a, depth+1)
			}
		}
		walk(n, 0)
		if count > MaxNodes {
			t.Fatalf("%q: %d nodes", text, count)
		}
	})
}
