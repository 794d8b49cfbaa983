package exporters

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/maillage/maillage/schema"
)

// LieuWriter writes lieux one at a time into one file of a format; Close
// ends the file (and does not close the io.Writer underneath).
type LieuWriter interface {
	Write(l *schema.Lieu) error
	Close() error
}

// Format is one open-data format the lieux are published in.
type Format struct {
	// Name is how the CLI's --format and the file extension name it.
	Name string
	// ContentType is the media type of its files.
	ContentType string
	// Title describes it, for datapackage.json and data.gouv.fr.
	Title string
	// New starts a file.
	New func(w io.Writer) (LieuWriter, error)
}

// FileName is the name of the lieux file in this format.
func (f Format) FileName() string { return "lieux." + f.Name }

// Formats are the formats, in the order they are listed.
var Formats = []Format{
	{"csv", "text/csv; charset=utf-8", "CSV au schéma national des lieux de médiation numérique",
		func(w io.Writer) (LieuWriter, error) { return NewCSVWriter(w) }},
	{"geojson", "application/geo+json", "GeoJSON (RFC 7946), propriétés au schéma national",
		func(w io.Writer) (LieuWriter, error) { return NewGeoJSONWriter(w), nil }},
	{"parquet", "application/vnd.apache.parquet", "GeoParquet 1.1 (géométrie WKB), pour l'analyse",
		func(w io.Writer) (LieuWriter, error) { return NewParquetWriter(w), nil }},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Classeur XLSX, cellules au format texte",
		func(w io.Writer) (LieuWriter, error) { return NewXLSXWriter(w) }},
}

// FormatNamed returns a format by its name.
func FormatNamed(name string) (Format, error) {
	for _, f := range Formats {
		if f.Name == name {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("exporters: %q is not a format (%s)", name, strings.Join(FormatNames(), ", "))
}

// FormatNames lists the formats' names.
func FormatNames() []string {
	out := make([]string, len(Formats))
	for i, f := range Formats {
		out[i] = f.Name
	}
	return out
}

// dateDays is a date_maj as days since 1970-01-01 (Parquet's DATE).
func dateDays(s string) (int32, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, err
	}
	return int32(t.Unix() / 86400), nil
}
