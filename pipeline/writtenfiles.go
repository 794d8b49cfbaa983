package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/maillage/maillage/exporters"
)

// FileWritten records, in an output directory, which publication its
// lieux files hold (not published: the exports serve listed files only).
const FileWritten = ".written.json"

// writtenFiles is what WriteFiles last wrote into a directory: the lieux
// files and provenance.csv of the publication that took the lieux
// sequence's value Seq, the lieux' date_maj range, and each file's size,
// modification time and digest. A directory that still holds those files
// (same size and time) needs them written again only for another
// publication; their digests need no reading.
type writtenFiles struct {
	Seq   int64                `json:"lieux_seq"`
	Dates [2]string            `json:"date_maj_range"`
	Files map[string]fileState `json:"files"`
}

type fileState struct {
	Bytes    int64     `json:"bytes"`
	Modified time.Time `json:"modified"`
	SHA256   string    `json:"sha256"`
}

// publicationFiles are the files of a publication (the report and the
// data package are written at every run).
var publicationFiles = []string{FileLieuxCSV, FileLieuxGeoJSON, FileLieuxParquet, FileLieuxXLSX, FileProvenance}

// readWritten reads the record of dir (ok false when absent or
// unreadable: everything is written again).
func readWritten(dir string) (writtenFiles, bool) {
	var w writtenFiles
	raw, err := os.ReadFile(filepath.Join(dir, FileWritten))
	if err != nil || json.Unmarshal(raw, &w) != nil {
		return w, false
	}
	return w, true
}

// holds reports whether dir still holds the files w records for
// publication seq, untouched since.
func (w writtenFiles) holds(dir string, seq int64) bool {
	if w.Seq != seq || len(w.Files) != len(publicationFiles) {
		return false
	}
	for _, name := range publicationFiles {
		st, err := os.Stat(filepath.Join(dir, name))
		want, ok := w.Files[name]
		if err != nil || !ok || st.Size() != want.Bytes || !st.ModTime().Equal(want.Modified) {
			return false
		}
	}
	return true
}

// recordWritten describes the publication's files just written into dir
// and records them.
func recordWritten(dir string, seq int64, dates [2]string) (writtenFiles, error) {
	w := writtenFiles{Seq: seq, Dates: dates, Files: map[string]fileState{}}
	for _, name := range publicationFiles {
		path := filepath.Join(dir, name)
		n, sum, err := exporters.FileDigest(path)
		if err != nil {
			return w, err
		}
		st, err := os.Stat(path)
		if err != nil {
			return w, fmt.Errorf("pipeline: %w", err)
		}
		w.Files[name] = fileState{Bytes: n, Modified: st.ModTime(), SHA256: sum}
	}
	err := exporters.WriteFileAtomic(filepath.Join(dir, FileWritten), func(out io.Writer) error {
		return json.NewEncoder(out).Encode(w)
	})
	return w, err
}

// forgetWritten removes the record before the files are written again:
// a write cut short leaves no record of files it changed.
func forgetWritten(dir string) error {
	if err := os.Remove(filepath.Join(dir, FileWritten)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pipeline: %w", err)
	}
	return nil
}
