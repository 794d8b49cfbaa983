package harvest

import (
	"bytes"
	"fmt"
	"path"
	"strings"
)

// DecodeOptions steer decoding; zero values mean detect.
type DecodeOptions struct {
	Format     string
	Delimiter  string
	RecordsKey string
	// Name is the file name or URL, used to guess the format.
	Name string
	// Elements, when set, keeps a source's decoded records (JSON
	// elements, CSV rows) for its next decode.
	Elements *ElementCache
	// MaxUnpacked bounds what a gzip or zip payload may expand to
	// (DefaultMaxUnpacked when 0).
	MaxUnpacked int64
}

// Formats the decoders understand.
const (
	FormatCSV     = "csv"
	FormatJSON    = "json"
	FormatGeoJSON = "geojson"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Decode turns a payload into a table of raw records.
func Decode(p *Payload, opts DecodeOptions) (*Table, error) {
	raw, name, err := unpack(p.Body, opts.Name, opts.MaxUnpacked)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("empty document")
	}
	body, notes, err := toUTF8(raw)
	if err != nil {
		return nil, err
	}
	opts.Name = name
	if looksLikeHTML(body, p.ContentType) {
		return nil, fmt.Errorf("got an HTML page (%s) where a data file was expected: %q", orUnknown(p.ContentType), snippet(body))
	}
	format := opts.Format
	if format == "" {
		format = detectFormat(body, p.ContentType, opts.Name)
	}
	var t *Table
	switch format {
	case FormatCSV:
		t, err = decodeCSV(body, opts.Delimiter, opts.Elements)
	case FormatJSON, FormatGeoJSON:
		t, err = decodeJSON(body, opts.RecordsKey, opts.Elements)
	default:
		return nil, fmt.Errorf("unknown format %q (csv, json, geojson)", format)
	}
	if err != nil {
		return nil, err
	}
	t.Notes = append(notes, t.Notes...)
	return t, nil
}

func looksLikeHTML(body []byte, contentType string) bool {
	if strings.HasPrefix(strings.ToLower(contentType), "text/html") {
		return true
	}
	head := strings.ToLower(string(bytes.TrimSpace(body[:min(len(body), 512)])))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") ||
		strings.HasPrefix(head, "<head") || strings.HasPrefix(head, "<body")
}

func detectFormat(body []byte, contentType, name string) string {
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "geo+json"):
		return FormatGeoJSON
	case strings.Contains(ct, "json"):
		return FormatJSON
	case strings.Contains(ct, "csv"):
		return FormatCSV
	}
	if c := firstNonSpace(body); c == '[' || c == '{' {
		return FormatJSON
	}
	switch strings.ToLower(path.Ext(strings.SplitN(name, "?", 2)[0])) {
	case ".geojson":
		return FormatGeoJSON
	case ".json":
		return FormatJSON
	}
	return FormatCSV
}

func firstNonSpace(b []byte) byte {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b[:min(len(b), 80)])), " ")
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "no Content-Type"
	}
	return s
}

// lineOf returns the 1-based line of a byte offset.
func lineOf(b []byte, offset int64) int {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	return bytes.Count(b[:offset], []byte{'\n'}) + 1
}
