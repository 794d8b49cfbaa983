package schema

import (
	_ "embed"
	"encoding/json"
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

var keywordRules = func() map[string][]keywordRule {
	var doc struct {
		Fields map[string][]keywordRule `json:"fields"`
	}
	if err := json.Unmarshal(keywordsJSON, &doc); err != nil {
		panic(fmt.Sprintf("schema: data/keywords.json: %v", err))
	}
	for field, rules := range doc.Fields {
		for _, r := range rules {
			if !vocab.isCanonical(field, r.Value) {
				panic(fmt.Sprintf("schema: data/keywords.json: %s: %q is not a value of the standard", field, r.Value))
			}
		}
	}
	return doc.Fields
}()

// fromKeywords reads values of an enumerated field in free text.
func fromKeywords(field, text string) []string { return matchRules(keywordRules[field], text) }

// matchRules returns the values whose keywords a text contains.
func matchRules(rules []keywordRule, text string) []string {
	if len(rules) == 0 {
		return nil
	}
	t := " " + strings.Join(words(strings.ReplaceAll(text, "€", " euro ")), " ") + " "
	var out []string
	for _, r := range rules {
		if containsAnyWord(t, r.Any) && !containsAnyWord(t, r.Except) {
			out = append(out, r.Value)
		}
	}
	return out
}

// containsAnyWord reports whether a folded text has one of the keywords
// at the start of a word.
func containsAnyWord(text string, keywords []string) bool {
	for _, k := range keywords {
		if strings.Contains(text, " "+strings.Join(words(k), " ")) {
			return true
		}
	}
	return false
}
