package exporters_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
)

func sample() []schema.Lieu {
	lon, lat := 5.41423, 43.52609
	return []schema.Lieu{
		{ID: "a", Nom: `La "Quincaillerie", tiers-lieu`, Adresse: "12 BIS RUE\nBâtiment B", Longitude: &lon, Latitude: &lat,
			Placement: &schema.Placement{Source: schema.PointFromGeocoder, Precision: "housenumber", Score: 0.93},
			Services:  []string{"Aide aux démarches administratives", "Loisirs et créations numériques"}},
		{ID: "b", Nom: "Sans coordonnées"},
	}
}

func TestCSVQuotingAndOrder(t *testing.T) {
	var b bytes.Buffer
	w, err := exporters.NewCSVWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range sample() {
		w.Write(&l)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\r\n") || !strings.Contains(b.String(), `"La ""Quincaillerie"", tiers-lieu"`) {
		t.Errorf("RFC 4180 quoting / CRLF missing:\n%s", b.String())
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 3 || len(rows[0]) != 32 {
		t.Fatalf("%v %d rows", err, len(rows))
	}
	if rows[1][6] != "12 BIS RUE\nBâtiment B" || rows[1][8] != "43.52609" || rows[1][9] != "5.41423" ||
		rows[1][21] != "Aide aux démarches administratives|Loisirs et créations numériques" {
		t.Errorf("row %q", rows[1])
	}
}

func TestGeoJSON(t *testing.T) {
	var b bytes.Buffer
	w := exporters.NewGeoJSONWriter(&b)
	for _, l := range sample() {
		w.Write(&l)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []struct {
			Type     string
			ID       string
			Geometry *struct {
				Type        string
				Coordinates []float64
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(b.Bytes(), &fc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	f := fc.Features
	if fc.Type != "FeatureCollection" || len(f) != 2 || f[0].ID != "a" || f[0].Geometry.Coordinates[0] != 5.41423 ||
		f[1].Geometry != nil || len(f[0].Properties["services"].([]any)) != 2 {
		t.Errorf("%s", b.String())
	}
	if p, _ := f[0].Properties["placement"].(map[string]any); p["source"] != "geocoder" || p["precision"] != "housenumber" || p["score"] != 0.93 {
		t.Errorf("placement %v", f[0].Properties["placement"])
	}
	var empty bytes.Buffer
	exporters.NewGeoJSONWriter(&empty).Close()
	if err := json.Unmarshal(empty.Bytes(), &fc); err != nil || len(fc.Features) != 0 {
		t.Errorf("empty collection: %v %s", err, empty.String())
	}
}

func TestWriteFileAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "lieux.csv")
	if err := exporters.WriteFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "v1"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := exporters.WriteFileAtomic(path, func(w io.Writer) error { io.WriteString(w, "partial"); return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if string(got) != "v1" || len(entries) != 1 {
		t.Errorf("a failed write must leave the previous file alone: %q, %d entries", got, len(entries))
	}
}
