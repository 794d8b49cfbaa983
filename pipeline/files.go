package pipeline

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/store"
)

// Open-data file names written by WriteFiles.
const (
	FileLieuxCSV     = "lieux.csv"
	FileLieuxGeoJSON = "lieux.geojson"
	FileProvenance   = "provenance.csv"
	FileReport       = "report.json"
)

// WriteFiles writes the four open-data files of a run into dir. Each
// lieu's CSV row and GeoJSON feature are kept from one call to the next:
// only the lieux published since are read and rendered again.
func (p *Pipeline) WriteFiles(ctx context.Context, dir string, rep *Report) error {
	p.exports.mu.Lock()
	defer p.exports.mu.Unlock()
	err := exporters.WriteFileAtomic(filepath.Join(dir, FileLieuxCSV), func(cw io.Writer) error {
		return exporters.WriteFileAtomic(filepath.Join(dir, FileLieuxGeoJSON), func(gw io.Writer) error {
			return p.exports.write(ctx, p.Store, cw, gw)
		})
	})
	if err != nil {
		return fmt.Errorf("pipeline: lieux files: %w", err)
	}
	if err := exporters.WriteFileAtomic(filepath.Join(dir, FileProvenance), func(w io.Writer) error {
		return writeProvenance(ctx, p.Store, w)
	}); err != nil {
		return fmt.Errorf("pipeline: %s: %w", FileProvenance, err)
	}
	if err := exporters.WriteFileAtomic(filepath.Join(dir, FileReport), func(w io.Writer) error {
		return exporters.WriteJSON(w, rep)
	}); err != nil {
		return fmt.Errorf("pipeline: %s: %w", FileReport, err)
	}
	return nil
}

// exportCache keeps each published lieu rendered, under the revision
// that last changed it.
type exportCache struct {
	mu   sync.Mutex
	byID map[string]renderedLieu
}

type renderedLieu struct {
	revision     int64
	row, feature []byte
}

// write streams every published lieu into the CSV and the GeoJSON, in id
// order, rendering the lieux whose revision is not the one kept.
func (c *exportCache) write(ctx context.Context, st store.Store, csvW, geoW io.Writer) error {
	digests, err := st.LieuDigests(ctx)
	if err != nil {
		return err
	}
	if err := c.render(ctx, st, digests); err != nil {
		return err
	}
	cw, err := exporters.NewCSVWriter(csvW)
	if err != nil {
		return err
	}
	gw := exporters.NewGeoJSONWriter(geoW)
	for _, d := range digests {
		r, ok := c.byID[d.ID]
		if !ok {
			continue // gone since its digest was read
		}
		if err := cw.WriteRendered(r.row); err != nil {
			return err
		}
		if err := gw.WriteRendered(r.feature); err != nil {
			return err
		}
	}
	if err := cw.Close(); err != nil {
		return err
	}
	return gw.Close()
}

// render brings the cache to the digests: stale lieux are read (all in
// one scan when many are) and rendered, lieux no longer published
// forgotten.
func (c *exportCache) render(ctx context.Context, st store.Store, digests []store.LieuDigest) error {
	next := make(map[string]renderedLieu, len(digests))
	var stale []string
	for _, d := range digests {
		if r, ok := c.byID[d.ID]; ok && r.revision == d.Revision {
			next[d.ID] = r
		} else {
			stale = append(stale, d.ID)
		}
	}
	var csvR exporters.CSVRenderer
	add := func(row store.LieuRow) error {
		line, err := csvR.Render(&row.Lieu)
		if err != nil {
			return err
		}
		feature, err := exporters.RenderFeature(&row.Lieu)
		next[row.Lieu.ID] = renderedLieu{revision: row.Revision, row: line, feature: feature}
		return err
	}
	c.byID = next
	if float64(len(stale)) > fullReload*float64(len(digests)) {
		return st.EachLieu(ctx, add)
	}
	rows, err := st.LieuxOf(ctx, stale)
	for i := 0; err == nil && i < len(rows); i++ {
		err = add(rows[i])
	}
	return err
}

// WriteLieuxCSV streams every published lieu as the standard's CSV.
func WriteLieuxCSV(ctx context.Context, st store.Store, w io.Writer) error {
	cw, err := exporters.NewCSVWriter(w)
	if err != nil {
		return err
	}
	if err := st.EachLieu(ctx, func(r store.LieuRow) error { return cw.Write(&r.Lieu) }); err != nil {
		return err
	}
	return cw.Close()
}

// WriteLieuxGeoJSON streams every published lieu as a FeatureCollection.
func WriteLieuxGeoJSON(ctx context.Context, st store.Store, w io.Writer) error {
	gw := exporters.NewGeoJSONWriter(w)
	if err := st.EachLieu(ctx, func(r store.LieuRow) error { return gw.Write(&r.Lieu) }); err != nil {
		return err
	}
	return gw.Close()
}

func writeProvenance(ctx context.Context, st store.Store, w io.Writer) error {
	pw, err := exporters.NewProvenanceWriter(w)
	if err != nil {
		return err
	}
	if err := st.EachLink(ctx, func(l store.Link) error { return pw.Write(l.LieuID, l.Source, l.RecordKey) }); err != nil {
		return err
	}
	return pw.Close()
}
