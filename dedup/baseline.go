package dedup

import (
	"math"
	"strings"
	"unicode"
)

// Baseline clusters members the way the national cartography's pipeline
// (ANCT mednum-cli) does, to measure against: only pairs within one INSEE
// code with compatible typologies; score = trunc((ratio(nom) +
// ratio(adresse) + distance score) / 3) on 0–100, with fuzzball's ratio and
// its distance score in degrees (missing coordinates count as 0 m, as
// there); pairs above 83 across sources, above 90 within one, grouped
// transitively. Ids and survivorship are not reproduced.
func Baseline(members []Member) [][]Ref {
	u := newUnionFind(len(members))
	byINSEE := map[string][]int32{}
	for i, m := range members {
		if m.Lieu.CodeINSEE != "" {
			byINSEE[m.Lieu.CodeINSEE] = append(byINSEE[m.Lieu.CodeINSEE], int32(i))
		}
	}
	for _, idx := range byINSEE {
		for x, i := range idx {
			for _, j := range idx[x+1:] {
				a, b := &members[i], &members[j]
				limit := 83
				if a.Source == b.Source {
					limit = 90
				}
				if typologiesCompatible(a.Lieu.Typologie, b.Lieu.Typologie) && baselineScore(a, b) > limit {
					if ri, rj := u.find(i), u.find(j); ri != rj {
						u.union(ri, rj)
					}
				}
			}
		}
	}
	var out [][]Ref
	for _, g := range groupsOf(u, len(members)) {
		refs := make([]Ref, len(g))
		for k, i := range g {
			refs[k] = members[i].Ref
		}
		out = append(out, refs)
	}
	return out
}

func baselineScore(a, b *Member) int {
	return (fuzzRatio(a.Lieu.Nom, b.Lieu.Nom) + fuzzRatio(a.Lieu.Adresse, b.Lieu.Adresse) + distanceScore(a, b)) / 3
}

func typologiesCompatible(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 || overlap(a, b) {
		return true
	}
	return contains(a, "RFS") && contains(b, "PIMMS") || contains(a, "PIMMS") && contains(b, "RFS")
}

// distanceScore is mednum-cli's: Euclidean distance in degrees, 100 under
// 0.0004°, else trunc(100 / (d × 1000 + 1)); no coordinates → 0 → 100.
func distanceScore(a, b *Member) int {
	var d float64
	lonA, latA, okA := a.Lieu.Point()
	lonB, latB, okB := b.Lieu.Point()
	if okA && okB {
		d = math.Hypot(latA-latB, lonA-lonB)
	}
	if d < 0.0004 {
		return 100
	}
	return int(100 / (d*1000 + 1))
}

// fuzzRatio is fuzzball's ratio with its default full processing: lower
// case, non-alphanumerics as spaces, trimmed; 100 × 2·LCS / total length,
// rounded (the Levenshtein ratio with substitutions costing 2).
func fuzzRatio(a, b string) int {
	x, y := []rune(fuzzProcess(a)), []rune(fuzzProcess(b))
	if len(x)+len(y) == 0 {
		return 0
	}
	return int(math.Round(100 * 2 * float64(lcs(x, y)) / float64(len(x)+len(y))))
}

func fuzzProcess(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return ' '
	}, s))
}

func lcs(x, y []rune) int {
	prev, cur := make([]int, len(y)+1), make([]int, len(y)+1)
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			if x[i-1] == y[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}
