package datagouv

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
)

// CheckFile makes sure a file about to be published is what it claims:
// the CSV valid against the standard (no error) with n lieux, the
// GeoJSON a FeatureCollection of n features, the GeoParquet n rows with
// its geo metadata, the XLSX a workbook of n rows under its header. An
// invalid file is never uploaded.
func CheckFile(path string, f exporters.Format, n int) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("datagouv: check %s: %w", path, err)
	}
	got, err := countOf(raw, f)
	if err != nil {
		return fmt.Errorf("datagouv: %s is not valid: %w", f.FileName(), err)
	}
	if got != n {
		return fmt.Errorf("datagouv: %s holds %d lieux, %d were written", f.FileName(), got, n)
	}
	return nil
}

func countOf(raw []byte, f exporters.Format) (int, error) {
	switch f.Name {
	case "csv":
		return csvCount(raw)
	case "geojson":
		var fc struct {
			Type     string
			Features []json.RawMessage
		}
		if err := json.Unmarshal(raw, &fc); err != nil || fc.Type != "FeatureCollection" {
			return 0, fmt.Errorf("not a FeatureCollection: %v", err)
		}
		return len(fc.Features), nil
	case "parquet":
		pf, err := parquet.OpenFile(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			return 0, err
		}
		if _, ok := pf.Lookup("geo"); !ok {
			return 0, fmt.Errorf("no GeoParquet metadata")
		}
		return int(pf.NumRows()), nil
	case "xlsx":
		return xlsxRows(raw)
	}
	return 0, fmt.Errorf("no check for the format %s", f.Name)
}

func csvCount(raw []byte) (int, error) {
	table, _, err := schema.ReadCSVTable(bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	v, err := schema.NewValidator(schema.Current())
	if err != nil {
		return 0, err
	}
	if rep := v.Validate(table); !rep.Valid() {
		return 0, fmt.Errorf("%d errors against the standard %s", rep.Count(schema.SeverityError), schema.CurrentVersion)
	}
	return len(table.Rows), nil
}

// xlsxRows counts the data rows of the workbook's sheet.
func xlsxRows(raw []byte) (int, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return 0, err
	}
	sheet, err := zr.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		return 0, err
	}
	defer sheet.Close()
	body, err := io.ReadAll(sheet)
	if err != nil {
		return 0, err
	}
	return bytes.Count(body, []byte("<row ")) - 1, nil
}
