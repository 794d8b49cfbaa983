package harvest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"path"
	"strings"
)

// MaxUnpacked bounds what a compressed payload may expand to.
const MaxUnpacked = 1 << 30

// unpack opens a gzip stream or a zip archive holding one data file, by
// their magic bytes; other payloads pass through. It returns the content
// and the name to guess the format from.
func unpack(b []byte, name string) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, name, fmt.Errorf("gzip: %w", err)
		}
		out, err := readLimited(zr, MaxUnpacked, 0, nil)
		if err != nil {
			return nil, name, fmt.Errorf("gzip: %w", err)
		}
		return out, strings.TrimSuffix(name, ".gz"), nil
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return unzipOne(b)
	}
	return b, name, nil
}

func unzipOne(b []byte) ([]byte, string, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, "", fmt.Errorf("zip: %w", err)
	}
	var files []*zip.File
	for _, f := range zr.File {
		base := path.Base(f.Name)
		if !f.FileInfo().IsDir() && !strings.HasPrefix(base, ".") && !strings.HasPrefix(f.Name, "__MACOSX/") {
			files = append(files, f)
		}
	}
	if len(files) != 1 {
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = f.Name
		}
		return nil, "", fmt.Errorf("zip: %d data files (%s); one expected", len(files), strings.Join(names, ", "))
	}
	rc, err := files[0].Open()
	if err != nil {
		return nil, "", fmt.Errorf("zip: %s: %w", files[0].Name, err)
	}
	defer rc.Close()
	out, err := readLimited(rc, MaxUnpacked, int64(min(files[0].UncompressedSize64, MaxUnpacked)), nil)
	if err != nil {
		return nil, "", fmt.Errorf("zip: %s: %w", files[0].Name, err)
	}
	return out, files[0].Name, nil
}
