package harvest_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/maillage/maillage/harvest"
)

// hostileLimit is the unpacked-size limit the hostile inputs meet.
const hostileLimit = 2 << 20

// TestHostileInputs: decompression bombs, forged archive sizes, a zip of
// 100,000 entries, a 100,000-column CSV and a 50 MB cell each end with
// an error that names the problem and the setting and stays short, or
// with a result; what was allocated stays within a few times the limit.
func TestHostileInputs(t *testing.T) {
	zeros := bytes.Repeat([]byte{'0'}, 32*hostileLimit) // 64 MiB of one byte
	cases := []struct {
		name     string
		file     string
		body     func() []byte
		want     string // in the error; "" for a result
		maxAlloc int64
	}{
		{"gzip bomb", "lieux.csv.gz", func() []byte { return gzipped(zeros) }, "more than 2097152 bytes (harvest.max_unpacked_bytes)", 12 * hostileLimit},
		{"zip bomb", "lieux.zip", func() []byte { return zipped("lieux.csv", zeros) }, "more than 2097152 bytes (harvest.max_unpacked_bytes)", 12 * hostileLimit},
		{"zip with a forged size", "lieux.zip", forgedZip, "zip: lieux.csv: declares 1073741824 bytes and does not hold them", 1 << 20},
		{"zip of 100,000 entries", "lieux.zip", manyEntries, "zip: 100000 data files (f0.csv, f1.csv, f2.csv, f3.csv, f4.csv, and 99995 more); one expected", 256 << 20},
		{"100,000 columns", "lieux.csv", wideCSV, "", 512 << 20},
		{"a 50 MB cell", "lieux.csv", bigCell, "", 512 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, c.file), c.body(), 0o644)
			h := harvest.New(harvest.Options{BaseDir: dir, MaxUnpacked: hostileLimit})
			src := harvest.Source{Name: "hostile", Kind: "file", Location: c.file}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p, err := h.Fetch(context.Background(), src, harvest.Conditional{})
			var table *harvest.Table
			if err == nil {
				table, err = h.Decode(src, p)
			}
			runtime.ReadMemStats(&after)
			if alloc := int64(after.TotalAlloc - before.TotalAlloc); alloc > c.maxAlloc {
				t.Errorf("allocated %d MiB, want at most %d", alloc>>20, c.maxAlloc>>20)
			}
			if c.want == "" {
				if err != nil || len(table.Records) == 0 {
					t.Fatalf("want a result: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
			if strings.Contains(c.want, "harvest.max_unpacked_bytes") && !errors.Is(err, harvest.ErrTooLarge) {
				t.Errorf("error %v is not ErrTooLarge", err)
			}
		})
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zipped(name string, b []byte) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.Create(name)
	f.Write(b)
	w.Close()
	return buf.Bytes()
}

// forgedZip stores a small CSV under a declared size of 1 GiB.
func forgedZip() []byte {
	content := []byte("id,nom,commune\n1,Médiathèque,Nevers\n")
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.CreateRaw(&zip.FileHeader{Name: "lieux.csv", Method: zip.Store, CRC32: crc32.ChecksumIEEE(content),
		CompressedSize64: uint64(len(content)), UncompressedSize64: 1 << 30})
	f.Write(content)
	w.Close()
	return buf.Bytes()
}

func manyEntries() []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := range 100_000 {
		f, _ := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f%d.csv", i), Method: zip.Store})
		f.Write([]byte("x"))
	}
	w.Close()
	return buf.Bytes()
}

func wideCSV() []byte {
	var b bytes.Buffer
	for i := range 100_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "colonne_%d", i)
	}
	b.WriteString("\n")
	for range 2 {
		b.WriteString(strings.Repeat("v,", 99_999) + "v\n")
	}
	return b.Bytes()
}

func bigCell() []byte {
	return []byte("id,nom,commune,presentation_detail\n1,Médiathèque,Nevers," + strings.Repeat("texte ", 50<<20/6) + "\n")
}
