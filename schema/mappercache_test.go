package schema

import (
	"fmt"
	"testing"

	"github.com/maillage/maillage/harvest"
)

func TestMapperCache(t *testing.T) {
	recs := make([]harvest.Record, 40)
	for i := range recs {
		recs[i].Fields = []harvest.Field{
			{Name: "Nom de la structure", Value: fmt.Sprintf("Médiathèque %d", i)},
			{Name: "cp", Value: fmt.Sprintf("%05d", 1000+i)},
			{Name: "Mail", Value: fmt.Sprintf("c%d@exemple.fr", i)},
		}
	}
	cols := []string{"Nom de la structure", "cp", "Mail"}
	// edit sets a column's value in the records from i on.
	edit := func(from int, col, value string) []harvest.Record {
		out := make([]harvest.Record, len(recs))
		copy(out, recs)
		for i := from; i < len(out); i++ {
			out[i].Fields = append([]harvest.Field(nil), recs[i].Fields...)
			for j := range out[i].Fields {
				if out[i].Fields[j].Name == col {
					out[i].Fields[j].Value = value
				}
			}
		}
		return out
	}
	cases := []struct {
		name    string
		source  string
		mapping Mapping
		records []harvest.Record
		checks  bool // whether shapes are checked again
	}{
		{"same records", "s", Mapping{}, recs, false},
		{"a sample changed, the verdict stands", "s", Mapping{}, edit(39, "Mail", "autre@exemple.fr"), true},
		{"a sample changed, the verdict falls", "s", Mapping{}, edit(0, "Mail", "04 50 56 87 49"), true},
		{"the mapping changed", "s", Mapping{ID: "cp", Columns: map[string]string{"cp": "code_postal"}}, recs, false},
		{"another source", "t", Mapping{}, recs, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c MapperCache
			if _, err := c.Mapper("s", Mapping{}, cols, recs); err != nil {
				t.Fatal(err)
			}
			before := c.checks
			got, err := c.Mapper(tc.source, tc.mapping, cols, tc.records)
			if err != nil {
				t.Fatal(err)
			}
			if checked := c.checks > before; checked != tc.checks {
				t.Errorf("shapes checked again: %v, want %v", checked, tc.checks)
			}
			want, _ := NewMapper(tc.mapping, cols, tc.records)
			if got.Fingerprint() != want.Fingerprint() || got.IDColumn() != want.IDColumn() {
				t.Errorf("mapper %s (id %q), NewMapper %s (id %q)", got.Fingerprint(), got.IDColumn(), want.Fingerprint(), want.IDColumn())
			}
		})
	}
}

func TestMapperCacheKeepsNoFailure(t *testing.T) {
	var c MapperCache
	bad := Mapping{Columns: map[string]string{"absent": "nom"}}
	for range 2 {
		if _, err := c.Mapper("s", bad, []string{"nom"}, nil); err == nil {
			t.Fatal("a mapping naming a missing column was accepted")
		}
	}
}
