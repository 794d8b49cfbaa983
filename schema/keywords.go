package schema

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed data/keywords.json
var keywordsJSON []byte

type keywordRule struct {
	Value  string   `json:"value"`
	Any    []string `json:"any"`
	Except []string `json:"except"`
}

// foldedRule is a keywordRule with its keywords folded once, each as
// " word word" to match at word starts.
type foldedRule struct {
	value       string
	any, except []string
}

func foldRules(rules []keywordRule) []foldedRule {
	out := make([]foldedRule, len(rules))
	for i, r := range rules {
		out[i] = foldedRule{value: r.Value, any: foldKeywords(r.Any), except: foldKeywords(r.Except)}
	}
	return out
}

func foldKeywords(ks []string) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = " " + strings.Join(words(k), " ")
	}
	return out
}

var keywordRules = func() map[string][]foldedRule {
	var doc struct {
		Fields map[string][]keywordRule `json:"fields"`
	}
	mustTable("keywords.json", keywordsJSON, &doc)
	for field, rules := range doc.Fields {
		for _, r := range rules {
			if !vocab.isCanonical(field, r.Value) {
				panic(fmt.Sprintf("schema: data/keywords.json: %s: %q is not a value of the standard", field, r.Value))
			}
		}
	}
	out := map[string][]foldedRule{}
	for field, rules := range doc.Fields {
		out[field] = foldRules(rules)
	}
	return out
}()

// fromKeywords reads values of an enumerated field in free text.
func fromKeywords(field, text string) []string { return matchRules(keywordRules[field], text) }

// foldedText is a text as rules read it: its folded words, each after a
// space.
func foldedText(text string) string {
	return " " + strings.Join(words(strings.ReplaceAll(text, "€", " euro ")), " ") + " "
}

// anyRuleMatches tells whether a folded text (foldedText) holds the
// keywords of one of the rules.
func anyRuleMatches(rules []foldedRule, t string) bool {
	for _, r := range rules {
		if containsAnyWord(t, r.any) && !containsAnyWord(t, r.except) {
			return true
		}
	}
	return false
}

// matchRules returns the values whose keywords a text contains.
func matchRules(rules []foldedRule, text string) []string {
	if len(rules) == 0 {
		return nil
	}
	t := foldedText(text)
	var out []string
	for _, r := range rules {
		if containsAnyWord(t, r.any) && !containsAnyWord(t, r.except) {
			out = append(out, r.value)
		}
	}
	return out
}

// containsAnyWord reports whether a folded text has one of the folded
// keywords at the start of a word.
func containsAnyWord(text string, keywords []string) bool {
	for _, k := range keywords {
		if strings.Contains(text, k) {
			return true
		}
	}
	return false
}
