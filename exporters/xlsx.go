package exporters

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/maillage/maillage/schema"
)

// XLSXWriter streams lieux into an Office Open XML workbook (ECMA-376)
// with one sheet: the header row of the standard's CSV, frozen, then one
// row per lieu with the same cells as the CSV. Every cell is an inline
// string (t="inlineStr"), so a spreadsheet shows a value such as
// =HYPERLINK(…) as text and never evaluates it. The sheet is written as
// the rows come; only the zip's directory waits for Close.
type XLSXWriter struct {
	zw   *zip.Writer
	w    *bufio.Writer
	rows int
	err  error
}

// xlsxMaxCell is the most characters a spreadsheet cell holds.
const xlsxMaxCell = 32767

// xlsxParts are the workbook's fixed parts, written before the sheet.
var xlsxParts = []struct{ name, body string }{
	{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`},
	{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="lieux" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
	// one font, no fill, no border; cell style 1 is the text format (@) with
	// wrapping off, which every data cell uses, and style 2 the bold header
	{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/></cellXfs></styleSheet>`},
}

// NewXLSXWriter writes the workbook's fixed parts and the header row.
func NewXLSXWriter(w io.Writer) (*XLSXWriter, error) {
	x := &XLSXWriter{zw: zip.NewWriter(w)}
	for _, p := range xlsxParts {
		pw, err := x.zw.Create(p.name)
		if err == nil {
			_, err = io.WriteString(pw, p.body)
		}
		if err != nil {
			return nil, fmt.Errorf("exporters: xlsx %s: %w", p.name, err)
		}
	}
	sheet, err := x.zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, fmt.Errorf("exporters: xlsx sheet: %w", err)
	}
	x.w = bufio.NewWriterSize(sheet, 64<<10)
	x.w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>`)
	x.row(schema.Current().FieldNames(), 2)
	return x, x.err
}

// Write adds one lieu's row: the CSV's cells, in the CSV's order.
func (x *XLSXWriter) Write(l *schema.Lieu) error {
	x.row(l.Row(), 1)
	if x.err != nil {
		return fmt.Errorf("exporters: xlsx row %s: %w", l.ID, x.err)
	}
	return nil
}

// row writes one row of inline-string cells of a style.
func (x *XLSXWriter) row(cells []string, style int) {
	if x.err != nil {
		return
	}
	x.rows++
	n := strconv.Itoa(x.rows)
	x.w.WriteString(`<row r="` + n + `">`)
	for i, c := range cells {
		if c == "" {
			continue
		}
		x.w.WriteString(`<c r="` + columnName(i) + n + `" s="` + strconv.Itoa(style) + `" t="inlineStr"><is><t xml:space="preserve">`)
		writeXMLText(x.w, c)
		x.w.WriteString(`</t></is></c>`)
	}
	_, x.err = x.w.WriteString(`</row>`)
}

// Close ends the sheet and writes the zip's directory.
func (x *XLSXWriter) Close() error {
	if x.err == nil {
		_, x.err = x.w.WriteString(`</sheetData></worksheet>`)
	}
	if x.err == nil {
		x.err = x.w.Flush()
	}
	if x.err == nil {
		x.err = x.zw.Close()
	}
	if x.err != nil {
		return fmt.Errorf("exporters: xlsx: %w", x.err)
	}
	return nil
}

// columnName is a spreadsheet's name of the i-th column: A…Z, AA, AB…
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}

// writeXMLText writes s as XML character data: markup escaped, characters
// XML 1.0 cannot hold left out, and at most the characters a cell holds.
func writeXMLText(w *bufio.Writer, s string) {
	if utf8.RuneCountInString(s) > xlsxMaxCell {
		s = string([]rune(s)[:xlsxMaxCell])
	}
	if !strings.ContainsAny(s, "<>&\"\r\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f") {
		w.WriteString(s)
		return
	}
	for _, r := range s {
		switch {
		case r == '<':
			w.WriteString("&lt;")
		case r == '>':
			w.WriteString("&gt;")
		case r == '&':
			w.WriteString("&amp;")
		case r == '"':
			w.WriteString("&quot;")
		case r == '\r':
			w.WriteString("&#13;")
		case r < 0x20 && r != '\t' && r != '\n', r == 0xFFFE, r == 0xFFFF:
			// not a character XML 1.0 allows
		default:
			w.WriteRune(r)
		}
	}
}
