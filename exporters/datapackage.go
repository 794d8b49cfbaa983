package exporters

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// StandardSchemaURL is the national standard's Table Schema v1.0.2, at
// the commit of LaMednum/standard-mediation-num that holds it: the file
// names its own address …/v1.0.2/schema.json, a tag that was never made,
// so the commit is the address that resolves and never changes.
const StandardSchemaURL = "https://raw.githubusercontent.com/LaMednum/standard-mediation-num/e347ff40a0072ed2e0caf7f04384dfd2c84dbaff/schema.json"

// DataPackageFile is the name of the Frictionless descriptor.
const DataPackageFile = "datapackage.json"

// Package describes a published set of files, for datapackage.json.
type Package struct {
	Name        string // lower case, digits, - . _ /
	Title       string
	Description string
	Homepage    string
	Created     time.Time
	// Sources are the harvested sources, as their attributions name them.
	Sources []PackageSource
	// Licences are the sources' licences (etalab-2.0 when none says).
	Licences []string
	// Start and End bound the lieux' date_maj (temporal coverage).
	Start, End string
	// Files are the package's resources; Path relative to the descriptor
	// or a URL.
	Files []PackageFile
}

// PackageSource is one source of the data.
type PackageSource struct {
	Title string `json:"title"`
	Path  string `json:"path,omitempty"`
}

// PackageFile is one resource: a lieux file in a format, or another file
// (provenance.csv) with its own inline Table Schema.
type PackageFile struct {
	Name   string
	Path   string
	Format Format
	Title  string
	// Fields, when set, is an inline Table Schema of a CSV that is not
	// the standard's (each field a string).
	Fields []string
	Bytes  int64
	SHA256 string
}

// licencePaths are the texts of the licences open data is usually under.
var licencePaths = map[string][2]string{
	"etalab-2.0":   {"https://www.etalab.gouv.fr/licence-ouverte-open-licence", "Licence Ouverte / Open Licence version 2.0"},
	"lo-2.0":       {"https://www.etalab.gouv.fr/licence-ouverte-open-licence", "Licence Ouverte / Open Licence version 2.0"},
	"odbl-1.0":     {"https://opendatacommons.org/licenses/odbl/1-0/", "Open Data Commons Open Database License 1.0"},
	"odc-odbl":     {"https://opendatacommons.org/licenses/odbl/1-0/", "Open Data Commons Open Database License 1.0"},
	"cc-by-4.0":    {"https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0"},
	"cc-by-sa-4.0": {"https://creativecommons.org/licenses/by-sa/4.0/", "Creative Commons Attribution-ShareAlike 4.0"},
	"cc0-1.0":      {"https://creativecommons.org/publicdomain/zero/1.0/", "Creative Commons Zero 1.0"},
}

// descriptor is the JSON form: Data Package v2 with the v1 "profile"
// members that older readers (frictionless-py 4, data.gouv.fr's
// validators) expect; both profiles validate it.
type descriptor struct {
	Schema      string          `json:"$schema"`
	Profile     string          `json:"profile"`
	Name        string          `json:"name"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Homepage    string          `json:"homepage,omitempty"`
	Version     string          `json:"version"`
	Created     string          `json:"created"`
	Keywords    []string        `json:"keywords"`
	Licenses    []licence       `json:"licenses"`
	Sources     []PackageSource `json:"sources,omitempty"`
	// Temporal is the date_maj range of the lieux (a member of its own:
	// Data Package has none for temporal coverage).
	Temporal  *temporal  `json:"temporal,omitempty"`
	Resources []resource `json:"resources"`
}

type licence struct {
	Name  string `json:"name"`
	Path  string `json:"path,omitempty"`
	Title string `json:"title,omitempty"`
}

type temporal struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type resource struct {
	Name      string         `json:"name"`
	Path      string         `json:"path"`
	Profile   string         `json:"profile"`
	Title     string         `json:"title,omitempty"`
	Format    string         `json:"format"`
	MediaType string         `json:"mediatype"`
	Encoding  string         `json:"encoding,omitempty"`
	Bytes     int64          `json:"bytes,omitempty"`
	Hash      string         `json:"hash,omitempty"`
	Schema    any            `json:"schema,omitempty"`
	Dialect   map[string]any `json:"dialect,omitempty"`
}

type inlineSchema struct {
	Fields []inlineField `json:"fields"`
}

type inlineField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// WriteDataPackage writes the package's datapackage.json.
func WriteDataPackage(w io.Writer, p Package) error {
	d := descriptor{
		Schema: "https://datapackage.org/profiles/2.0/datapackage.json", Profile: "data-package",
		Name: p.Name, Title: p.Title, Description: p.Description, Homepage: p.Homepage,
		Version: p.Created.UTC().Format("2006.1.2"), Created: p.Created.UTC().Format(time.RFC3339),
		Keywords: []string{"médiation numérique", "inclusion numérique", "lieux", "France services", "conseillers numériques"},
		Sources:  p.Sources,
	}
	for _, name := range p.Licences {
		text := licencePaths[strings.ToLower(name)]
		d.Licenses = append(d.Licenses, licence{Name: name, Path: text[0], Title: text[1]})
	}
	if len(d.Licenses) == 0 {
		text := licencePaths["etalab-2.0"]
		d.Licenses = []licence{{Name: "etalab-2.0", Path: text[0], Title: text[1]}}
	}
	if p.Start != "" {
		d.Temporal = &temporal{Start: p.Start, End: p.End}
	}
	for _, f := range p.Files {
		d.Resources = append(d.Resources, resourceOf(f))
	}
	return WriteJSON(w, d)
}

func resourceOf(f PackageFile) resource {
	r := resource{Name: f.Name, Path: f.Path, Profile: "data-resource", Title: f.Title, Format: f.Format.Name,
		MediaType: strings.Split(f.Format.ContentType, ";")[0], Bytes: f.Bytes}
	if r.Title == "" {
		r.Title = f.Format.Title
	}
	if f.SHA256 != "" {
		r.Hash = "sha256:" + f.SHA256
	}
	if f.Format.Name != "csv" {
		return r
	}
	r.Profile, r.Encoding = "tabular-data-resource", "utf-8"
	r.Dialect = map[string]any{"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "doubleQuote": true, "header": true}
	if f.Fields == nil {
		r.Schema = StandardSchemaURL
		return r
	}
	s := inlineSchema{}
	for _, name := range f.Fields {
		s.Fields = append(s.Fields, inlineField{Name: name, Type: "string"})
	}
	r.Schema = s
	return r
}

// FileDigest is the size and SHA-256 (hex) of a file.
func FileDigest(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("exporters: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("exporters: %s: %w", path, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// DescribeFiles fills each file's size and digest from the directory
// holding them (paths relative to dir).
func DescribeFiles(dir string, files []PackageFile) error {
	for i := range files {
		n, sum, err := FileDigest(filepath.Join(dir, files[i].Path))
		if err != nil {
			return err
		}
		files[i].Bytes, files[i].SHA256 = n, sum
	}
	return nil
}

var licenceIDRE = regexp.MustCompile(`^[-a-zA-Z0-9._]+$`)

// IsLicenceID says whether a licence is named by an identifier (SPDX or
// Open Definition: etalab-2.0, ODbL-1.0), as Data Package requires.
func IsLicenceID(s string) bool { return licenceIDRE.MatchString(s) }

// SourceLicences lists the distinct licences, in order, leaving out
// the empty ones.
func SourceLicences(licences []string) []string {
	var out []string
	for _, l := range licences {
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
