// Package exporters writes the published lieux in open-data formats: the
// national standard's CSV, GeoJSON (RFC 7946), the provenance table and the
// run report. Writers stream, so exports never hold the dataset twice.
package exporters

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/maillage/maillage/internal/failpoint"
	"github.com/maillage/maillage/schema"
)

// CSVWriter writes lieux as a CSV file of the national standard: UTF-8,
// comma-separated, RFC 4180 quoting and CRLF line ends, columns in schema
// order, "|" between values of multi-valued fields.
type CSVWriter struct {
	w *bufio.Writer
	r CSVRenderer
}

// NewCSVWriter writes the header row.
func NewCSVWriter(w io.Writer) (*CSVWriter, error) {
	c := &CSVWriter{w: bufio.NewWriter(w)}
	header, err := c.r.render(schema.Current().FieldNames())
	if err != nil {
		return nil, fmt.Errorf("exporters: csv header: %w", err)
	}
	_, err = c.w.Write(header)
	return c, err
}

// Write writes one lieu.
func (c *CSVWriter) Write(l *schema.Lieu) error {
	row, err := c.r.Render(l)
	if err != nil {
		return err
	}
	return c.WriteRendered(row)
}

// WriteRendered writes one row as a CSVRenderer rendered it.
func (c *CSVWriter) WriteRendered(row []byte) error {
	if _, err := c.w.Write(row); err != nil {
		return fmt.Errorf("exporters: csv: %w", err)
	}
	return nil
}

// Close flushes the output.
func (c *CSVWriter) Close() error {
	if err := c.w.Flush(); err != nil {
		return fmt.Errorf("exporters: csv: %w", err)
	}
	return nil
}

// CSVRenderer renders lieux as rows of the CSV file, one at a time.
type CSVRenderer struct {
	buf bytes.Buffer
	cw  *csv.Writer
}

// Render returns a lieu's row, line end included, in a new slice.
func (r *CSVRenderer) Render(l *schema.Lieu) ([]byte, error) {
	row, err := r.render(l.Row())
	if err != nil {
		return nil, fmt.Errorf("exporters: csv row %s: %w", l.ID, err)
	}
	return row, nil
}

func (r *CSVRenderer) render(cells []string) ([]byte, error) {
	if r.cw == nil {
		r.cw = csv.NewWriter(&r.buf)
		r.cw.UseCRLF = true
	}
	r.buf.Reset()
	r.cw.Write(cells)
	r.cw.Flush()
	if err := r.cw.Error(); err != nil {
		return nil, err
	}
	return bytes.Clone(r.buf.Bytes()), nil
}

// Feature is a lieu as an RFC 7946 Feature: the lieu id as feature id, the
// point in longitude, latitude order (null when unknown), the standard's
// fields as properties with multi-valued fields as arrays.
type Feature struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Geometry   *geojson.Geometry `json:"geometry"`
	Properties *schema.Lieu      `json:"properties"`
}

// NewFeature wraps a lieu.
func NewFeature(l *schema.Lieu) Feature {
	f := Feature{Type: "Feature", ID: l.ID, Properties: l}
	if lon, lat, ok := l.Point(); ok {
		f.Geometry = geojson.NewGeometry(orb.Point{lon, lat})
	}
	return f
}

// GeoJSONWriter streams a FeatureCollection.
type GeoJSONWriter struct {
	w   *bufio.Writer
	n   int
	err error
}

// NewGeoJSONWriter opens the collection.
func NewGeoJSONWriter(w io.Writer) *GeoJSONWriter {
	g := &GeoJSONWriter{w: bufio.NewWriter(w)}
	_, g.err = g.w.WriteString(`{"type":"FeatureCollection","features":[`)
	return g
}

// RenderFeature returns a lieu as one Feature of the collection.
func RenderFeature(l *schema.Lieu) ([]byte, error) {
	b, err := json.Marshal(NewFeature(l))
	if err != nil {
		return nil, fmt.Errorf("exporters: geojson %s: %w", l.ID, err)
	}
	return b, nil
}

// Write adds one lieu.
func (g *GeoJSONWriter) Write(l *schema.Lieu) error {
	b, err := RenderFeature(l)
	if err != nil {
		return err
	}
	return g.WriteRendered(b)
}

// WriteRendered adds one feature as RenderFeature rendered it.
func (g *GeoJSONWriter) WriteRendered(b []byte) error {
	if g.err != nil {
		return g.err
	}
	if g.n > 0 {
		g.w.WriteByte(',')
	}
	g.w.WriteByte('\n')
	_, g.err = g.w.Write(b)
	g.n++
	return g.err
}

// Close ends the collection and flushes.
func (g *GeoJSONWriter) Close() error {
	if g.err == nil {
		_, g.err = g.w.WriteString("\n]}\n")
	}
	if g.err == nil {
		g.err = g.w.Flush()
	}
	if g.err != nil {
		return fmt.Errorf("exporters: geojson: %w", g.err)
	}
	return nil
}

// ProvenanceFields are the columns of provenance.csv.
var ProvenanceFields = []string{"lieu_id", "source", "record_key"}

// ProvenanceWriter writes provenance.csv: one row per source record merged
// into a lieu.
type ProvenanceWriter struct {
	w *csv.Writer
}

// NewProvenanceWriter writes the header row.
func NewProvenanceWriter(w io.Writer) (*ProvenanceWriter, error) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(ProvenanceFields); err != nil {
		return nil, fmt.Errorf("exporters: provenance header: %w", err)
	}
	return &ProvenanceWriter{w: cw}, nil
}

// Write writes one link.
func (p *ProvenanceWriter) Write(lieuID, source, recordKey string) error {
	if err := p.w.Write([]string{lieuID, source, recordKey}); err != nil {
		return fmt.Errorf("exporters: provenance: %w", err)
	}
	return nil
}

// Close flushes the output.
func (p *ProvenanceWriter) Close() error {
	p.w.Flush()
	if err := p.w.Error(); err != nil {
		return fmt.Errorf("exporters: provenance: %w", err)
	}
	return nil
}

// WriteJSON writes v indented, for report.json.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("exporters: json: %w", err)
	}
	return nil
}

// WriteFileAtomic writes a world-readable file through a temporary file
// and a rename, so readers never see a half-written export.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return writeFileAtomic(path, 0o644, write)
}

// WritePrivateFileAtomic is WriteFileAtomic for a file only its owner
// may read (personal data for the operator).
func WritePrivateFileAtomic(path string, write func(io.Writer) error) error {
	return writeFileAtomic(path, 0o600, write)
}

func writeFileAtomic(path string, mode os.FileMode, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("exporters: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPrefix(filepath.Base(path))+"*")
	if err != nil {
		return fmt.Errorf("exporters: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("exporters: %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("exporters: %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil { // the rename must never publish a file the disk does not hold
		tmp.Close()
		return fmt.Errorf("exporters: %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("exporters: %s: %w", path, err)
	}
	failpoint.Reach(failpoint.Export)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("exporters: %s: %w", path, err)
	}
	return nil
}
