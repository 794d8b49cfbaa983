// Package exportread reads the open-data files maillage writes with
// readers it did not write — Apache Arrow's Parquet reader, excelize for
// XLSX, a JSON Schema validator — so that the tests check the files the
// way their users' tools will read them. Only tests import it.
package exportread

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/dlclark/regexp2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"

	"github.com/maillage/maillage/schema"
)

// XLSXRows reads the "lieux" sheet of a workbook as rows of the
// standard's width (a reader leaves out the empty cells at a row's end),
// and fails on a cell holding a formula or typed otherwise than text.
// The cells' types are read for the first data row and for every value
// that starts like a formula or reads as a number (excelize looks each
// cell up anew: all of them would be quadratic).
func XLSXRows(b []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := f.GetRows("lieux")
	if err != nil {
		return nil, err
	}
	width := len(schema.Current().FieldNames())
	for r, row := range rows {
		for c := range row {
			if _, err := strconv.ParseFloat(row[c], 64); r != 1 && err != nil && !schema.StartsLikeFormula(strings.TrimPrefix(row[c], "'")) {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if formula, _ := f.GetCellFormula("lieux", cell); formula != "" {
				return nil, fmt.Errorf("%s holds the formula %q", cell, formula)
			}
			if typ, _ := f.GetCellType("lieux", cell); row[c] != "" && typ != excelize.CellTypeInlineString {
				return nil, fmt.Errorf("%s (%q) is of type %v", cell, row[c], typ)
			}
		}
		if len(row) > width {
			return nil, fmt.Errorf("row %d: %d cells", r+1, len(row))
		}
		rows[r] = append(row, make([]string, width-len(row))...)
	}
	return rows, nil
}

// ParquetRows reads a GeoParquet file with Apache Arrow's reader: its
// rows as the standard's CSV cells (header first) and its "geo"
// metadata. Each WKB point must be the row's longitude and latitude.
func ParquetRows(b []byte) ([][]string, string, error) {
	pr, err := file.NewParquetReader(bytes.NewReader(b))
	if err != nil {
		return nil, "", err
	}
	defer pr.Close()
	geo := pr.MetaData().KeyValueMetadata().FindValue("geo")
	if geo == nil {
		return nil, "", errors.New("no geo metadata")
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, "", err
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, "", err
	}
	defer tbl.Release()
	fields := schema.Current().FieldNames()
	rows := [][]string{fields}
	for range tbl.NumRows() {
		rows = append(rows, make([]string, len(fields)))
	}
	for c, name := range append(fields, "geometry") {
		chunks, err := column(tbl, name)
		if err != nil {
			return nil, "", err
		}
		r := 1
		for _, a := range chunks {
			for i := range a.Len() {
				if name == "geometry" {
					err = checkPoint(a.(*array.Binary), i, rows[r])
				} else {
					rows[r][c], err = cellOf(a, i)
				}
				if err != nil {
					return nil, "", fmt.Errorf("row %d, %s: %w", r, name, err)
				}
				r++
			}
		}
	}
	return rows, *geo, nil
}

func column(tbl arrow.Table, name string) ([]arrow.Array, error) {
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		return nil, fmt.Errorf("no column %s", name)
	}
	return tbl.Column(idx[0]).Data().Chunks(), nil
}

// checkPoint compares a WKB point with the row's coordinates.
func checkPoint(a *array.Binary, i int, row []string) error {
	fields := schema.Current().FieldNames()
	var lon, lat string
	for c, f := range fields {
		switch f {
		case "longitude":
			lon = row[c]
		case "latitude":
			lat = row[c]
		}
	}
	if a.IsNull(i) != (lon == "") {
		return fmt.Errorf("geometry null %v, longitude %q", a.IsNull(i), lon)
	}
	if a.IsNull(i) {
		return nil
	}
	g, err := wkb.Unmarshal(a.Value(i))
	p, ok := g.(orb.Point)
	if err != nil || !ok || strconv.FormatFloat(p[0], 'f', -1, 64) != lon || strconv.FormatFloat(p[1], 'f', -1, 64) != lat {
		return fmt.Errorf("geometry %v %v, want %s %s", g, err, lon, lat)
	}
	return nil
}

// cellOf is one value of an Arrow column as the CSV writes it.
func cellOf(a arrow.Array, i int) (string, error) {
	if a.IsNull(i) {
		return "", nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), nil
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'f', -1, 64), nil
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02"), nil
	case *array.List:
		start, end := a.ValueOffsets(i)
		values, ok := a.ListValues().(*array.String)
		if !ok {
			return "", fmt.Errorf("a list of %s", a.ListValues().DataType())
		}
		var out []string
		for j := start; j < end; j++ {
			out = append(out, values.Value(int(j)))
		}
		return strings.Join(out, schema.MultiSeparator), nil
	}
	return "", fmt.Errorf("a column of type %s", a.DataType())
}

// ecmaRegexp compiles a JSON Schema pattern as ECMA 262 reads it, as the
// JSON Schema specification says patterns are.
func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaPattern{re}, nil
}

type ecmaPattern struct{ re *regexp2.Regexp }

func (p ecmaPattern) MatchString(s string) bool {
	ok, err := p.re.MatchString(s)
	return ok && err == nil
}

func (p ecmaPattern) String() string { return p.re.String() }

// ValidateJSON checks a document against the JSON Schema at schemaPath.
// The schemas it refers to must be files of the same directory ending
// in .schema.json, known by their $id: validation uses no network.
func ValidateJSON(schemaPath string, doc []byte) error {
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(ecmaRegexp) // the Frictionless profiles' patterns use look-ahead
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(schemaPath), "*.schema.json"))
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sch, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		id := path
		if m, ok := sch.(map[string]any); ok && m["$id"] != nil && path != schemaPath {
			id, _ = m["$id"].(string)
		}
		if err := c.AddResource(id, sch); err != nil {
			return err
		}
	}
	compiled, err := c.Compile(schemaPath)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return compiled.Validate(v)
}
