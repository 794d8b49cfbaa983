package schema_test

import (
	"regexp"
	"testing"

	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

var phonePattern = regexp.MustCompile(`^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$`)

// FuzzNormalisePhone: a kept number always matches the standard's pattern.
func FuzzNormalisePhone(f *testing.F) {
	for _, s := range [][2]string{{"04 50 56 87 49", "01200"}, {"0590 12 34 56", "97110"}, {"44 57 28", "98800"}, {"+33 (0)1 80 05 98 80", "75001"}, {"0033180059880", ""}, {"a/b ou c", "1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, cp string) {
		got, _ := schema.NormalisePhone(s, cp)
		if got != "" && !phonePattern.MatchString(got) {
			t.Fatalf("NormalisePhone(%q, %q) = %q, not the standard's pattern", s, cp, got)
		}
	})
}

// FuzzParseCoordinates: a parsed point is always within WGS84 ranges.
func FuzzParseCoordinates(f *testing.F) {
	for _, s := range []string{"42.35473, 9.04258", `{"type":"Point","coordinates":[5.8,46.1]}`, "POINT (2.35 48.85)", "43,52609;5,41423", "[45.1, 4.8]", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lat, lon, ok := schema.ParseCoordinates(s)
		if ok && (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
			t.Fatalf("ParseCoordinates(%q) = %v, %v out of range", s, lat, lon)
		}
	})
}

// FuzzRecogniseHeader: any header is recognised deterministically and
// mapping its values never panics.
func FuzzRecogniseHeader(f *testing.F) {
	for _, s := range [][2]string{{"Nom de votre structure ?", "EPN"}, {"adresse_code_postal", "13001"}, {"Nomdelastructure", "X"}, {"Geo Point", "45.1, 4.8"},
		{"h_lundi", "9h-12h"}, {"", ""}, {"ÉÈ__--", "é"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, header, value string) {
		rec := harvest.Record{Fields: []harvest.Field{{Name: header, Value: value}}}
		recs := []harvest.Record{rec, rec}
		a, err1 := schema.NewMapper(schema.Mapping{}, []string{header}, recs)
		b, err2 := schema.NewMapper(schema.Mapping{}, []string{header}, recs)
		if (err1 == nil) != (err2 == nil) || err1 == nil && a.Recognised()[header] != b.Recognised()[header] {
			t.Fatalf("recognition of %q is not deterministic", header)
		}
		if err1 == nil {
			a.Map(rec)
		}
	})
}
