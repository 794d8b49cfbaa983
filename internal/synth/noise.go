package synth

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/schema"
)

// record derives one source's record of a place, with that source's noise.
func (g *generator) record(src string, truth schema.Lieu, k int) dedup.Member {
	g.keys[src]++
	l := truth
	l.Courriels, l.Latitude, l.Longitude = nil, nil, nil
	l.Nom, l.Adresse = g.spell(truth.Nom), g.spell(g.address(truth.Adresse))
	if g.rnd.Float64() < 0.7 { // a point, as given or a few metres off
		lat := *truth.Latitude + (g.rnd.Float64()-0.5)*0.0006
		lon := *truth.Longitude + (g.rnd.Float64()-0.5)*0.0008
		l.Latitude, l.Longitude = &lat, &lon
	}
	if g.rnd.Float64() < 0.5 {
		l.Telephone = ""
	}
	if g.rnd.Float64() < 0.3 {
		l.Courriels = truth.Courriels
	}
	if g.rnd.Float64() < 0.6 {
		l.Pivot = ""
	}
	if g.rnd.Float64() < 0.05 { // a wrong INSEE code, as some lists have
		l.CodeINSEE = g.commune().Code
	}
	return dedup.Member{Ref: dedup.Ref{Source: src, RecordKey: fmt.Sprintf("%s-%d", src, g.keys[src])}, Lieu: &l, Priority: k}
}

// spell rewrites text the way sources do: capitals, lost accents, lost
// characters (a wrong charset).
func (g *generator) spell(s string) string {
	switch x := g.rnd.Float64(); {
	case x < 0.25:
		return strings.ToUpper(s)
	case x < 0.45:
		return g.stripAccents(s)
	case x < 0.48:
		return strings.Map(func(r rune) rune {
			if r > 127 {
				return '\uFFFD'
			}
			return r
		}, s)
	}
	return s
}

var streetTypes = strings.NewReplacer("avenue", "av", "Avenue", "Av", "boulevard", "bd", "Boulevard", "Bd", "place", "pl", "Place", "Pl",
	"chemin", "ch", "Chemin", "Ch", "route", "rte", "Route", "Rte")

// address abbreviates the street type or drops the house number now and
// then.
func (g *generator) address(a string) string {
	if g.rnd.Float64() < 0.3 {
		a = streetTypes.Replace(a)
	}
	if g.rnd.Float64() < 0.15 {
		if i := strings.IndexByte(a, ' '); i > 0 && a[0] >= '0' && a[0] <= '9' {
			a = a[i+1:]
		}
	}
	return a
}

func (g *generator) stripAccents(s string) string {
	if g.unaccent == nil {
		g.unaccent = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	}
	g.unaccent.Reset()
	out, _, err := transform.String(g.unaccent, s)
	if err != nil {
		return s
	}
	return out
}
