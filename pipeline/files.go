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

// WriteFiles writes the four open-data files of a run into dir.
func WriteFiles(ctx context.Context, st store.Store, dir string, rep *Report) error {
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{FileLieuxCSV, func(w io.Writer) error { return WriteLieuxCSV(ctx, st, w) }},
		{FileLieuxGeoJSON, func(w io.Writer) error { return WriteLieuxGeoJSON(ctx, st, w) }},
		{FileProvenance, func(w io.Writer) error { return writeProvenance(ctx, st, w) }},
		{FileReport, func(w io.Writer) error { return exporters.WriteJSON(w, rep) }},
	}
	for _, f := range files {
		if err := exporters.WriteFileAtomic(filepath.Join(dir, f.name), f.write); err != nil {
			return fmt.Errorf("pipeline: %s: %w", f.name, err)
		}
	}
	return nil
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
