package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

// recognition compares, for one file, the fields recognised under its
// own column names with those recognised when the names are replaced by
// col1…colN (header-blind) and when they are perturbed (perturb).
type recognition struct {
	file      string
	named     int // fields the named run recognises
	blind     int // of those, recognised from the same column header-blind
	perturbed int // of those, recognised from the same column under perturbed names
}

// recogniseAll measures recognition over every file (files that cannot be
// decoded are left out: the conversion table reports them).
func recogniseAll(ctx context.Context, root string, files []string) []recognition {
	h := harvest.New(harvest.Options{BaseDir: root})
	var out []recognition
	for _, f := range files {
		src := harvest.Source{Name: f, Kind: "file", Location: f}
		payload, err := h.Fetch(ctx, src, harvest.Conditional{})
		if err != nil {
			continue
		}
		table, err := h.DecodeOnce(src, payload)
		if err != nil || len(table.Records) == 0 {
			continue
		}
		if r, ok := recogniseFile(f, table); ok {
			out = append(out, r)
		}
	}
	return out
}

// verbose, when set, hears each field recognised by name and missed
// under other names.
var verbose io.Writer

func recogniseFile(file string, table *harvest.Table) (recognition, bool) {
	named, err := schema.NewMapperFor(schema.Mapping{}, table.Columns, table.Records, geo.Communes())
	if err != nil {
		return recognition{}, false
	}
	r := recognition{file: file}
	want := fieldsByColumn(named.Recognised())
	filled := filledColumns(table)
	for col := range want {
		if !filled[col] {
			delete(want, col) // an empty column holds nothing to recognise
		}
	}
	r.named = len(want)
	for i, rename := range []func(int, string) string{blindName, perturbName} {
		got, ok := recogniseRenamed(table, rename)
		if !ok {
			continue
		}
		n := 0
		for col, field := range want {
			if got[col] == field {
				n++
			} else if verbose != nil {
				fmt.Fprintf(verbose, "%s\t%s\t%q → %q\t%s → %s\n", []string{"blind", "perturbed"}[i], file, col, rename(0, col), field, got[col])
			}
		}
		if i == 0 {
			r.blind = n
		} else {
			r.perturbed = n
		}
	}
	return r, true
}

// filledColumns are the columns with a value in some record.
func filledColumns(table *harvest.Table) map[string]bool {
	out := map[string]bool{}
	for _, rec := range table.Records {
		for _, f := range rec.Fields {
			if strings.TrimSpace(f.Value) != "" {
				out[f.Name] = true
			}
		}
	}
	return out
}

// fieldsByColumn is the field each column feeds, fallbacks and 0.x names
// taken as the field they fill.
func fieldsByColumn(targets map[string]string) map[string]string {
	out := map[string]string{}
	for col, t := range targets {
		out[col] = schema.TargetField(t)
	}
	return out
}

// recogniseRenamed recognises the table's columns under new names and
// returns the field of each column, by its original name.
func recogniseRenamed(table *harvest.Table, rename func(int, string) string) (map[string]string, bool) {
	newName := make(map[string]string, len(table.Columns))
	oldName := make(map[string]string, len(table.Columns))
	cols := make([]string, len(table.Columns))
	for i, c := range table.Columns {
		n := c
		if c != "geometry" { // a GeoJSON feature's geometry is structure, not a header
			n = rename(i, c)
		}
		if _, dup := oldName[n]; dup {
			n = fmt.Sprintf("%s %d", n, i+1)
		}
		newName[c], oldName[n], cols[i] = n, c, n
	}
	recs := make([]harvest.Record, len(table.Records))
	for i, rec := range table.Records {
		fields := make([]harvest.Field, len(rec.Fields))
		for j, f := range rec.Fields {
			fields[j] = harvest.Field{Name: newName[f.Name], Value: f.Value}
			if fields[j].Name == "" {
				fields[j].Name = f.Name
			}
		}
		recs[i] = harvest.Record{Index: rec.Index, Line: rec.Line, Fields: fields}
	}
	mp, err := schema.NewMapperFor(schema.Mapping{}, cols, recs, geo.Communes())
	if err != nil {
		return nil, false
	}
	out := map[string]string{}
	for col, field := range fieldsByColumn(mp.Recognised()) {
		out[oldName[col]] = field
	}
	return out, true
}

func blindName(i int, _ string) string { return fmt.Sprintf("col%d", i+1) }

// perturbName changes a column's name as producers do: upper case,
// accents stripped, an English or abbreviated synonym, a typo. Which
// change a column gets follows from a hash of its name, so runs agree.
func perturbName(_ int, name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	switch k := h.Sum32(); k % 4 {
	case 0:
		return strings.ToUpper(name)
	case 1:
		return stripAccents(strings.ReplaceAll(name, "_", " "))
	case 2:
		if s, ok := synonymOf(name); ok {
			return s
		}
		return abbreviate(name)
	default:
		return typo(name, int(k/4))
	}
}

func stripAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// englishNames are the words an English-speaking producer uses for the
// standard's most common fields, by the last word of a French name.
var englishNames = map[string]string{
	"nom": "name", "adresse": "street address", "commune": "city", "ville": "town", "postal": "zip code",
	"telephone": "phone number", "téléphone": "phone", "courriel": "email", "courriels": "e-mail", "mail": "email address",
	"web": "website", "horaires": "opening hours", "latitude": "lat", "longitude": "lng", "insee": "city code",
	"typologie": "type", "services": "services offered", "siret": "company id", "pivot": "siret",
}

func synonymOf(name string) (string, bool) {
	ws := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) })
	if len(ws) == 0 {
		return "", false
	}
	s, ok := englishNames[ws[len(ws)-1]]
	return s, ok
}

// abbreviate cuts each word of four letters or more to its first four.
func abbreviate(name string) string {
	ws := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range ws {
		if r := []rune(w); len(r) > 4 {
			ws[i] = string(r[:4])
		}
	}
	return strings.Join(ws, "_")
}

// typo swaps two letters of the name's longest word (at a place the
// hash chooses), or doubles one in a short name.
func typo(name string, k int) string {
	r := []rune(name)
	if len(r) < 4 {
		return name + string(r[len(r)-1])
	}
	at := 1 + k%(len(r)-2)
	r[at], r[at+1] = r[at+1], r[at]
	return string(r)
}

// writeRecognition adds the header-blind and perturbed figures.
func writeRecognition(b *strings.Builder, rs []recognition) {
	section(b, "Recognition without the producers' names", "For each file, the fields recognised from its columns with their own names (named) are compared with those recognised when the names are replaced by `col1…colN` (header-blind: the values alone) and when they are perturbed as producers do (upper case, accents stripped, an English or shortened synonym, a typo; one per column, chosen by a hash of its name): the share of the named run's fields recognised from the same column.")
	tableHeader(b, "file", "fields (named)", "header-blind", "perturbed")
	var named, blind, pert int
	for _, r := range rs {
		named, blind, pert = named+r.named, blind+r.blind, pert+r.perturbed
		fmt.Fprintf(b, "| `%s` | %d | %s | %s |\n", r.file, r.named, pct(r.blind, r.named), pct(r.perturbed, r.named))
	}
	fmt.Fprintf(b, "\n**Corpus:** %d fields recognised by name in %d files; header-blind %d (%s), perturbed %d (%s).\n",
		named, len(rs), blind, pct(blind, named), pert, pct(pert, named))
}
