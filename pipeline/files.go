package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
)

// Open-data file names written by WriteFiles.
const (
	FileLieuxCSV     = "lieux.csv"
	FileLieuxGeoJSON = "lieux.geojson"
	FileLieuxParquet = "lieux.parquet"
	FileLieuxXLSX    = "lieux.xlsx"
	FileProvenance   = "provenance.csv"
	FileReport       = "report.json"
	FileDataPackage  = exporters.DataPackageFile
	// DirSourceReports holds one quality report per source (the public
	// form of its part of the report), kept from the run that last
	// harvested it: a run of one source rewrites only that source's.
	DirSourceReports = "sources"
)

// WriteOperatorReport writes the whole report of a run, raw fields of the
// quarantined records included, into dir (never the published one),
// readable by its owner only.
func WriteOperatorReport(dir string, rep *Report) error {
	if err := exporters.WritePrivateFileAtomic(filepath.Join(dir, FileReport), rep.WriteJSON); err != nil {
		return fmt.Errorf("pipeline: operator's %s: %w", FileReport, err)
	}
	return nil
}

// WriteFiles writes the open-data files of a run into dir: the lieux in
// every format, provenance.csv, report.json (the report's Public form)
// and datapackage.json describing them; when the data changed since the
// last dated snapshot, it keeps one (archive/, see keepSnapshot). Each lieu's CSV row and GeoJSON
// feature are kept from one call to the next: only the lieux published
// since are read and rendered again. When the store publishes what the
// pipeline's last publication left, the links come from the pipeline
// too.
func (p *Pipeline) WriteFiles(ctx context.Context, dir string, res *Result) error {
	rep, pub := res.Report, res.Publication
	p.state.exports.mu.Lock()
	defer p.state.exports.mu.Unlock()
	unlock, err := exporters.LockDir(dir, FileLieuxCSV, FileLieuxGeoJSON, FileLieuxParquet, FileLieuxXLSX, FileProvenance, FileReport, FileDataPackage, FileWritten)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	defer unlock()
	seq, err := p.Store.LieuSequence(ctx)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	c := &p.state.exports
	written, ok := readWritten(dir)
	rewrite := !ok || !written.holds(dir, seq) || p.snapshotDue(dir, seq)
	if rewrite {
		if written, err = p.writePublicationFiles(ctx, dir, seq, pub); err != nil {
			return err
		}
	}
	// the report changes at every run
	if err := exporters.WriteFileAtomic(filepath.Join(dir, FileReport), rep.Public().WriteJSON); err != nil {
		return fmt.Errorf("pipeline: %s: %w", FileReport, err)
	}
	if err := writeSourceReports(dir, rep.Public()); err != nil {
		return fmt.Errorf("pipeline: %s: %w", DirSourceReports, err)
	}
	if err := writeDataPackage(dir, rep, written); err != nil {
		return fmt.Errorf("pipeline: %s: %w", FileDataPackage, err)
	}
	if !rewrite {
		return nil // the archive holds this publication already
	}
	if err := p.keepSnapshot(ctx, dir, rep, c); err != nil {
		return fmt.Errorf("pipeline: archive: %w", err)
	}
	return nil
}

// writePublicationFiles writes the lieux in every format and
// provenance.csv for publication seq, and records them. When the store
// publishes what the pipeline's last publication left, the links come
// from the pipeline.
func (p *Pipeline) writePublicationFiles(ctx context.Context, dir string, seq int64, pub Publication) (writtenFiles, error) {
	// the run's publication serves while no other came since
	ok := pub.known && pub.seq == seq
	links, delta := pub.links, pub.delta
	if !ok {
		delta = lieuDelta{}
	}
	c := &p.state.exports
	if err := c.follow(ctx, p.Store, seq, delta); err != nil {
		c.known = false
		return writtenFiles{}, fmt.Errorf("pipeline: %w", err)
	}
	if err := forgetWritten(dir); err != nil {
		return writtenFiles{}, err
	}
	// the files are written at once: they only read the cache
	writers := []func() error{
		func() error {
			return exporters.WriteFileAtomic(filepath.Join(dir, FileLieuxCSV), func(cw io.Writer) error {
				return exporters.WriteFileAtomic(filepath.Join(dir, FileLieuxGeoJSON), func(gw io.Writer) error {
					return c.write(cw, gw)
				})
			})
		},
		func() error {
			return c.writeFormats([]formatFile{{filepath.Join(dir, FileLieuxParquet), "parquet"}, {filepath.Join(dir, FileLieuxXLSX), "xlsx"}}, nil)
		},
		func() error {
			return exporters.WriteFileAtomic(filepath.Join(dir, FileProvenance), func(w io.Writer) error {
				if !ok {
					return writeProvenance(ctx, p.Store, w)
				}
				return writeLinks(links, w)
			})
		},
	}
	errs := make([]error, len(writers))
	var wg sync.WaitGroup
	for i, write := range writers {
		wg.Go(func() { errs[i] = write() })
	}
	wg.Wait()
	c.writing = nil
	names := []string{FileLieuxCSV + ", " + FileLieuxGeoJSON, FileLieuxParquet + ", " + FileLieuxXLSX, FileProvenance}
	for i, err := range errs {
		if err != nil {
			return writtenFiles{}, fmt.Errorf("pipeline: %s: %w", names[i], err)
		}
	}
	return recordWritten(dir, seq, c.dateRange())
}

// lieuxFiles are the lieux files WriteFiles writes, by format.
var lieuxFiles = []struct{ name, format string }{
	{FileLieuxCSV, "csv"}, {FileLieuxGeoJSON, "geojson"}, {FileLieuxParquet, "parquet"}, {FileLieuxXLSX, "xlsx"},
}

// writeDataPackage describes the files of dir, once written: the sources
// and licences of the report, the lieux' date_maj range, each file's
// size and digest (as recorded when written).
func writeDataPackage(dir string, rep *Report, written writtenFiles) error {
	pkg := PackageOf(rep, written.Dates)
	for _, f := range lieuxFiles {
		format, err := exporters.FormatNamed(f.format)
		if err != nil {
			return err
		}
		pkg.Files = append(pkg.Files, exporters.PackageFile{Name: "lieux-" + f.format, Path: f.name, Format: format})
	}
	csvFormat, _ := exporters.FormatNamed("csv")
	pkg.Files = append(pkg.Files, exporters.PackageFile{Name: "provenance", Path: FileProvenance, Format: csvFormat,
		Title: "Provenance : l'enregistrement source de chaque lieu", Fields: exporters.ProvenanceFields})
	for i := range pkg.Files {
		st := written.Files[pkg.Files[i].Path]
		pkg.Files[i].Bytes, pkg.Files[i].SHA256 = st.Bytes, st.SHA256
	}
	return exporters.WriteFileAtomic(filepath.Join(dir, FileDataPackage), func(w io.Writer) error {
		return exporters.WriteDataPackage(w, pkg)
	})
}

// PackageOf is the description of a publication: its sources (by their
// attribution, else their name) and their licences (those a source names
// by an identifier such as etalab-2.0; a licence written as a sentence
// goes with its source's title), the lieux' date_maj
// range [start, end]; the files are the caller's.
func PackageOf(rep *Report, dates [2]string) exporters.Package {
	pkg := exporters.Package{Name: "lieux-mediation-numerique", Title: "Lieux de médiation numérique",
		Description: "Lieux de médiation numérique moissonnés auprès de leurs producteurs, normalisés au schéma national " +
			"v1.0.2 (LaMednum/standard-mediation-num) et dédoublonnés, avec la provenance de chaque valeur.",
		Created: rep.FinishedAt, Start: dates[0], End: dates[1]}
	var licences []string
	for _, s := range rep.Sources {
		title := s.Attribution
		if title == "" {
			title = s.Source
		}
		if exporters.IsLicenceID(s.Licence) {
			licences = append(licences, s.Licence)
		} else if s.Licence != "" { // free text: said with the source
			title += " (licence : " + s.Licence + ")"
		}
		if !slices.ContainsFunc(pkg.Sources, func(p exporters.PackageSource) bool { return p.Title == title }) {
			pkg.Sources = append(pkg.Sources, exporters.PackageSource{Title: title})
		}
	}
	pkg.Licences = exporters.SourceLicences(licences)
	return pkg
}

// exportCache keeps each published lieu rendered, under the revision
// that last changed it, and the ids in order, as of the publication that
// took the lieux sequence's value seq.
type exportCache struct {
	mu    sync.Mutex
	known bool
	seq   int64
	ids   []string
	byID  map[string]renderedLieu
	// offered are the lieux the pipeline's last publication saved (not
	// the kept ones), by id, valid for the lieux sequence offeredSeq:
	// their content is taken from here rather than read back (see offer).
	offered    map[string]*schema.Lieu
	offeredSeq int64
	// writing are the lieux offered for the publication being written,
	// which the files needing lieux take rather than decoding them from
	// their features; dropped once the files are written.
	writing map[string]*schema.Lieu
}

type renderedLieu struct {
	revision     int64
	row, feature []byte
	dateMaj      string
}

// offer hands the cache the lieux a publication saved, once the store
// accepted them under the lieux sequence's value seq. A lieu saved
// unchanged (same content hash) kept its stored revision but has the
// same content, so every lieu offered stands for its row at seq.
func (c *exportCache) offer(seq int64, lieux []store.PublishedLieu) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offered, c.offeredSeq = make(map[string]*schema.Lieu, len(lieux)), seq
	for i := range lieux {
		if !lieux[i].Kept {
			c.offered[lieux[i].Lieu.ID] = &lieux[i].Lieu
		}
	}
}

// drop forgets every rendered lieu: the next write renders all.
func (c *exportCache) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.known, c.ids, c.byID, c.offered = false, nil, nil, nil
}

// write streams every lieu of the cache into the CSV and the GeoJSON, in
// id order.
func (c *exportCache) write(csvW, geoW io.Writer) error {
	cw, err := exporters.NewCSVWriter(csvW)
	if err != nil {
		return err
	}
	gw := exporters.NewGeoJSONWriter(geoW)
	for _, id := range c.ids {
		r := c.byID[id]
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

// follow brings the cache to the publication seq: nothing to do when it
// is the cache's; the lieux the last publication changed, when it
// followed the cache's; else every lieu whose revision is not the one
// kept.
func (c *exportCache) follow(ctx context.Context, st store.Store, seq int64, d lieuDelta) error {
	offered := c.offered
	if c.offeredSeq != seq {
		offered = nil // another publication came since
	}
	c.offered, c.writing = nil, offered
	var err error
	switch {
	case c.known && seq == c.seq:
		return nil
	case c.known && d.ok && d.from == c.seq && d.to == seq:
		err = c.renderOf(ctx, st, d.ids, offered)
	default:
		err = c.renderStale(ctx, st, offered)
	}
	if err == nil {
		c.known, c.seq = true, seq
	}
	return err
}

// renderOf renders the named lieux again and forgets those no longer
// published.
func (c *exportCache) renderOf(ctx context.Context, st store.Store, ids []string, offered map[string]*schema.Lieu) error {
	rows, err := lieuxOf(ctx, st, ids, offered)
	if err != nil {
		return err
	}
	before := len(c.byID)
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
		delete(c.byID, id)
	}
	var csvR exporters.CSVRenderer
	for i := range rows {
		delete(gone, rows[i].Lieu.ID)
		if err := c.render(&csvR, rows[i]); err != nil {
			return err
		}
	}
	if len(gone) > 0 || len(c.byID) != before {
		c.ids = slices.Sorted(maps.Keys(c.byID))
	}
	return nil
}

// lieuxOf returns the published lieux of ids, those offered from there
// and the others from the store; an offered lieu's revision is the one
// the store gives it.
func lieuxOf(ctx context.Context, st store.Store, ids []string, offered map[string]*schema.Lieu) ([]store.LieuRow, error) {
	var rest []string
	asked := make(map[string]bool, len(ids))
	for _, id := range ids {
		asked[id] = true
		if _, ok := offered[id]; !ok {
			rest = append(rest, id)
		}
	}
	if len(rest) == len(ids) {
		return st.LieuxOf(ctx, ids)
	}
	// the revisions of the offered lieux
	digests, err := st.LieuDigests(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := st.LieuxOf(ctx, rest)
	if err != nil {
		return nil, err
	}
	for _, d := range digests {
		if l, ok := offered[d.ID]; ok && asked[d.ID] {
			rows = append(rows, store.LieuRow{Lieu: *l, Revision: d.Revision})
		}
	}
	return rows, nil
}

// renderStale compares every published lieu's revision with the one
// kept: stale lieux are read (all in one scan when many are) and
// rendered, lieux no longer published forgotten.
func (c *exportCache) renderStale(ctx context.Context, st store.Store, offered map[string]*schema.Lieu) error {
	digests, err := st.LieuDigests(ctx)
	if err != nil {
		return err
	}
	kept := c.byID
	c.byID, c.ids = make(map[string]renderedLieu, len(digests)), make([]string, len(digests))
	var stale []string
	for i, d := range digests {
		c.ids[i] = d.ID
		if r, ok := kept[d.ID]; ok && r.revision == d.Revision {
			c.byID[d.ID] = r
		} else {
			stale = append(stale, d.ID)
		}
	}
	var csvR exporters.CSVRenderer
	add := func(row store.LieuRow) error { return c.render(&csvR, row) }
	revision := make(map[string]int64, len(digests))
	for _, d := range digests {
		revision[d.ID] = d.Revision
	}
	var fromOffer []string
	stale = slices.DeleteFunc(stale, func(id string) bool {
		_, ok := offered[id]
		if ok {
			fromOffer = append(fromOffer, id)
		}
		return ok
	})
	err = c.renderAll(len(fromOffer), func(i int) (*schema.Lieu, int64) {
		return offered[fromOffer[i]], revision[fromOffer[i]]
	})
	if err != nil {
		return err
	}
	switch {
	case len(stale) == 0:
	case float64(len(stale)) > fullReload*float64(len(digests)):
		err = st.EachLieu(ctx, func(row store.LieuRow) error {
			if _, ok := c.byID[row.Lieu.ID]; ok {
				return nil // rendered from what was offered
			}
			return add(row)
		})
	default:
		var rows []store.LieuRow
		if rows, err = st.LieuxOf(ctx, stale); err == nil {
			err = c.renderAll(len(rows), func(i int) (*schema.Lieu, int64) { return &rows[i].Lieu, rows[i].Revision })
		}
	}
	if err != nil {
		return err
	}
	// a lieu gone since its digest was read
	c.ids = slices.DeleteFunc(c.ids, func(id string) bool { _, ok := c.byID[id]; return !ok })
	return nil
}

// renderAll renders n lieux, the i-th given by lieu with its revision,
// on every core.
func (c *exportCache) renderAll(n int, lieu func(i int) (*schema.Lieu, int64)) error {
	rendered := make([]renderedLieu, n)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/256))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var csvR exporters.CSVRenderer
			for i := n * w / workers; i < n*(w+1)/workers && errs[w] == nil; i++ {
				l, rev := lieu(i)
				rendered[i], errs[w] = renderLieu(&csvR, l, rev)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i := range rendered {
		l, _ := lieu(i)
		c.byID[l.ID] = rendered[i]
	}
	return nil
}

func (c *exportCache) render(csvR *exporters.CSVRenderer, row store.LieuRow) error {
	r, err := renderLieu(csvR, &row.Lieu, row.Revision)
	if err != nil {
		return err
	}
	c.byID[row.Lieu.ID] = r
	return nil
}

// renderLieu renders a lieu as its CSV row and its GeoJSON feature.
func renderLieu(csvR *exporters.CSVRenderer, l *schema.Lieu, revision int64) (renderedLieu, error) {
	line, err := csvR.Render(l)
	if err != nil {
		return renderedLieu{}, err
	}
	feature, err := exporters.RenderFeature(l)
	if err != nil {
		return renderedLieu{}, err
	}
	return renderedLieu{revision: revision, row: line, feature: feature, dateMaj: l.DateMaj}, nil
}

// formatFile is a lieux file to write in a format.
type formatFile struct{ path, format string }

// writeFormats writes every lieu of the cache into files of formats that
// need the lieux themselves (GeoParquet, XLSX), all at once: each lieu
// is decoded from its feature once for all of them (feed). writers are
// those of the files opened already.
func (c *exportCache) writeFormats(files []formatFile, writers []exporters.LieuWriter) error {
	if len(files) == 0 {
		return c.feed(writers)
	}
	f, err := exporters.FormatNamed(files[0].format)
	if err != nil {
		return err
	}
	return exporters.WriteFileAtomic(files[0].path, func(w io.Writer) error {
		lw, err := f.New(w)
		if err != nil {
			return err
		}
		if err := c.writeFormats(files[1:], append(writers, lw)); err != nil {
			return err
		}
		return lw.Close()
	})
}

// decodeBatch is how many decoded lieux feed hands the writers at once.
const decodeBatch = 256

// feed hands every lieu of the cache, in id order, to every writer, each
// writing on its own goroutine: the lieu offered for this publication,
// else the lieu decoded from its feature.
func (c *exportCache) feed(writers []exporters.LieuWriter) error {
	batches := make([]chan []*schema.Lieu, len(writers))
	errs := make([]error, len(writers)+1)
	var wg sync.WaitGroup
	for k, lw := range writers {
		batches[k] = make(chan []*schema.Lieu, 4)
		wg.Go(func() {
			for b := range batches[k] {
				for i := 0; i < len(b) && errs[k] == nil; i++ {
					errs[k] = lw.Write(b[i])
				}
			}
		})
	}
	decodeErr := &errs[len(writers)]
	for lo := 0; lo < len(c.ids) && *decodeErr == nil; lo += decodeBatch {
		ids := c.ids[lo:min(lo+decodeBatch, len(c.ids))]
		b := make([]*schema.Lieu, len(ids))
		for i, id := range ids {
			if l, ok := c.writing[id]; ok {
				b[i] = l
				continue
			}
			var feature exporters.Feature
			if err := json.Unmarshal(c.byID[id].feature, &feature); err != nil {
				*decodeErr = fmt.Errorf("pipeline: lieu %s: %w", id, err)
				break
			}
			b[i] = feature.Properties
		}
		for k := 0; k < len(batches) && *decodeErr == nil; k++ {
			batches[k] <- b
		}
	}
	for _, ch := range batches {
		close(ch)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// dateRange is the earliest and the latest date_maj of the cache's lieux.
func (c *exportCache) dateRange() [2]string {
	var r [2]string
	for _, id := range c.ids {
		d := c.byID[id].dateMaj
		if d != "" && (r[0] == "" || d < r[0]) {
			r[0] = d
		}
		if d > r[1] {
			r[1] = d
		}
	}
	return r
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

// writeLinks writes links, in order, as provenance.csv.
func writeLinks(links []store.Link, w io.Writer) error {
	pw, err := exporters.NewProvenanceWriter(w)
	if err != nil {
		return err
	}
	for _, l := range links {
		if err := pw.Write(l.LieuID, l.Source, l.RecordKey); err != nil {
			return err
		}
	}
	return pw.Close()
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
