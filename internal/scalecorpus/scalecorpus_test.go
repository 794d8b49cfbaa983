package scalecorpus_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/internal/scalecorpus"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/schema"
)

// The bundled examples: a JSON file in the standard's 1.x columns, the
// same places in schema 0.1, a GeoJSON collection, and the first 200
// records of a CSV with its own columns and multi-line cells.
var base = []scalecorpus.Source{
	{Name: "paca-1x", Path: "paca-20230517-schema-1.x.json"},
	{Name: "paca-01", Path: "paca-20230516-schema-0.1.json"},
	{Name: "fs-2021", Path: "france-services-2021.geojson"},
	{Name: "fs-2022", Path: "france-services-20221201.csv"},
}

// scale gives the original set and one moved copy of base.
const scale = 0.2

// reference is a directory holding base's files (the CSV cut short).
var reference = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "scalecorpus-ref-")
	if err != nil {
		return "", err
	}
	for _, f := range base {
		raw, err := os.ReadFile(filepath.Join("../../examples", f.Path))
		if err != nil {
			return "", err
		}
		if strings.HasSuffix(f.Path, ".csv") {
			rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if err != nil {
				return "", err
			}
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.WriteAll(rows[:201])
			raw = b.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, f.Path), raw, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
})

func write(t *testing.T, dir string) scalecorpus.Corpus {
	t.Helper()
	ref, err := reference()
	if err != nil {
		t.Fatal(err)
	}
	c, err := scalecorpus.Write(context.Background(), scalecorpus.Options{Ref: ref, Dir: dir, Scale: scale, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// shared is one corpus the tests read (TestSameOptionsSameFiles writes
// its own).
var shared struct {
	once sync.Once
	dir  string
	c    scalecorpus.Corpus
	err  error
}

func corpusOf(t *testing.T) scalecorpus.Corpus {
	t.Helper()
	shared.once.Do(func() {
		ref, err := reference()
		if err != nil {
			shared.err = err
			return
		}
		if shared.dir, err = os.MkdirTemp("", "scalecorpus-"); err == nil {
			shared.c, err = scalecorpus.Write(context.Background(), scalecorpus.Options{Ref: ref, Dir: shared.dir, Scale: scale, Base: base})
		}
		shared.err = err
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dir, err := reference(); err == nil {
		os.RemoveAll(dir)
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// converted holds each file's conversion, by path.
var converted sync.Map

// convert publishes a file as `maillage convert` would, with no mapping.
func convert(t *testing.T, path string) []schema.Lieu {
	t.Helper()
	if l, ok := converted.Load(path); ok {
		return l.([]schema.Lieu)
	}
	h := harvest.New(harvest.Options{BaseDir: filepath.Dir(path)})
	conv, err := pipeline.Convert(context.Background(), h, pipeline.ConvertOptions{
		Source: harvest.Source{Kind: "file", Location: filepath.Base(path)}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	converted.Store(path, conv.Lieux)
	return conv.Lieux
}

func TestCopiesAreTheSamePlacesElsewhere(t *testing.T) {
	c := corpusOf(t)
	// 0.2 × 25 000 records of ~2 550 a set: the original and one moved copy
	if c.Sets != 2 || len(c.Sources) != 2*len(base) {
		t.Fatalf("%d sets, %d sources; want 2 and %d", c.Sets, len(c.Sources), 2*len(base))
	}
	if c.Dropped*100 > c.Records {
		t.Errorf("%d of %d records could not be moved", c.Dropped, c.Records)
	}
	ref := geo.Communes()
	phone := regexp.MustCompile(`^0\d{9}$`)
	for i := range base {
		orig, moved := c.Sources[i], c.Sources[len(base)+i]
		t.Run(base[i].Name, func(t *testing.T) {
			before, after := convert(t, orig.Path), convert(t, moved.Path)
			// a copy publishes as its original does: the moves keep codes,
			// postcodes, names and points in agreement
			if len(after)*100 < len(before)*98 {
				t.Fatalf("the copy publishes %d lieux, the original %d", len(after), len(before))
			}
			origPhones := map[string]bool{}
			for _, l := range before {
				origPhones[l.Telephone] = true
			}
			far := 0
			for _, l := range after {
				cm, ok := ref.Commune(l.CodeINSEE)
				if !ok || cm.Centre == nil {
					continue
				}
				if l.Latitude != nil && distanceKm(*l.Latitude, *l.Longitude, cm.Centre.Lat, cm.Centre.Lon) > 30 {
					far++
				}
				if l.Telephone != "" && phone.MatchString(l.Telephone) && origPhones[l.Telephone] {
					t.Errorf("%s keeps its original phone %s", l.Nom, l.Telephone)
				}
			}
			if far*50 > len(after) {
				t.Errorf("%d of %d moved lieux lie more than 30 km from their commune", far, len(after))
			}
		})
	}
}

func TestSameOptionsSameFiles(t *testing.T) {
	a, b := corpusOf(t), write(t, t.TempDir())
	for i := range a.Sources {
		x, _ := os.ReadFile(a.Sources[i].Path)
		y, _ := os.ReadFile(b.Sources[i].Path)
		if !bytes.Equal(x, y) || len(x) == 0 {
			t.Errorf("%s: two writes differ (%d and %d bytes)", a.Sources[i].Name, len(x), len(y))
		}
	}
}

// One copy's sources still agree: a place both PACA files list is moved
// to the same commune, with the same phone, in both.
func TestOneCopysSourcesAgree(t *testing.T) {
	c := corpusOf(t)
	n := len(base)
	x, y := convert(t, c.Sources[n].Path), convert(t, c.Sources[n+1].Path)
	byName := map[string]schema.Lieu{}
	for _, l := range y {
		byName[l.Nom+"|"+l.Adresse] = l
	}
	same, agree := 0, 0
	for _, l := range x {
		o, ok := byName[l.Nom+"|"+l.Adresse]
		if !ok {
			continue
		}
		same++
		if o.CodeINSEE == l.CodeINSEE && o.CodePostal == l.CodePostal && o.Telephone == l.Telephone {
			agree++
		}
	}
	if same < 300 || agree*100 < same*95 {
		t.Errorf("%d places in both PACA files of the copy, %d with the same commune, postcode and phone", same, agree)
	}
}

func TestTouch(t *testing.T) {
	c := write(t, t.TempDir()) // Touch writes beside the corpus
	config, changed, err := scalecorpus.Touch(c, 100)
	if err != nil {
		t.Fatal(err)
	}
	if changed < c.Records/100-len(c.Sources) || changed > c.Records/100+len(c.Sources) {
		t.Errorf("%d of %d records changed, want 1 %%", changed, c.Records)
	}
	raw, err := os.ReadFile(config)
	if err != nil || !bytes.Contains(raw, []byte(c.Sources[0].Name)) {
		t.Errorf("the touched configuration does not name the sources: %v\n%s", err, raw)
	}
	for _, path := range []string{c.Config, config} {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) { locationsExist(t, path) })
	}
}

// locationsExist checks that every source of the configuration at path
// names a file, as maillage resolves its location (from the
// configuration's directory).
func locationsExist(t *testing.T, path string) {
	t.Helper()
	cfg, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.Sources {
		loc := s.Location
		if !filepath.IsAbs(loc) {
			loc = filepath.Join(cfg.Dir, loc)
		}
		if _, err := os.Stat(loc); err != nil {
			t.Errorf("source %s: %v", s.Name, err)
		}
	}
}

// A corpus written under a relative directory is read from any working
// directory: its configuration names its files from where it lies.
func TestRelativeCorpusDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	c := write(t, "corpus")
	locationsExist(t, c.Config)
}

func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
