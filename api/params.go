package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// maxKeyLength bounds an id or a decoded cursor: lieu ids are UUIDs.
const maxKeyLength = 200

// validKey says whether s can be a lieu id: valid UTF-8, no control
// character (NUL included: PostgreSQL refuses it in text), bounded. Both
// stores then see only what either can hold, and answer alike.
func validKey(s string) bool {
	if s == "" || len(s) > maxKeyLength || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// decimal is a plain decimal number, as OGC API and the standard write
// coordinates: no hex floats, no digit separators, no NaN or infinities
// (all of which strconv.ParseFloat accepts).
var decimal = regexp.MustCompile(`^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$`)

// parseDecimal reads a finite plain decimal number.
func parseDecimal(s string) (float64, error) {
	if !decimal.MatchString(s) {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not a finite decimal number", s)
	}
	return f, nil
}

// queryTag names a query in an ETag: a hash of its canonical form
// (parameters sorted), so that the header stays short and well formed
// whatever the query holds, and equal queries share it.
func queryTag(v url.Values) string {
	if len(v) == 0 {
		return "all"
	}
	sum := sha256.Sum256([]byte(v.Encode()))
	return hex.EncodeToString(sum[:8])
}

// quoted prints a client's value in an error, bounded.
func quoted(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strconv.QuoteToGraphic(s)
}
