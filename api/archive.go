package api

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/maillage/maillage/exporters"
)

// archiveListing is the answer of /exports/archive/: the dated snapshots,
// newest first, each with its files' addresses.
type archiveListing struct {
	Snapshots []archivedSnapshot `json:"snapshots"`
}

type archivedSnapshot struct {
	exporters.Snapshot
	Links []link `json:"links"`
}

var snapshotDateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// archiveIndex lists the snapshots kept in the published directory.
func (s *Server) archiveIndex(w http.ResponseWriter, r *http.Request) {
	if s.Published == "" {
		s.problem(w, r, http.StatusNotFound, "this instance keeps no archive (no published directory)")
		return
	}
	snaps, err := exporters.ReadArchiveIndex(s.Published)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := archiveListing{Snapshots: []archivedSnapshot{}}
	base := s.base(w, r) + "/exports/archive/"
	for _, snap := range snaps {
		a := archivedSnapshot{Snapshot: snap}
		for _, name := range snap.Files {
			a.Links = append(a.Links, link{Href: base + snap.Date + "/" + name, Rel: "enclosure", Type: contentTypeOf(name), Title: name})
		}
		out.Snapshots = append(out.Snapshots, a)
	}
	s.writeJSON(w, r, http.StatusOK, contentJSON, out)
}

// archiveFile serves one file of a snapshot: only the names its index
// lists, so no path leaves the archive.
func (s *Server) archiveFile(w http.ResponseWriter, r *http.Request) {
	date, name := chi.URLParam(r, "date"), chi.URLParam(r, "file")
	if s.Published == "" || !snapshotDateRE.MatchString(date) {
		s.problem(w, r, http.StatusNotFound, "no snapshot "+date)
		return
	}
	snaps, err := exporters.ReadArchiveIndex(s.Published)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	i := slices.IndexFunc(snaps, func(sn exporters.Snapshot) bool { return sn.Date == date })
	if i < 0 || !slices.Contains(snaps[i].Files, name) {
		s.problem(w, r, http.StatusNotFound, "no file "+name+" in the snapshot of "+date)
		return
	}
	s.servePublished(w, r, filepath.Join(exporters.ArchiveDir, date, name))
}

// dataPackage serves the published directory's datapackage.json.
func (s *Server) dataPackage(w http.ResponseWriter, r *http.Request) {
	if s.Published == "" {
		s.problem(w, r, http.StatusNotFound, "this instance publishes no files")
		return
	}
	s.servePublished(w, r, exporters.DataPackageFile)
}

// provenance serves the published directory's provenance.csv (which
// datapackage.json lists beside the lieux files).
func (s *Server) provenance(w http.ResponseWriter, r *http.Request) {
	if s.Published == "" {
		s.problem(w, r, http.StatusNotFound, "this instance publishes no files")
		return
	}
	s.servePublished(w, r, "provenance.csv")
}

// servePublished serves a file of the published directory, with its
// modification time for conditional requests.
func (s *Server) servePublished(w http.ResponseWriter, r *http.Request, rel string) {
	f, err := os.Open(filepath.Join(s.Published, rel))
	if err != nil {
		s.problem(w, r, http.StatusNotFound, "not published yet: "+rel)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentTypeOf(rel))
	w.Header().Set("Content-Disposition", `attachment; filename="`+filepath.Base(rel)+`"`)
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// contentTypeOf is the media type of a published file, by its extension.
func contentTypeOf(name string) string {
	ext := strings.TrimPrefix(filepath.Ext(name), ".")
	if f, err := exporters.FormatNamed(ext); err == nil {
		return f.ContentType
	}
	if ext == "json" {
		return contentJSON
	}
	return "application/octet-stream"
}
