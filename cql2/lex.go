package cql2

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokQuotedIdent
	tokString
	tokNumber
	tokOp    // = <> < > <= >=
	tokPunct // ( ) ,
)

type token struct {
	kind tokKind
	text string
	num  float64
	pos  int // 1-based character
}

func (t token) isKeyword(k string) bool { return t.kind == tokIdent && strings.EqualFold(t.text, k) }

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the filter"
	case tokString:
		return "the string '" + clip(t.text) + "'"
	case tokNumber:
		return "the number " + clip(t.text)
	case tokQuotedIdent:
		return "the property \"" + clip(t.text) + "\""
	}
	return "\"" + clip(t.text) + "\""
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// reserved are the keywords that cannot name a property unquoted.
var reserved = map[string]bool{"AND": true, "OR": true, "NOT": true, "LIKE": true, "IN": true, "IS": true, "NULL": true, "BETWEEN": true}

func isReserved(s string) bool { return reserved[strings.ToUpper(s)] }

// lex cuts a filter into tokens, positions in characters.
func lex(text string) ([]token, error) {
	if !utf8.ValidString(text) {
		return nil, &Error{Pos: 1, Msg: "the filter is not valid UTF-8"}
	}
	rs := []rune(text)
	var out []token
	for i := 0; i < len(rs); {
		r := rs[i]
		pos := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')' || r == ',':
			out = append(out, token{kind: tokPunct, text: string(r), pos: pos})
			i++
		case r == '=' || r == '<' || r == '>':
			op := string(r)
			if i+1 < len(rs) && (r == '<' && (rs[i+1] == '>' || rs[i+1] == '=') || r == '>' && rs[i+1] == '=') {
				op += string(rs[i+1])
			}
			out = append(out, token{kind: tokOp, text: op, pos: pos})
			i += len([]rune(op))
		case r == '\'' || r == '"':
			s, end, err := quoted(rs, i)
			if err != nil {
				return nil, err
			}
			kind := tokString
			if r == '"' {
				kind = tokQuotedIdent
			}
			out = append(out, token{kind: kind, text: s, pos: pos})
			i = end
		case unicode.IsDigit(r) || (r == '-' || r == '+' || r == '.') && i+1 < len(rs) && (unicode.IsDigit(rs[i+1]) || rs[i+1] == '.'):
			end := i + 1
			for end < len(rs) && (unicode.IsDigit(rs[end]) || rs[end] == '.' || rs[end] == 'e' || rs[end] == 'E' ||
				(rs[end] == '-' || rs[end] == '+') && (rs[end-1] == 'e' || rs[end-1] == 'E')) {
				end++
			}
			f, err := strconv.ParseFloat(string(rs[i:end]), 64)
			if err != nil {
				return nil, &Error{Pos: pos, Msg: fmt.Sprintf("%q is not a number", string(rs[i:end]))}
			}
			out = append(out, token{kind: tokNumber, text: string(rs[i:end]), num: f, pos: pos})
			i = end
		case unicode.IsLetter(r) || r == '_':
			end := i + 1
			for end < len(rs) && (unicode.IsLetter(rs[end]) || unicode.IsDigit(rs[end]) || rs[end] == '_' || rs[end] == '.' || rs[end] == ':') {
				end++
			}
			out = append(out, token{kind: tokIdent, text: string(rs[i:end]), pos: pos})
			i = end
		default:
			return nil, &Error{Pos: pos, Msg: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return append(out, token{kind: tokEOF, pos: len(rs) + 1}), nil
}

// quoted reads a quoted string or identifier from rs[i] (the quote),
// with a doubled quote standing for one, and returns it and the index
// after it.
func quoted(rs []rune, i int) (string, int, error) {
	q := rs[i]
	var b strings.Builder
	for j := i + 1; j < len(rs); j++ {
		if rs[j] != q {
			b.WriteRune(rs[j])
			continue
		}
		if j+1 < len(rs) && rs[j+1] == q {
			b.WriteRune(q)
			j++
			continue
		}
		return b.String(), j + 1, nil
	}
	what := "string"
	if q == '"' {
		what = "quoted property name"
	}
	return "", 0, &Error{Pos: i + 1, Msg: "unterminated " + what + ": no closing " + string(q)}
}
