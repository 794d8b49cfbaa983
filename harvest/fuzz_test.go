package harvest_test

import (
	"reflect"
	"testing"

	"github.com/maillage/maillage/harvest"
)

// FuzzDecodeCSV: any bytes either fail with an error or give records that
// all have one value per column.
func FuzzDecodeCSV(f *testing.F) {
	for _, s := range []string{"id,nom\n1,A\n", "id;nom\r\n1;\"A\nB\"\r\n", "\xef\xbb\xbfa|b\n1|2", "a,b\n1\n", "\"", "a\r1\r2\r", "n\xe9\n\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := harvest.Decode(&harvest.Payload{Body: data}, harvest.DecodeOptions{Format: "csv"})
		if err != nil {
			return
		}
		for _, r := range tab.Records {
			if len(r.Fields) != len(tab.Columns) {
				t.Fatalf("record %d has %d fields for %d columns", r.Index, len(r.Fields), len(tab.Columns))
			}
		}
	})
}

// FuzzDecodeJSON: any bytes either fail or give records whose fields are
// all listed in the columns.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`[{"a":1,"b":{"c":[1,2]}}]`, `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":"x"},"geometry":null}]}`,
		`[{"type":"Feature","id":3}]`, `{"results":[{"a":null}]}`, `[`, `[1,2]`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := harvest.Decode(&harvest.Payload{Body: data}, harvest.DecodeOptions{Format: "json"})
		if err != nil {
			return
		}
		cols := map[string]bool{}
		for _, c := range tab.Columns {
			cols[c] = true
		}
		for _, r := range tab.Records {
			for _, fl := range r.Fields {
				if !cols[fl.Name] {
					t.Fatalf("field %q not in columns %v", fl.Name, tab.Columns)
				}
			}
		}
	})
}

// FuzzDecodeJSONOnCache: a document decoded with an element cache primed
// by another document (whose elements it may repeat) gives what it gives
// without one: the same error or the same records.
func FuzzDecodeJSONOnCache(f *testing.F) {
	primer := []byte(`{"type":"FeatureCollection","features":[{"a":1},{"b":"x\"y"},{"c":[1,"]"]},{"type":"Feature","properties":{"n":"z"},"geometry":null}]}`)
	for _, s := range []string{`[{"a":1},{"b":"x\"y"}]`, `[{"a":1},{"b":"x\"y"}`, `[{"a":1}{"b":"x\"y"}]`, `[{"a":1},{"b":"x\"y"}].5`,
		`[{"a":1}.5]`, `["{\"a\":1}"]`, `{"features":[{"a":1}],"x":[1,}`, `[{"a":1},,{"a":1}]`, `[{"a":1} {"a":1}]`, `[[2]]`, `[{"a":1}]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameWithCache(t, "json", primer, data) })
}

// FuzzDecodeCSVOnCache: a document decoded with a record cache primed by
// another document (whose rows it may repeat) gives what it gives
// without one: the same error or the same records.
func FuzzDecodeCSVOnCache(f *testing.F) {
	primer := []byte("id;nom;adresse\r\n1;Mairie;\"1 rue A\nbis\"\r\n\r\n2;\"La \"\"Poste\"\"\";2 rue B\r\n3;EPN;3 rue C\r\n")
	for _, s := range []string{string(primer), "id;nom;adresse\r\n3;EPN;3 rue C\r\n1;Mairie;\"1 rue A\nbis\"\r\n", "id;nom;adresse\n1;Mairie;\"1 rue A\nbis\"\n",
		"id;nom;adresse\r\n1;Mairie;\"1 rue A\nbis\"\r\n2;\"La \"\"Poste\"\"\";2 rue B\r\n3;EPN;3 rue C", "id;nom;adresse;x\r\n3;EPN;3 rue C\r\n",
		"Titre\r\n\r\nid;nom;adresse\r\n3;EPN;3 rue C\r\n", "id;nom;adresse\r\n3;EPN;\"3 rue C\r\n", "id;nom;adresse\r\n3;E\"PN;3 rue C\r\n3;EPN;3 rue C\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameWithCache(t, "csv", primer, data) })
}

// sameWithCache decodes data with a record cache primed by primer, and
// with an empty one: both give the same error or the same table, the
// records' sums included.
func sameWithCache(t *testing.T, format string, primer, data []byte) {
	var cache harvest.ElementCache
	if _, err := harvest.Decode(&harvest.Payload{Body: primer}, harvest.DecodeOptions{Format: format, Elements: &cache}); err != nil {
		t.Fatal(err)
	}
	got, gotErr := harvest.Decode(&harvest.Payload{Body: data}, harvest.DecodeOptions{Format: format, Elements: &cache})
	want, wantErr := harvest.Decode(&harvest.Payload{Body: data}, harvest.DecodeOptions{Format: format, Elements: &harvest.ElementCache{}})
	switch {
	case (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error():
		t.Fatalf("with the primed cache: %v; with an empty one: %v", gotErr, wantErr)
	case gotErr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("with the primed cache: %+v; with an empty one: %+v", got, want)
	}
}
