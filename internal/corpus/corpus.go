// Package corpus holds what the measuring tools (tools/quality,
// tools/evaldedup) share: the geocoder they run the reference corpus
// through, and the markdown report sections they each own.
package corpus

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/geo/geocodertest"
	"github.com/maillage/maillage/pipeline"
)

// NewPlacer returns the geocoding step for spec ("off", "fake" for the
// offline fake of geo/geocodertest, or a base URL), a description of the
// geocoder for the report, and what stops it.
func NewPlacer(spec string) (*pipeline.Placer, string, func()) {
	stop, url := func() {}, spec
	used := "the Géoplateforme geocoder at " + url
	switch spec {
	case "off":
		return nil, "no geocoder", stop
	case "fake":
		f, srv := geocodertest.Start()
		url, stop = srv.URL, srv.Close
		used = fmt.Sprintf("the offline fake geocoder of `geo/geocodertest` (%d real Géoplateforme answers recorded in the corpus; the live service places more)", len(f.Entries()))
	}
	g := geo.NewGeocoder(geo.GeocoderOptions{BaseURL: url, Timeout: time.Minute, Retries: 2})
	return &pipeline.Placer{Geocoder: g, Policy: geo.DefaultPolicy, RetryFailures: time.Hour}, used, stop
}

// WriteSection replaces, in the markdown file at path, the text between
// the markers of section name (appending the section when absent), so that
// several tools can each own a part of one document.
func WriteSection(path, name, content string) error {
	start, end := "<!-- "+name+":start -->\n", "<!-- "+name+":end -->\n"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("corpus: %w", err)
	}
	doc := string(old)
	block := start + content + end
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	switch {
	case i >= 0 && j > i:
		doc = doc[:i] + block + doc[j+len(end):]
	case doc == "":
		doc = block
	default:
		doc = strings.TrimRight(doc, "\n") + "\n\n" + block
	}
	return exporters.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, doc)
		return err
	})
}
