package geo

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/maillage/maillage/schema"
)

// centreGrid indexes the current communes' centres by cells of a tenth
// of a degree, built on first use; the referential never changes.
type centreGrid struct {
	once  sync.Once
	cells map[[2]int][]*Commune
}

const gridStep = 0.1 // degrees

func gridCell(lat, lon float64) [2]int {
	return [2]int{int(math.Floor(lat / gridStep)), int(math.Floor(lon / gridStep))}
}

func (r *Referential) grid() map[[2]int][]*Commune {
	r.centres.once.Do(func() {
		r.centres.cells = map[[2]int][]*Commune{}
		for _, c := range r.CurrentCommunes() {
			if c.Centre != nil {
				k := gridCell(c.Centre.Lat, c.Centre.Lon)
				r.centres.cells[k] = append(r.centres.cells[k], c)
			}
		}
	})
	return r.centres.cells
}

// nearestCentre is, among the current communes that keep (nil: all),
// the one whose centre is nearest p measured in the commune's own size
// (its distance over its spacing: a large commune's centre is far from
// its edges), looked for within about 30 km, with that ratio, the
// distance in metres and the second best ratio.
func (r *Referential) nearestCentre(p Point, keep func(*Commune) bool) (c *Commune, ratio, dist, second float64) {
	cells := r.grid()
	at := gridCell(p.Lat, p.Lon)
	ratio, second = math.Inf(1), math.Inf(1)
	for i := -3; i <= 3; i++ {
		for j := -3; j <= 3; j++ {
			for _, cand := range cells[[2]int{at[0] + i, at[1] + j}] {
				if cand.Spacing == 0 || keep != nil && !keep(cand) {
					continue
				}
				d := Distance(p, *cand.Centre)
				switch q := d / cand.Spacing; {
				case q < ratio:
					second, ratio, c, dist = ratio, q, cand, d
				case q < second:
					second = q
				}
			}
		}
	}
	return c, ratio, dist, second
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// CommuneFromPoint gives a lieu that lacks its postcode or its commune
// name, and names no commune by its code, the commune whose centre is
// nearest its point in the commune's own size (its spacing: the distance
// to the fourth nearest other centre): among the communes of its postcode
// when it has one, within that spacing; among all when not, well inside
// it (half of it); in both cases no other commune comes within half as
// much again, and a commune name given must be the commune's. The code
// is recorded as derived, with the distance; the name and postcode then
// follow from it. Without the communes' outlines this declines rather
// than guesses: a point between communes, or in a large commune's
// hamlet far from its centre, gets nothing.
func CommuneFromPoint(l *schema.Lieu) []schema.Issue {
	if l.CodeINSEE != "" || l.CodePostal != "" && l.Commune != "" || l.Latitude == nil || l.Longitude == nil {
		return nil
	}
	r := Communes()
	p := Point{Lat: *l.Latitude, Lon: *l.Longitude}
	var c *Commune
	var ratio, d, second float64
	if l.CodePostal != "" {
		// among the postcode's communes: the point tells them apart
		c, ratio, d, second = r.nearestCentre(p, func(c *Commune) bool { return slices.Contains(c.Postcodes, l.CodePostal) })
		if c == nil || ratio > 1 || second < 1.5*ratio {
			return nil
		}
	} else {
		// among all: well inside one commune and clearly nearer it than
		// any other (a commune's centre may be far from its hamlets)
		c, ratio, d, second = r.nearestCentre(p, nil)
		if c == nil || ratio > 0.5 || second < 1.5*ratio {
			return nil
		}
	}
	if l.Commune != "" && !matchFolded(FoldName(l.Commune), c.folded) {
		return nil
	}
	l.CodeINSEE = c.Code
	issues := []schema.Issue{{Field: "code_insee", Rule: "commune-from-point", Value: pair(*l.Latitude, *l.Longitude),
		Fixed: c.Code + " " + c.Name, Level: schema.LevelFix,
		Message: fmt.Sprintf("the commune whose centre is nearest the point (%.0f m; the commune's spacing is %.0f m)", d, c.Spacing)}}
	return append(issues, fillFromCommune(r, c, l)...)
}
