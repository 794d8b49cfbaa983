package harvest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// DefaultMaxUnpacked bounds what a compressed payload may expand to when
// the configuration says nothing (harvest.max_unpacked_bytes).
const DefaultMaxUnpacked = 100 << 20

// unpackedSetting names the setting in errors.
const unpackedSetting = "harvest.max_unpacked_bytes"

// unpack opens a gzip stream or a zip archive holding one data file, by
// their magic bytes; other payloads pass through. It returns the content
// and the name to guess the format from. The content is read as a
// stream up to limit bytes (DefaultMaxUnpacked when 0), whatever size
// the archive declares: a decompression bomb stops at the limit.
func unpack(b []byte, name string, limit int64) ([]byte, string, error) {
	if limit <= 0 {
		limit = DefaultMaxUnpacked
	}
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, name, fmt.Errorf("gzip: %w", err)
		}
		out, err := readUpTo(zr, limit, 0, unpackedSetting)
		if err != nil {
			return nil, name, fmt.Errorf("gzip: %w", err)
		}
		return out, strings.TrimSuffix(name, ".gz"), nil
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return unzipOne(b, limit)
	}
	return b, name, nil
}

// maxListed is how many names an error lists before counting the rest.
const maxListed = 5

func unzipOne(b []byte, limit int64) ([]byte, string, error) {
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
		var names []string
		for _, f := range files[:min(len(files), maxListed)] {
			names = append(names, truncateName(f.Name))
		}
		if more := len(files) - len(names); more > 0 {
			names = append(names, fmt.Sprintf("and %d more", more))
		}
		return nil, "", fmt.Errorf("zip: %d data files (%s); one expected", len(files), strings.Join(names, ", "))
	}
	rc, err := files[0].Open()
	if err != nil {
		return nil, "", fmt.Errorf("zip: %s: %w", files[0].Name, err)
	}
	defer rc.Close()
	// the declared size is not trusted, not even to size the buffer: a
	// forged one would allocate it before a byte is read
	out, err := readUpTo(rc, limit, 0, unpackedSetting)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) {
		return nil, "", fmt.Errorf("zip: %s: declares %d bytes and does not hold them (a damaged or forged archive): %w",
			truncateName(files[0].Name), files[0].UncompressedSize64, err)
	}
	if err != nil {
		return nil, "", fmt.Errorf("zip: %s: %w", truncateName(files[0].Name), err)
	}
	return out, files[0].Name, nil
}

// truncateName keeps an archive's member name printable in an error.
func truncateName(name string) string {
	if r := []rune(name); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return name
}
