package harvest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// decodeJSON reads a JSON array of objects, an array of GeoJSON Features, a
// GeoJSON FeatureCollection, or an object holding the records under
// recordsKey. Member order is preserved. The document is parsed one level
// deep; each element is then read on its own, or taken from cache (nil:
// none) when its bytes were decoded last time.
func decodeJSON(body []byte, recordsKey string, cache *ElementCache) (*Table, error) {
	if cache.serves(FormatJSON) {
		if t, ok := decodeOnCache(body, recordsKey, cache); ok {
			return t, nil
		}
	}
	elems, format, err := recordElements(body, recordsKey)
	if err != nil {
		return nil, err
	}
	dec := newElementDecoder(cache, FormatJSON, len(elems))
	t, err := dec.table(elems, format)
	dec.done(t, err == nil)
	return t, err
}

// decodeOnCache decodes a document whose elements mostly come from the
// cache without validating it whole first: the elements the cache gives
// are valid (their very bytes were, in a valid document), so only the
// rest is validated, each cached element standing in as a 0. It reports
// false when anything fails: the document is then decoded the usual way,
// which says what is wrong.
func decodeOnCache(body []byte, recordsKey string, cache *ElementCache) (*Table, bool) {
	elems, format, err := splitElements(body, recordsKey)
	if err != nil {
		return nil, false
	}
	dec := newElementDecoder(cache, FormatJSON, len(elems))
	t, err := dec.table(elems, format)
	ok := err == nil && validBesides(body, elems, dec.cached)
	dec.done(t, ok)
	return t, ok
}

// validBesides reports whether body is valid JSON given that its
// elements marked cached are: it validates body with each of those
// replaced by a blank-padded 0 (padded, so that it cannot run into its
// neighbours). The elements are subslices of body, in order.
func validBesides(body []byte, elems []json.RawMessage, cached []bool) bool {
	rest := make([]byte, 0, 1024)
	at := 0
	for i, e := range elems {
		if !cached[i] {
			continue
		}
		start := cap(body) - cap(e) // e = body[start:start+len(e)]
		if start < at || start+len(e) > len(body) {
			return false
		}
		rest = append(append(rest, body[at:start]...), " 0 "...)
		at = start + len(e)
	}
	return json.Valid(append(rest, body[at:]...))
}

// table decodes the elements into a table.
func (d *elementDecoder) table(elems []json.RawMessage, format string) (*Table, error) {
	t := &Table{Format: format, Records: make([]Record, 0, len(elems))}
	seen := map[string]bool{}
	for i, raw := range elems {
		rec, err := d.decode(raw, i)
		if err != nil {
			return nil, fmt.Errorf("JSON element %d: %w", i, err)
		}
		for _, f := range rec.Fields {
			if !seen[f.Name] {
				seen[f.Name] = true
				t.Columns = append(t.Columns, f.Name)
			}
		}
		t.Records = append(t.Records, rec)
	}
	return t, nil
}

func jsonError(body []byte, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(body, " \t\r\n"))):
		return fmt.Errorf("truncated JSON: the document ends at byte %d (line %d) before it is complete", len(body), lineOf(body, int64(len(body))))
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d (line %d): %w", se.Offset, lineOf(body, se.Offset), err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("truncated JSON: the document ends at byte %d (line %d) before it is complete", len(body), lineOf(body, int64(len(body))))
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// recordElements finds the array of records in a valid document and
// returns its elements undecoded, in order; an invalid one is reported.
func recordElements(body []byte, recordsKey string) ([]json.RawMessage, string, error) {
	switch firstNonSpace(body) {
	case '[':
		if !json.Valid(body) {
			var elems []json.RawMessage
			return nil, "", jsonError(body, json.Unmarshal(body, &elems))
		}
	case '{':
		if !json.Valid(body) {
			var obj map[string]json.RawMessage
			return nil, "", jsonError(body, json.Unmarshal(body, &obj))
		}
	}
	return splitElements(body, recordsKey)
}

// splitElements finds the array of records in a document and returns its
// elements undecoded, in order, as subslices of body. It does not
// validate the document: an invalid one is split anyhow, or refused.
func splitElements(body []byte, recordsKey string) ([]json.RawMessage, string, error) {
	switch firstNonSpace(body) {
	case '[':
		elems, ok := arrayElements(body)
		if !ok {
			return nil, "", errors.New("invalid JSON array")
		}
		return elems, FormatJSON, nil
	case '{':
		members, err := orderedMembers(body)
		if err != nil {
			return nil, "", fmt.Errorf("invalid JSON: %w", err)
		}
		obj := make(map[string]json.RawMessage, len(members))
		for _, m := range members {
			obj[m.name] = m.value // the last of a repeated member, as json.Unmarshal does
		}
		return objectElements(obj, recordsKey)
	}
	return nil, "", fmt.Errorf("JSON document is neither an array nor an object: %q", snippet(body))
}

// arrayElements splits a JSON array into its elements, without copying
// them; it reports false when it cannot (the array is not valid).
func arrayElements(b []byte) ([]json.RawMessage, bool) {
	b = bytes.TrimSpace(b)
	var out []json.RawMessage
	for i := skipSpace(b, 1); i < len(b) && b[i] != ']'; {
		end := valueEnd(b, i)
		if end <= i {
			return nil, false
		}
		out = append(out, b[i:end])
		if i = skipSpace(b, end); i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out, true
}

// recordKeys are the members portals and APIs commonly put records under,
// in order of preference.
var recordKeys = []string{"records", "results", "data", "values", "items", "entries", "elements", "rows", "lieux", "structures", "features"}

func objectElements(obj map[string]json.RawMessage, recordsKey string) ([]json.RawMessage, string, error) {
	key, format := recordsKey, FormatJSON
	switch {
	case key != "":
	case scalarText(obj["type"]) == "FeatureCollection":
		key, format = "features", FormatGeoJSON
	default:
		key = guessRecordsKey(obj)
		if key == "" {
			return nil, "", fmt.Errorf("JSON object with no array of records (members: %s); set records_key", memberNames(obj))
		}
	}
	if firstNonSpace(obj[key]) != '[' {
		return nil, "", fmt.Errorf("records_key %q: no array under this member (members: %s)", key, memberNames(obj))
	}
	elems, ok := arrayElements(obj[key])
	if !ok {
		return nil, "", fmt.Errorf("records_key %q: the array is not valid JSON", key)
	}
	return elems, format, nil
}

// guessRecordsKey finds the member holding an array of objects: a usual
// name first, else the longest such array.
func guessRecordsKey(obj map[string]json.RawMessage) string {
	sizes := map[string]int{}
	for k, v := range obj {
		if firstNonSpace(v) != '[' {
			continue
		}
		if arr, ok := arrayElements(v); ok && len(arr) > 0 && firstNonSpace(arr[0]) == '{' {
			sizes[k] = len(arr)
		}
	}
	for _, k := range recordKeys {
		if _, ok := sizes[k]; ok {
			return k
		}
	}
	best := ""
	for k, n := range sizes {
		if n > sizes[best] || n == sizes[best] && k < best {
			best = k
		}
	}
	return best
}

func memberNames(obj map[string]json.RawMessage) string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k))
	}
	return b.String()
}

// decodeElement turns one object (or GeoJSON Feature) into a record.
func decodeElement(raw json.RawMessage, index int) (Record, error) {
	members, err := orderedMembers(raw)
	if err != nil {
		return Record{}, err
	}
	rec := Record{Index: index}
	if isFeature(members) {
		return featureRecord(members, index)
	}
	for _, m := range members {
		rec.Fields = flatten(rec.Fields, m.name, m.value, 0)
	}
	return rec, nil
}

// maxDepth bounds the flattening of nested objects.
const maxDepth = 4

// flatten adds a member as fields: nested objects become "parent.child"
// fields, except geometries and points ({"lat","lon"}) which stay whole;
// arrays of scalars are joined with "|"; other values are kept as text.
func flatten(fields []Field, name string, v json.RawMessage, depth int) []Field {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		if joined, ok := joinScalars(v); ok {
			return append(fields, Field{Name: name, Value: joined})
		}
	}
	if len(v) == 0 || v[0] != '{' || depth >= maxDepth {
		return append(fields, Field{Name: name, Value: scalarText(v)})
	}
	members, err := orderedMembers(v)
	if err != nil || isPointObject(members) {
		return append(fields, Field{Name: name, Value: scalarText(v)})
	}
	for _, m := range members {
		fields = flatten(fields, name+"."+m.name, m.value, depth+1)
	}
	return fields
}

func joinScalars(v json.RawMessage) (string, bool) {
	var arr []any
	if json.Unmarshal(v, &arr) != nil {
		return "", false
	}
	parts := make([]string, 0, len(arr))
	for _, e := range arr {
		switch x := e.(type) {
		case string:
			parts = append(parts, x)
		case float64, bool:
			b, _ := json.Marshal(x)
			parts = append(parts, string(b))
		case nil:
		default:
			return "", false
		}
	}
	return strings.Join(parts, "|"), true
}

// isPointObject recognises GeoJSON geometries and {lat, lon} points.
func isPointObject(members []member) bool {
	keys := map[string]bool{}
	for _, m := range members {
		keys[strings.ToLower(m.name)] = true
	}
	return keys["type"] && keys["coordinates"] || keys["lat"] && (keys["lon"] || keys["lng"]) ||
		keys["latitude"] && keys["longitude"] && len(keys) == 2
}

type member struct {
	name  string
	value json.RawMessage
}

// orderedMembers reads the members of a JSON object in document order. The
// object comes from a document json.Unmarshal already validated, so a
// small scanner suffices: it finds each key and the extent of its value.
func orderedMembers(raw json.RawMessage) ([]member, error) {
	b := bytes.TrimSpace(raw)
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("not an object: %s", snippet(raw))
	}
	var out []member
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != '}' {
		keyEnd := stringEnd(b, i)
		if b[i] != '"' || keyEnd < 0 {
			return nil, fmt.Errorf("bad object key at byte %d", i)
		}
		key := unquote(b[i:keyEnd])
		i = skipSpace(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			return nil, fmt.Errorf("expected ':' at byte %d", i)
		}
		start := skipSpace(b, i+1)
		end := valueEnd(b, start)
		if end < 0 {
			return nil, fmt.Errorf("bad value at byte %d", start)
		}
		out = append(out, member{name: key, value: b[start:end]})
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// stringEnd returns the index after the string starting at b[i] ('"').
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				if j = stringEnd(b, j) - 1; j < 0 {
					return -1
				}
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
		j++
	}
	return j
}

// unquote decodes a JSON string literal, without allocating a decoder when
// it has no escapes.
func unquote(q []byte) string {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1])
	}
	var s string
	if json.Unmarshal(q, &s) != nil {
		return string(q[1 : len(q)-1])
	}
	return s
}

// scalarText renders a JSON value as text: strings unquoted, numbers as
// written, null as "", objects and arrays as compact JSON.
func scalarText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return ""
	case v[0] == '"':
		return unquote(v)
	case v[0] == '{' || v[0] == '[':
		var b bytes.Buffer
		if json.Compact(&b, v) == nil {
			return b.String()
		}
	}
	return string(v)
}

func isFeature(members []member) bool {
	for _, m := range members {
		if m.name == "type" {
			return scalarText(m.value) == "Feature"
		}
	}
	return false
}

// featureRecord flattens a GeoJSON Feature: its properties, then "id" when
// the properties have none, then the geometry as compact JSON.
func featureRecord(members []member, index int) (Record, error) {
	rec := Record{Index: index}
	var id, geometry string
	for _, m := range members {
		switch m.name {
		case "properties":
			if v := bytes.TrimSpace(m.value); len(v) == 0 || string(v) == "null" {
				continue
			}
			props, err := orderedMembers(m.value)
			if err != nil {
				return rec, fmt.Errorf("properties: %w", err)
			}
			for _, p := range props {
				rec.Fields = append(rec.Fields, Field{Name: p.name, Value: scalarText(p.value)})
			}
		case "id":
			id = scalarText(m.value)
		case "geometry":
			geometry = scalarText(m.value)
		}
	}
	if id != "" && rec.Value("id") == "" {
		rec.Fields = append(rec.Fields, Field{Name: "id", Value: id})
	}
	rec.Fields = append(rec.Fields, Field{Name: "geometry", Value: geometry})
	return rec, nil
}
