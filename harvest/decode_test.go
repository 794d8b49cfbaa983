package harvest_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/maillage/maillage/harvest"
)

func decode(t *testing.T, body string, opts harvest.DecodeOptions) *harvest.Table {
	t.Helper()
	tab, err := harvest.Decode(&harvest.Payload{Body: []byte(body)}, opts)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return tab
}

func TestDecodeCSV(t *testing.T) {
	cases := []struct {
		name, body  string
		wantCols    string
		wantRecords int
		wantLine2   int
		wantValue   [3]string // record index, column, value
	}{
		{"comma LF", "id,nom\n1,Médiathèque\n2,EPN\n", "id|nom", 2, 3, [3]string{"1", "nom", "EPN"}},
		{"semicolon CRLF", "id;nom\r\n1;A\r\n2;B\r\n", "id|nom", 2, 3, [3]string{"0", "nom", "A"}},
		{"BOM", "\xEF\xBB\xBFid,nom\n1,A\n", "id|nom", 1, 0, [3]string{"0", "id", "1"}},
		{"multi-line quoted cell", "id,adresse\n1,\"5 rue X\nBâtiment B\"\n2,Y\n", "id|adresse", 2, 4, [3]string{"0", "adresse", "5 rue X\nBâtiment B"}},
		{"CR only (Mac)", "id;nom\r1;A\r2;B\r", "id|nom", 2, 3, [3]string{"1", "nom", "B"}},
		{"quoted separators", "\"id\",\"nom\"\n\"1\",\"A, B; C\"\n", "id|nom", 1, 0, [3]string{"0", "nom", "A, B; C"}},
		{"windows-1252", "id;nom\n1;M\xe9diath\xe8que\n", "id|nom", 1, 0, [3]string{"0", "nom", "Médiathèque"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := decode(t, c.body, harvest.DecodeOptions{Format: "csv"})
			if strings.Join(tab.Columns, "|") != c.wantCols || len(tab.Records) != c.wantRecords {
				t.Fatalf("columns %q, %d records", tab.Columns, len(tab.Records))
			}
			if c.wantLine2 > 0 && tab.Records[1].Line != c.wantLine2 {
				t.Errorf("second record starts at line %d, want %d", tab.Records[1].Line, c.wantLine2)
			}
			idx := int(c.wantValue[0][0] - '0')
			if got := tab.Records[idx].Value(c.wantValue[1]); got != c.wantValue[2] {
				t.Errorf("record %d %s = %q, want %q", idx, c.wantValue[1], got, c.wantValue[2])
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name, body, key string
		wantCols        string
		wantFormat      string
		check           func(*harvest.Table) string
	}{
		{"array keeps member order and scalar text", `[{"z":"a","nom":"X","lat":43.5,"ok":true,"vide":null,"tags":["a","b"]}]`, "",
			"z|nom|lat|ok|vide|tags", "json", func(t *harvest.Table) string {
				r := t.Records[0]
				return r.Value("lat") + r.Value("ok") + "[" + r.Value("vide") + "]" + r.Value("tags")
			}},
		{"feature collection", `{"type":"FeatureCollection","features":[{"type":"Feature","id":7,"properties":{"nom":"A"},"geometry":{"type":"Point","coordinates":[5.8,46.1]}}]}`, "",
			"nom|id|geometry", "geojson", func(t *harvest.Table) string { return t.Records[0].Value("geometry") }},
		{"array of features", `[{"type":"Feature","properties":{"nom":"A"},"geometry":null}]`, "",
			"nom|geometry", "json", func(t *harvest.Table) string { return t.Records[0].Value("nom") }},
		{"records under a key", `{"total":1,"results":[{"nom":"A"}]}`, "results",
			"nom", "json", func(t *harvest.Table) string { return t.Records[0].Value("nom") }},
	}
	want := map[string]string{
		"array keeps member order and scalar text": `43.5true[]a|b`,
		"feature collection":                       `{"type":"Point","coordinates":[5.8,46.1]}`,
		"array of features":                        "A",
		"records under a key":                      "A",
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := decode(t, c.body, harvest.DecodeOptions{RecordsKey: c.key})
			if strings.Join(tab.Columns, "|") != c.wantCols || tab.Format != c.wantFormat {
				t.Fatalf("columns %q format %s", tab.Columns, tab.Format)
			}
			if got := c.check(tab); got != want[c.name] {
				t.Errorf("got %q, want %q", got, want[c.name])
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, body, contentType, format, want string
	}{
		{"truncated JSON", `[{"nom":"A"},{"nom":"B"`, "", "", "truncated JSON"},
		{"invalid JSON", "[{\"nom\":\"A\"},\n{nom}]", "", "", "invalid JSON at byte"},
		{"HTML page", "<!DOCTYPE html><html><body>Erreur</body></html>", "", "csv", "HTML page"},
		{"HTML content type", "id,nom\n", "text/html; charset=utf-8", "", "HTML page"},
		{"ragged CSV", "id,nom,cp\n1,A,13500\n2,B\n", "", "csv", "CSV row 2 (line 3): 2 fields, the header has 3"},
		{"empty", "  \n", "", "", "empty document"},
		{"JSON object without records", `{"a":1}`, "", "json", "records_key"},
		{"broken CSV quote", "id,nom\n1,\"A\n", "", "csv", "CSV line 2, column"},
		{"header only", "id,nom\n", "", "csv", "header only (line 1)"},
		{"binary garbage", "\x00\x01\x02PK garbage", "", "", "binary content"},
		{"invalid UTF-8 inside UTF-8", "id,nom\n1,Médiathèque\n2,caf\xe9\n", "", "csv", "invalid UTF-8 at byte 28 (line 3)"},
		{"zip with two files", "", "", "", ""},
	}
	for _, c := range cases {
		if c.want == "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			_, err := harvest.Decode(&harvest.Payload{Body: []byte(c.body), ContentType: c.contentType}, harvest.DecodeOptions{Format: c.format})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestRecordHashIsContentBased(t *testing.T) {
	a := harvest.Record{Index: 0, Fields: []harvest.Field{{Name: "nom", Value: "A"}}}
	b := harvest.Record{Index: 9, Fields: []harvest.Field{{Name: "nom", Value: "A"}}}
	c := harvest.Record{Fields: []harvest.Field{{Name: "nom", Value: "B"}}}
	if a.Hash() != b.Hash() || a.Hash() == c.Hash() {
		t.Error("hash must depend on fields only")
	}
}

func TestDecodeEncodingsAndContainers(t *testing.T) {
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range "id;nom\n1;Médiathèque\n" {
		utf16le = append(utf16le, byte(r), byte(r>>8))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("id,nom\n1,Médiathèque\n"))
	zw.Close()
	var zipped bytes.Buffer
	w := zip.NewWriter(&zipped)
	f, _ := w.Create("export/lieux.json")
	f.Write([]byte(`[{"id":"1","nom":"Médiathèque"}]`))
	w.Close()
	cases := []struct {
		name string
		body []byte
		note string
	}{
		{"UTF-16 with BOM", utf16le, "UTF-16"},
		{"Windows-1252", []byte("id;nom\n1;M\xe9diath\xe8que\n"), "Windows-1252"},
		{"Mac Roman", []byte("id;nom\n1;M\x8Ediath\x8Fque\n"), "Mac Roman"},
		{"gzip", gz.Bytes(), ""},
		{"zip holding one file", zipped.Bytes(), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, err := harvest.Decode(&harvest.Payload{Body: c.body}, harvest.DecodeOptions{Name: "lieux.csv.gz"})
			if err != nil {
				t.Fatal(err)
			}
			if got := tab.Records[0].Value("nom"); got != "Médiathèque" || !strings.Contains(strings.Join(tab.Notes, ";"), c.note) {
				t.Errorf("nom %q, notes %v", got, tab.Notes)
			}
		})
	}
}

// TestHeaderOverTwoRows: a group row above the names (merged cells:
// the group's name repeated, or written once above gaps) and a name
// wrapped onto a second line both join the row below; a first data row
// of text only stays a record.
func TestHeaderOverTwoRows(t *testing.T) {
	cases := []struct{ name, body, columns string }{
		{"group repeated", "Lieu;Adresse;Adresse;Contact\nNom;Code postal;Commune;Téléphone\nEPN;69001;Lyon;0472000000\n", "Lieu Nom|Adresse Code postal|Adresse Commune|Contact Téléphone"},
		{"group over gaps", "Lieu;Adresse;;Contact\nNom;Code postal;Commune;Téléphone\nEPN;69001;Lyon;0472000000\n", "Lieu Nom|Adresse Code postal|Adresse Commune|Contact Téléphone"},
		{"wrapped names", "Nom de;Code;Commune;Numéro de\nla structure;postal;;téléphone\nEPN;69001;Lyon;0472000000\n", "Nom de la structure|Code postal|Commune|Numéro de téléphone"},
		{"text-only first record", "Nom;Commune;Type\nEPN;Lyon;\nCyber-base;Bron;Association\n", "Nom|Commune|Type"},
		{"text-only first record above numbers", "Nom;Commune;Code postal\nEPN;Lyon;\nCyber-base;Bron;69500\n", "Nom|Commune|Code postal"},
		{"record repeating a name below", "Nom;Commune;Type\nEPN;;Association\nEPN;Bron;Association\n", "Nom|Commune|Type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := decode(t, c.body, harvest.DecodeOptions{Format: "csv", Delimiter: ";"})
			if got := strings.Join(tab.Columns, "|"); got != c.columns {
				t.Errorf("columns %q, want %q (notes %v)", got, c.columns, tab.Notes)
			}
		})
	}
}

func TestHeaderRowFound(t *testing.T) {
	body := "Lieux de médiation numérique — export du 12/03,,\n,,\nIdentité,,Contact\nNom,Commune,Téléphone\nEPN,Lyon,0472000000\n"
	tab := decode(t, body, harvest.DecodeOptions{Format: "csv"})
	// the group row (« Identité » over two columns) is part of the header
	if strings.Join(tab.Columns, "|") != "Identité Nom|Identité Commune|Contact Téléphone" || len(tab.Records) != 1 || tab.Records[0].Line != 5 {
		t.Errorf("columns %q, %d records, notes %v", tab.Columns, len(tab.Records), tab.Notes)
	}
}

func TestJSONRecordsKeyAndFlattening(t *testing.T) {
	body := `{"total_count": 1, "results": [{"nom": "EPN", "adresse": {"voie": "1 rue X", "cp": "69001"},
		"geo_point_2d": {"lon": 4.8, "lat": 45.7}, "services": ["a", "b"], "geometry": {"type": "Point", "coordinates": [4.8, 45.7]}}]}`
	tab := decode(t, body, harvest.DecodeOptions{})
	r := tab.Records[0]
	if strings.Join(tab.Columns, "|") != "nom|adresse.voie|adresse.cp|geo_point_2d|services|geometry" ||
		r.Value("adresse.cp") != "69001" || r.Value("services") != "a|b" || r.Value("geo_point_2d") != `{"lon":4.8,"lat":45.7}` {
		t.Errorf("columns %q, record %+v", tab.Columns, r)
	}
}
