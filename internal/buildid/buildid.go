// Package buildid identifies the running build of maillage by its
// content, so that what a build produced can be told from what another
// produced. A VCS stamp cannot do it: these machines build with
// -buildvcs=false, and a build from a modified tree has the same stamp.
package buildid

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Executable identifies the running executable: the Go build ID the
// linker wrote into it (it changes with any change of the code or of an
// embedded file), else the SHA-256 of its bytes.
func Executable() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("buildid: finding the executable: %w", err)
	}
	return Of(path)
}

// Of identifies the executable at path, as Executable does.
func Of(path string) (string, error) {
	if id, ok := goBuildID(path); ok {
		return "go:" + id, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("buildid: reading the executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("buildid: hashing %s: %w", path, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// goBuildID reads the note the Go linker writes in an ELF executable's
// .note.go.buildid section: a name "Go\x00\x00", type 4, and the build
// ID (action ID / content ID) as its description.
func goBuildID(path string) (string, bool) {
	f, err := elf.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return "", false
	}
	data, err := s.Data()
	if err != nil || len(data) < 16 {
		return "", false
	}
	order := f.ByteOrder
	namesz, descsz, typ := order.Uint32(data), order.Uint32(data[4:]), order.Uint32(data[8:])
	name := data[12:]
	if namesz != 4 || typ != 4 || !bytes.HasPrefix(name, []byte("Go\x00\x00")) || uint32(len(data)) < 16+descsz {
		return "", false
	}
	id := string(data[16 : 16+descsz])
	return id, id != ""
}
