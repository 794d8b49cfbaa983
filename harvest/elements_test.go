package harvest

import (
	"fmt"
	"reflect"
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
	if !reflect.DeepEqual(second, scratch) {
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
	if !reflect.DeepEqual(second, scratch) {
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
