package harvest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// TestElementCache: a JSON source decoded again through its cache gives
// the table a decode from scratch gives; its unchanged elements are taken
// from the cache, the changed one decoded; a failed decode keeps the
// cache as it was.
func TestElementCache(t *testing.T) {
	doc := func(nom string) []byte {
		return []byte(`{"type": "FeatureCollection", "features": [
			{"type": "Feature", "properties": {"id": "1", "nom": "Un"}, "geometry": {"type": "Point", "coordinates": [2.3, 48.8]}},
			{"type": "Feature", "properties": {"id": "2", "nom": "` + nom + `"}, "geometry": null},
			{"type": "Feature", "properties": {"id": "3", "nom": "Trois", "tags": ["a", "b"]}, "geometry": null}]}`)
	}
	var cache ElementCache
	first, err := decodeJSON(doc("Deux"), "", &cache)
	if err != nil {
		t.Fatal(err)
	}
	second, err := decodeJSON(doc("Deux bis"), "", &cache)
	if err != nil {
		t.Fatal(err)
	}
	scratch, _ := decodeJSON(doc("Deux bis"), "", nil)
	if !reflect.DeepEqual(withoutSums(second), scratch) {
		t.Errorf("decoded through the cache:\n%+v\nfrom scratch:\n%+v", second, scratch)
	}
	for i, shared := range []bool{true, false, true} {
		if got := &second.Records[i].Fields[0] == &first.Records[i].Fields[0]; got != shared {
			t.Errorf("element %d taken from the cache: %v, want %v", i, got, shared)
		}
	}
	if _, err := decodeJSON([]byte(`[{"id": "1", "nom": "Un"}, 5]`), "", &cache); err == nil {
		t.Fatal("an element that is no object decoded")
	}
	third, _ := decodeJSON(doc("Deux bis"), "", &cache)
	if &third.Records[1].Fields[0] != &second.Records[1].Fields[0] {
		t.Error("a failed decode emptied the cache")
	}
}

// TestElementCacheCSV: likewise for a CSV source, past the rows where the
// header is looked for; a new header takes nothing from the cache.
func TestElementCacheCSV(t *testing.T) {
	doc := func(header, changed string) []byte {
		b := []byte(header + "\r\n")
		for i := range 30 {
			nom := fmt.Sprintf("Lieu %d", i)
			if i == 25 {
				nom = changed
			}
			b = fmt.Appendf(b, "%d;\"%s\";\"%d rue A\nbâtiment B\"\r\n", i, nom, i)
		}
		return b
	}
	var cache ElementCache
	first, err := decodeCSV(doc("id;nom;adresse", "Mairie"), "", &cache)
	if err != nil {
		t.Fatal(err)
	}
	second, err := decodeCSV(doc("id;nom;adresse", "Mairie annexe"), "", &cache)
	if err != nil {
		t.Fatal(err)
	}
	scratch, _ := decodeCSV(doc("id;nom;adresse", "Mairie annexe"), "", nil)
	if !reflect.DeepEqual(withoutSums(second), scratch) {
		t.Errorf("decoded through the cache:\n%+v\nfrom scratch:\n%+v", second, scratch)
	}
	for i, shared := range map[int]bool{0: false, headerRows: true, 24: true, 25: false, 29: true} {
		if got := &second.Records[i].Fields[0] == &first.Records[i].Fields[0]; got != shared {
			t.Errorf("row %d taken from the cache: %v, want %v", i, got, shared)
		}
	}
	renamed, _ := decodeCSV(doc("id;nom;adresse_postale", "Mairie annexe"), "", &cache)
	if renamed.Records[29].Fields[2].Name != "adresse_postale" {
		t.Errorf("under a new header, a row was taken from the cache: %+v", renamed.Records[29].Fields)
	}
}

// withoutSums is a copy of t without what a decode through a cache adds
// (the records' sums, what they were made under).
func withoutSums(t *Table) *Table {
	c := *t
	c.Under, c.Records = "", slices.Clone(t.Records)
	for i := range c.Records {
		c.Records[i].Sum = [32]byte{}
	}
	return &c
}

// TestRecordHashes: a record's hash is the same whenever its bytes and
// what they are read under are (whichever way the decode went: from
// scratch, through the cache, CSV or JSON), and changes when either does;
// records decoded without a cache are hashed by their fields.
func TestRecordHashes(t *testing.T) {
	csvDoc := func(header, changed string) []byte {
		b := []byte(header + "\n")
		for i := range 30 {
			nom := fmt.Sprintf("Lieu %d", i)
			if i == 3 || i == 25 {
				nom += changed
			}
			b = fmt.Appendf(b, "%d,%s,%d rue A\n", i, nom, i)
		}
		return b
	}
	jsonDoc := func(_, changed string) []byte {
		b := []byte("[")
		for i := range 30 {
			nom := fmt.Sprintf("Lieu %d", i)
			if i == 3 || i == 25 {
				nom += changed
			}
			b = fmt.Appendf(b, `{"id": %d, "nom": %q},`, i, nom)
		}
		return append(b[:len(b)-1], ']')
	}
	decoders := map[string]func(body []byte, c *ElementCache) (*Table, error){
		"csv":  func(body []byte, c *ElementCache) (*Table, error) { return decodeCSV(body, "", c) },
		"json": func(body []byte, c *ElementCache) (*Table, error) { return decodeJSON(body, "", c) },
	}
	docs := map[string]func(header, changed string) []byte{"csv": csvDoc, "json": jsonDoc}
	hashes := func(tb *Table, salt string) []string {
		h := NewRecordHasher(salt, tb)
		var out []string
		for _, r := range tb.Records {
			out = append(out, string(h.Sum(r)))
		}
		return out
	}
	for name, decode := range decoders {
		t.Run(name, func(t *testing.T) {
			doc := docs[name]
			var cache ElementCache
			first, err := decode(doc("id,nom,adresse", ""), &cache)
			if err != nil {
				t.Fatal(err)
			}
			second, err := decode(doc("id,nom,adresse", " bis"), &cache)
			if err != nil {
				t.Fatal(err)
			}
			if first.Under == "" || second.Under == "" {
				t.Fatalf("a decode through the cache left Under empty: %q, %q", first.Under, second.Under)
			}
			a, b := hashes(first, "salt"), hashes(second, "salt")
			for i := range a {
				if changed := i == 3 || i == 25; (a[i] != b[i]) != changed {
					t.Errorf("record %d: hash changed %v, want %v", i, a[i] != b[i], changed)
				}
			}
			if c := hashes(second, "other salt"); c[0] == b[0] {
				t.Error("another salt gave the same hash")
			}
			noCache, _ := decode(doc("id,nom,adresse", " bis"), nil)
			if noCache.Under != "" || noCache.Records[0].Sum != ([32]byte{}) {
				t.Error("a decode without a cache set sums")
			}
			byFields := hashes(noCache, "salt")
			if again := hashes(noCache, "salt"); !slices.Equal(byFields, again) || byFields[0] == byFields[1] {
				t.Error("hashes by fields are not a function of the fields")
			}
			if name != "csv" {
				return
			}
			renamed, _ := decode(doc("id,nom,adresse_postale", " bis"), &cache)
			if r := hashes(renamed, "salt"); r[29] == b[29] {
				t.Error("the same row under another header kept its hash")
			}
		})
	}
}
