package pipeline

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

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

// WriteFiles writes the four open-data files of a run into dir. The lieux
// are read once and streamed into the CSV and the GeoJSON together.
func WriteFiles(ctx context.Context, st store.Store, dir string, rep *Report) error {
	err := exporters.WriteFileAtomic(filepath.Join(dir, FileLieuxCSV), func(cw io.Writer) error {
		return exporters.WriteFileAtomic(filepath.Join(dir, FileLieuxGeoJSON), func(gw io.Writer) error {
			return writeLieux(ctx, st, cw, gw)
		})
	})
	if err != nil {
		return fmt.Errorf("pipeline: lieux files: %w", err)
	}
	if err := exporters.WriteFileAtomic(filepath.Join(dir, FileProvenance), func(w io.Writer) error {
		return writeProvenance(ctx, st, w)
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

func writeLieux(ctx context.Context, st store.Store, csvW, geoW io.Writer) error {
	cw, err := exporters.NewCSVWriter(csvW)
	if err != nil {
		return err
	}
	gw := exporters.NewGeoJSONWriter(geoW)
	err = st.EachLieu(ctx, func(r store.LieuRow) error {
		if err := cw.Write(&r.Lieu); err != nil {
			return err
		}
		return gw.Write(&r.Lieu)
	})
	if err != nil {
		return err
	}
	if err := cw.Close(); err != nil {
		return err
	}
	return gw.Close()
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
