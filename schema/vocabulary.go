package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/maillage/maillage/internal/memo"
)

//go:embed data/upgrade.json
var upgradeJSON []byte

//go:embed data/typologies.json
var typologiesJSON []byte

//go:embed data/placeholders.json
var placeholdersJSON []byte

var placeholders = func() map[string]bool {
	var doc struct {
		Placeholders []string `json:"placeholders"`
	}
	mustTable("placeholders.json", placeholdersJSON, &doc)
	m := map[string]bool{"": true}
	for _, p := range doc.Placeholders {
		m[fold(p)] = true
	}
	return m
}()

// maxPlaceholderBytes bounds the cells worth folding: every placeholder is
// short, and most real values are not.
const maxPlaceholderBytes = 24

// IsPlaceholder reports whether a non-empty cell only says "no value"
// ("-", "NC", "Néant", "non renseigné"…).
func IsPlaceholder(s string) bool {
	if len(s) > maxPlaceholderBytes || strings.ContainsAny(s, "@0123456789") && !strings.Contains(s, "null") {
		return false // placeholders have no digits (but "0null"), e-mails are not placeholders
	}
	return placeholders[fold(s)]
}

// target is one v1 value an old value upgrades to.
type target struct {
	Field string
	Value string
}

// vocabulary resolves free or old values of enumerated fields to the
// canonical values of the current schema.
type vocabulary struct {
	canonical    map[string]map[string]bool     // v1 field → canonical values, as spelt
	enums        map[string]map[string]string   // v1 field → folded → canonical
	legacy       map[string]map[string][]target // source column → folded → targets
	renames      map[string]string              // old column → v1 field
	dropped      map[string]string              // old column → why
	valueAliases map[string]string
	typologies   map[string]string // upper-case code → code
}

var vocab = mustLoadVocabulary()

func mustLoadVocabulary() *vocabulary {
	v, err := loadVocabulary(Current())
	if err != nil {
		panic(err)
	}
	return v
}

func loadVocabulary(ts *TableSchema) (*vocabulary, error) {
	var up struct {
		Renames      map[string]string                `json:"renames"`
		Dropped      map[string]string                `json:"dropped"`
		ValueAliases map[string]string                `json:"value_aliases"`
		Values       map[string]map[string][][]string `json:"values"`
	}
	if err := json.Unmarshal(upgradeJSON, &up); err != nil {
		return nil, fmt.Errorf("schema: data/upgrade.json: %w", err)
	}
	v := &vocabulary{canonical: map[string]map[string]bool{}, enums: map[string]map[string]string{}, legacy: map[string]map[string][]target{},
		renames: up.Renames, dropped: up.Dropped, valueAliases: up.ValueAliases, typologies: map[string]string{}}
	for _, f := range ts.Fields {
		if vals := f.EnumValues(); vals != nil {
			v.enums[f.Name], v.canonical[f.Name] = map[string]string{}, map[string]bool{}
			for _, val := range vals {
				v.enums[f.Name][fold(val)] = val
				v.canonical[f.Name][val] = true
			}
		}
	}
	for col, table := range up.Values {
		v.legacy[col] = map[string][]target{}
		for old, targets := range table {
			ts := make([]target, 0, len(targets))
			for _, t := range targets {
				if len(t) != 2 || !v.isCanonical(t[0], t[1]) {
					return nil, fmt.Errorf("schema: data/upgrade.json: %s/%q: bad target %q", col, old, t)
				}
				ts = append(ts, target{t[0], t[1]})
			}
			// Index the whole label and, for long "Head : explanation"
			// labels, the head alone ("Adhésion", "Dans un atelier").
			for _, key := range foldKeys(old) {
				if _, taken := v.legacy[col][key]; !taken {
					v.legacy[col][key] = ts
				}
			}
		}
	}
	return v, v.loadTypologies()
}

func (v *vocabulary) loadTypologies() error {
	var doc struct {
		Typologies []struct {
			Value string `json:"value"`
		} `json:"typologies"`
	}
	if err := json.Unmarshal(typologiesJSON, &doc); err != nil {
		return fmt.Errorf("schema: data/typologies.json: %w", err)
	}
	for _, t := range doc.Typologies {
		v.typologies[strings.ToUpper(t.Value)] = t.Value
	}
	return nil
}

// isCanonical reports whether value is allowed in field (free fields allow
// anything).
func (v *vocabulary) isCanonical(field, value string) bool {
	enum, ok := v.enums[field]
	if !ok {
		_, known := fieldByName[field]
		return known
	}
	for _, c := range enum {
		if c == value {
			return true
		}
	}
	return false
}

// Sources repeat the same few values over every row: resolutions are
// memoised.
var (
	enumMemo   = memo.Map[[2]string, enumResult]{Size: 1 << 14}
	legacyMemo = memo.Map[[2]string, legacyResult]{Size: 1 << 14}
)

type enumResult struct {
	value string
	ok    bool
}

type legacyResult struct {
	targets []target
	known   bool
}

// resolveEnum finds the canonical value of token in an enumerated field.
func (v *vocabulary) resolveEnum(field, token string) (string, bool) {
	r := enumMemo.Do([2]string{field, token}, func() enumResult {
		value, ok := v.resolveEnumSlow(field, token)
		return enumResult{value, ok}
	})
	return r.value, r.ok
}

func (v *vocabulary) resolveEnumSlow(field, token string) (string, bool) {
	if v.canonical[field][token] {
		return token, true
	}
	enum := v.enums[field]
	if enum == nil {
		return "", false
	}
	for _, key := range foldKeys(token) {
		if c, ok := enum[key]; ok {
			return c, true
		}
	}
	return "", false
}

// resolveLegacy finds what an old value of a source column upgrades to.
// known is false when the value is not in the upgrade table.
func (v *vocabulary) resolveLegacy(column, token string) ([]target, bool) {
	r := legacyMemo.Do([2]string{column, token}, func() legacyResult {
		targets, known := v.resolveLegacySlow(column, token)
		return legacyResult{targets, known}
	})
	return r.targets, r.known
}

func (v *vocabulary) resolveLegacySlow(column, token string) (targets []target, known bool) {
	if alias, ok := v.valueAliases[column]; ok {
		column = alias
	}
	table := v.legacy[column]
	for _, key := range foldKeys(token) {
		if t, ok := table[key]; ok {
			return t, true
		}
	}
	return nil, false
}

// hasValueTable reports whether an old column has a value upgrade table.
func (v *vocabulary) hasValueTable(column string) bool {
	if alias, ok := v.valueAliases[column]; ok {
		column = alias
	}
	return v.legacy[column] != nil
}

// foldKeys returns the lookup keys of a value: the whole value, then the
// label before " : " (long 0.x labels, prefix-only forms).
func foldKeys(s string) []string {
	keys := []string{fold(s)}
	if head, _, ok := strings.Cut(s, ":"); ok {
		keys = append(keys, fold(head))
	}
	return keys
}

// fold reduces a label to lower-case letters and digits without accents,
// so that case, accents, apostrophes, spacing and punctuation variants of a
// vocabulary value compare equal.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r < 0x80:
		default:
			b.WriteString(foldRune(r))
		}
	}
	return b.String()
}

// foldedRunes maps accented letters of the Latin blocks to their folded
// base letters, computed once from Unicode decompositions.
var foldedRunes = func() map[rune]string {
	m := map[rune]string{}
	for r := rune(0x80); r < 0x250; r++ {
		m[r] = foldSlow(string(r))
	}
	return m
}()

func foldRune(r rune) string {
	if f, ok := foldedRunes[r]; ok {
		return f
	}
	return foldSlow(string(r))
}

// foldSlow is fold through the full Unicode decomposition.
func foldSlow(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
