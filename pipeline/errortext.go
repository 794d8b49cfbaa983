package pipeline

import (
	"fmt"
	"regexp"
	"unicode/utf8"
)

// maxErrorText bounds the error text a source run keeps: the head of a
// longer one, then how much was left out.
const maxErrorText = 2000

// boundedError is an error's text cut to maxErrorText bytes (on a rune
// boundary), saying how many bytes were left out.
func boundedError(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

// Parts of an error text that only the operator should read: URLs (a
// source's may be internal, or carry a token in its query), network
// addresses (a resolver's, a private host's) and file paths.
var (
	urlText     = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]*[^\s"'<>:.,;)]`)
	addressText = regexp.MustCompile(`\[?[0-9a-fA-F:]*:[0-9a-fA-F:]+\]?:\d+|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b`)
	pathText    = regexp.MustCompile(`(^|[\s"'(])/[^\s"':]+`)
)

// PublicError is an error text as anyone may read it: bounded, with URLs,
// network addresses and file paths replaced by what they are. The
// operator reads the whole text (`maillage sources`, the store).
func PublicError(s string) string {
	s = urlText.ReplaceAllString(s, "<URL>")
	s = addressText.ReplaceAllString(s, "<address>")
	s = pathText.ReplaceAllString(s, "$1<path>")
	if len(s) > 300 {
		cut := 300
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
