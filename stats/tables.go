package stats

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
)

// Table is one table of a report, as the page shows it and its CSV
// download holds it.
type Table struct {
	Name    string // the CSV's name: /api/v1/stats/{name}.csv
	Title   string
	Caption string
	Header  []string
	Rows    [][]string
}

// TableNames are the tables of a report, in the page's order.
var TableNames = []string{"couverture", "territoires", "communes-eloignees", "typologies", "dispositifs", "services", "repartition"}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Tables are the report's tables; lieux (the scope's and the others)
// give the repartition.
func Tables(r *Report, lieux []Lieu) []Table {
	cov := Table{Name: "couverture", Title: "Population à moins de 5, 10 et 20 km d'un lieu",
		Caption: "Part de la population (centre de chaque commune, à vol d'oiseau) à moins de 5, 10 et 20 km d'un lieu",
		Header:  []string{"lieux", "moins_de_5_km", "moins_de_10_km", "moins_de_20_km"}}
	for _, c := range r.Coverage {
		cov.Rows = append(cov.Rows, append([]string{c.Kind}, num(c.Shares[0]), num(c.Shares[1]), num(c.Shares[2])))
	}
	parts := Table{Name: "territoires", Title: "Offre et besoin par territoire", Caption: "Lieux, population, lieux pour 10 000 habitants, part de la population à moins de 10 km, fraîcheur des données",
		Header: []string{"type", "code", "nom", "lieux", "population", "lieux_pour_10000_habitants", "part_a_moins_de_10_km", "age_median_date_maj_jours", "part_mise_a_jour_depuis_un_an"}}
	for _, t := range r.Territories {
		parts.Rows = append(parts.Rows, []string{t.Kind, t.Code, t.Name, strconv.Itoa(t.Lieux), strconv.Itoa(t.Population), num(t.PerTenThousand),
			num(t.Within10), strconv.Itoa(t.Freshness.MedianDays), num(t.Freshness.WithinYear)})
	}
	far := Table{Name: "communes-eloignees", Title: "Les communes les plus éloignées d'un lieu", Caption: "Communes habitées dont le centre est le plus loin d'un lieu",
		Header: []string{"code_insee", "commune", "departement", "population", "distance_km", "lieu_le_plus_proche"}}
	for _, c := range r.Farthest {
		far.Rows = append(far.Rows, []string{c.Code, c.Name, c.Departement, strconv.Itoa(c.Population), num(c.DistanceKm), c.Nearest})
	}
	out := []Table{cov, parts, far}
	for _, d := range []struct {
		name, title string
		counts      []Count
	}{{"typologies", "Lieux par typologie", r.Typologies}, {"dispositifs", "Lieux par dispositif national", r.Dispositifs}, {"services", "Lieux par service", r.Services}} {
		t := Table{Name: d.name, Title: d.title, Caption: d.title, Header: []string{"valeur", "lieux"}}
		for _, c := range d.counts {
			t.Rows = append(t.Rows, []string{c.Value, strconv.Itoa(c.Lieux)})
		}
		out = append(out, t)
	}
	return append(out, Repartition(r.Scope, lieux))
}

// Repartition counts the scope's lieux by part of the scope, dimension
// (typologie, dispositif, service) and value: the territory × typologie
// × dispositif × service table, in long form.
func Repartition(scope Scope, lieux []Lieu) Table {
	t := Table{Name: "repartition", Title: "Répartition des lieux par territoire", Caption: "Lieux par territoire, typologie, dispositif et service",
		Header: []string{"type", "code", "dimension", "valeur", "lieux"}}
	type key struct{ kind, code, dim, value string }
	n := map[key]int{}
	for i := range lieux {
		l := &lieux[i]
		if !scope.has(l) {
			continue
		}
		for _, kind := range childKinds[scope.Kind] {
			code := l.codeOf(kind)
			if code == "" {
				continue
			}
			for _, d := range []struct {
				dim    string
				values []string
			}{{"typologie", l.Typologies}, {"dispositif", l.Dispositifs}, {"service", l.Services}} {
				for _, v := range d.values {
					n[key{kind, code, d.dim, v}]++
				}
			}
		}
	}
	keys := make([]key, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		for _, c := range [][2]string{{a.kind, b.kind}, {a.code, b.code}, {a.dim, b.dim}, {a.value, b.value}} {
			if c[0] != c[1] {
				if c[0] < c[1] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	for _, k := range keys {
		t.Rows = append(t.Rows, []string{k.kind, k.code, k.dim, k.value, strconv.Itoa(n[k])})
	}
	return t
}

// WriteCSV writes a table as CSV (RFC 4180, CRLF).
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write(t.Header)
	cw.WriteAll(t.Rows)
	return cw.Error()
}
