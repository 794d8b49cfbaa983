package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// writeSpreadsheet writes a hub's CSV (or JSON array) of short rows, as
// the lists of thousands of places are, up to size bytes.
func writeSpreadsheet(tb testing.TB, path string, size int64, asJSON bool) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	communes := [][2]string{{"Nevers", "58000"}, {"Dijon", "21000"}, {"Lyon", "69003"}, {"Paris", "75011"}, {"Lille", "59000"}}
	var written int64
	if asJSON {
		w.WriteString("[")
	} else {
		w.WriteString("id,nom,commune,code_postal,adresse\n")
	}
	for i := 0; written < size; i++ {
		c := communes[i%len(communes)]
		var n int
		if asJSON {
			rec, _ := json.Marshal(map[string]string{"id": fmt.Sprint("l", i), "nom": fmt.Sprint("Espace numérique ", i),
				"commune": c[0], "code_postal": c[1], "adresse": fmt.Sprint(i%200+1, " rue des Arts")})
			if i > 0 {
				w.WriteString(",\n")
			}
			n, _ = w.Write(rec)
		} else {
			n, _ = fmt.Fprintf(w, "l%d,Espace numérique %d,%s,%s,%d rue des Arts\n", i, i, c[0], c[1], i%200+1)
		}
		written += int64(n)
	}
	if asJSON {
		w.WriteString("]\n")
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// BenchmarkConvertMemory is issue 16's memory budget: `maillage convert`
// of a CSV or JSON payload peaks at no more than 10 times its size (the
// maximum resident set of the process, from getrusage). It runs the test
// binary as maillage; without -race, as `make bench` builds it.
func BenchmarkConvertMemory(b *testing.B) {
	cases := []struct {
		name   string
		size   int64
		asJSON bool
	}{
		{"csv-20MB", 20 << 20, false},
		{"csv-95MB", 95 << 20, false},
		{"json-20MB", 20 << 20, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			in := filepath.Join(dir, "hub.csv")
			if c.asJSON {
				in = filepath.Join(dir, "hub.json")
			}
			writeSpreadsheet(b, in, c.size, c.asJSON)
			st, _ := os.Stat(in)
			var peak int64
			b.ResetTimer()
			for range b.N {
				cmd := exec.Command(os.Args[0], "convert", in, "-o", filepath.Join(dir, "out.csv"))
				cmd.Env = append(os.Environ(), beMain+"=1", "MAILLAGE_LOG_LEVEL=warn")
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("convert: %v\n%s", err, out)
				}
				peak = max(peak, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss<<10)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(peak)/float64(st.Size()), "peak/input")
		})
	}
}
