package exporters_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
)

// countingWriter counts the bytes written.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkFormats writes 10 000 lieux (the sample's, varied) in each
// format; bytes/lieu is the file's size per lieu.
func BenchmarkFormats(b *testing.B) {
	base := formatSample()
	lieux := make([]schema.Lieu, 10000)
	for i := range lieux {
		lieux[i] = base[i%len(base)]
		lieux[i].ID = fmt.Sprintf("lieu-%05d", i)
		lieux[i].Nom = fmt.Sprintf("%s %d", lieux[i].Nom, i)
	}
	for _, f := range exporters.Formats {
		b.Run(f.Name, func(b *testing.B) {
			var size int64
			for b.Loop() {
				cw := &countingWriter{}
				if _, err := exporters.WriteLieux(io.Writer(cw), f, nil, func(yield func(*schema.Lieu) error) error {
					for i := range lieux {
						if err := yield(&lieux[i]); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				size = cw.n
			}
			b.ReportMetric(float64(size)/float64(len(lieux)), "bytes/lieu")
		})
	}
}
