package exporters

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Archive directory layout, under the published directory:
//
//	archive/index.json          the snapshots, newest first
//	archive/2026-12-02/…        that day's files and its changes.csv
const (
	ArchiveDir       = "archive"
	ArchiveIndexFile = "index.json"
	ChangesFile      = "changes.csv"
)

// Snapshot is one dated snapshot of the published files.
type Snapshot struct {
	// Date is the day (Europe/Paris) of the publication it keeps: a later
	// publication the same day replaces it.
	Date string `json:"date"`
	// Seq is the lieux sequence of that publication, and Feed the change
	// feed's last position then (where the next changes.csv reads from).
	Seq  int64 `json:"seq"`
	Feed int64 `json:"feed"`
	// PublishedAt is when that publication finished.
	PublishedAt time.Time `json:"published_at"`
	Lieux       int       `json:"lieux"`
	// Changes counts the lines of changes.csv by kind, since the
	// previous snapshot (the first one lists every lieu as created).
	Changes map[string]int `json:"changes"`
	Files   []string       `json:"files"`
}

// ArchiveChange is one line of changes.csv: a lieu created, updated,
// retired (merged into Survivor) or deleted since the previous snapshot.
type ArchiveChange struct {
	ID, Kind, Survivor string
}

// ReadArchiveIndex reads the snapshots of a published directory (none
// when there is no archive yet).
func ReadArchiveIndex(dir string) ([]Snapshot, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ArchiveDir, ArchiveIndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("exporters: archive index: %w", err)
	}
	var snaps []Snapshot
	if err := json.Unmarshal(raw, &snaps); err != nil {
		return nil, fmt.Errorf("exporters: archive index %s: %w", filepath.Join(dir, ArchiveDir, ArchiveIndexFile), err)
	}
	return snaps, nil
}

// KeepSnapshot copies files of dir into archive/<snap.Date>/ (hard links
// when the file system allows: each publication replaces the published
// files by a rename, so a link keeps the old content), writes its
// changes.csv, and saves the index with snap first, in place of any
// snapshot of the same date. Snapshots older than retention (by date)
// are removed; retention 0 keeps all.
func KeepSnapshot(dir string, snap Snapshot, changes []ArchiveChange, retention time.Duration, now time.Time) error {
	snaps, err := ReadArchiveIndex(dir)
	if err != nil {
		return err
	}
	day := filepath.Join(dir, ArchiveDir, snap.Date)
	if err := os.RemoveAll(day); err != nil {
		return fmt.Errorf("exporters: archive %s: %w", snap.Date, err)
	}
	if err := os.MkdirAll(day, 0o755); err != nil {
		return fmt.Errorf("exporters: archive %s: %w", snap.Date, err)
	}
	for _, name := range snap.Files {
		if err := linkOrCopy(filepath.Join(dir, name), filepath.Join(day, name)); err != nil {
			return err
		}
	}
	snap.Changes = map[string]int{}
	for _, c := range changes {
		snap.Changes[c.Kind]++
	}
	if err := WriteFileAtomic(filepath.Join(day, ChangesFile), func(w io.Writer) error { return writeChanges(w, changes) }); err != nil {
		return err
	}
	snap.Files = append(slices.Clone(snap.Files), ChangesFile)
	snaps = slices.DeleteFunc(snaps, func(s Snapshot) bool { return s.Date == snap.Date })
	snaps = append([]Snapshot{snap}, snaps...)
	slices.SortFunc(snaps, func(a, b Snapshot) int { return strings.Compare(b.Date, a.Date) })
	if retention > 0 {
		oldest := now.Add(-retention).Format(time.DateOnly)
		for _, s := range snaps {
			if s.Date < oldest {
				if err := os.RemoveAll(filepath.Join(dir, ArchiveDir, s.Date)); err != nil {
					return fmt.Errorf("exporters: archive %s: %w", s.Date, err)
				}
			}
		}
		snaps = slices.DeleteFunc(snaps, func(s Snapshot) bool { return s.Date < oldest })
	}
	return WriteFileAtomic(filepath.Join(dir, ArchiveDir, ArchiveIndexFile), func(w io.Writer) error { return WriteJSON(w, snaps) })
}

// writeChanges writes changes.csv: id, change, survivor.
func writeChanges(w io.Writer, changes []ArchiveChange) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write([]string{"id", "change", "survivor"})
	for _, c := range changes {
		cw.Write([]string{c.ID, c.Kind, c.Survivor})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("exporters: %s: %w", ChangesFile, err)
	}
	return nil
}

// linkOrCopy makes dst hold src's content: a hard link, else a copy.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return WriteFileAtomic(dst, func(w io.Writer) error {
		f, err := os.Open(src)
		if err != nil {
			return fmt.Errorf("exporters: archive: %w", err)
		}
		defer f.Close()
		if _, err := io.Copy(w, f); err != nil {
			return fmt.Errorf("exporters: archive %s: %w", src, err)
		}
		return nil
	})
}

// SnapshotIDs reads the lieu ids (first column) of a snapshot's
// lieux.csv.
func SnapshotIDs(dir, date string) (map[string]bool, error) {
	f, err := os.Open(filepath.Join(dir, ArchiveDir, date, "lieux.csv"))
	if err != nil {
		return nil, fmt.Errorf("exporters: archive %s: %w", date, err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.ReuseRecord = true
	ids := map[string]bool{}
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return ids, nil
		}
		if err != nil {
			return nil, fmt.Errorf("exporters: archive %s lieux.csv: %w", date, err)
		}
		if !first {
			ids[rec[0]] = true
		}
	}
}
