package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/maillage/maillage/exporters"
)

// sourceReportPath is where a source's quality report is kept in the
// published directory (its name escaped: a source name is free text).
func sourceReportPath(dir, source string) string {
	return filepath.Join(dir, DirSourceReports, url.PathEscape(source)+".json")
}

// writeSourceReports writes each of a (public) report's sources into its
// own file.
func writeSourceReports(dir string, rep *Report) error {
	for _, s := range rep.Sources {
		sr := SourceQuality{Schema: rep.Schema, SourceReport: s}
		err := exporters.WriteFileAtomic(sourceReportPath(dir, s.Source), func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(sr)
		})
		if err != nil {
			return fmt.Errorf("quality report of %s: %w", s.Source, err)
		}
	}
	return nil
}

// SourceQuality is a source's quality report as published: its part of
// the public report of the run that last harvested it.
type SourceQuality struct {
	Schema string `json:"schema"`
	SourceReport
}

// ReadSourceQuality reads the quality report of a source from the
// published directory dir; ok is false when none was written yet.
func ReadSourceQuality(dir, source string) (q *SourceQuality, ok bool, err error) {
	b, err := os.ReadFile(sourceReportPath(dir, source))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pipeline: quality report of %s: %w", source, err)
	}
	q = &SourceQuality{}
	if err := json.Unmarshal(b, q); err != nil {
		return nil, false, fmt.Errorf("pipeline: quality report of %s: %w", source, err)
	}
	return q, true, nil
}
