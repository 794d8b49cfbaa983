package main

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// tileSample is the number of tiles timed at each zoom (the tiles holding
// lieux, in a fixed order, at most this many).
const tileSample = 600

// runTiles times vector tiles (-tiles): first the whole pyramid of the
// tiles holding lieux from zoom 0 to 12, every lieu, cold, by two
// clients; then at zooms 5, 9 and 13, the tiles of a sample with a
// filter (« frais=gratuit », so that none is cached yet), each asked
// twice, cold then from the server's cache, one at a time.
func runTiles(client *http.Client, base string, points []orb.Point) {
	runPyramid(client, base, points)
	fmt.Println("| zoom | tiles | cold: p50 · p99 · max | cached: p50 · p99 · max |")
	fmt.Println("|---|---|---|---|")
	for _, z := range []maptile.Zoom{5, 9, 13} {
		sample := tilesWithLieux(points, z)
		if len(sample) > tileSample {
			step := len(sample) / tileSample
			var every []maptile.Tile
			for i := 0; i < len(sample) && len(every) < tileSample; i += step {
				every = append(every, sample[i])
			}
			sample = every
		}
		cold, cached := &result{}, &result{}
		for _, t := range sample {
			u := tileURL(base, t) + "?frais=gratuit"
			for _, r := range []*result{cold, cached} {
				start := time.Now()
				if err := fetch(client, u); err != nil {
					r.errors++
				}
				r.latencies = append(r.latencies, time.Since(start))
			}
		}
		fmt.Printf("| %d | %d | %s · %s · %s | %s · %s · %s |\n", z, len(sample), ms(cold.p(50)), ms(cold.p(99)), ms(cold.p(100)),
			ms(cached.p(50)), ms(cached.p(99)), ms(cached.p(100)))
	}
}

// runPyramid asks every tile holding lieux from zoom 0 to 12.
func runPyramid(client *http.Client, base string, points []orb.Point) {
	var pyramid []maptile.Tile
	for z := maptile.Zoom(0); z <= 12; z++ {
		pyramid = append(pyramid, tilesWithLieux(points, z)...)
	}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	errors := 0
	next := make(chan maptile.Tile)
	for range 2 {
		wg.Go(func() {
			for t := range next {
				if err := fetch(client, tileURL(base, t)); err != nil {
					mu.Lock()
					errors++
					mu.Unlock()
				}
			}
		})
	}
	for _, t := range pyramid {
		next <- t
	}
	close(next)
	wg.Wait()
	fmt.Printf("pyramid z0–z12, every lieu, cold: %d tiles holding lieux in %.1f s (%d errors)\n\n", len(pyramid), time.Since(start).Seconds(), errors)
}

// tilesWithLieux are the tiles of a zoom holding at least one lieu, by
// x then y.
func tilesWithLieux(points []orb.Point, z maptile.Zoom) []maptile.Tile {
	seen := map[maptile.Tile]bool{}
	for _, p := range points {
		seen[maptile.At(p, z)] = true
	}
	out := make([]maptile.Tile, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b maptile.Tile) int { return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.Y, b.Y)) })
	return out
}

func tileURL(base string, t maptile.Tile) string {
	return fmt.Sprintf("%s/tiles/lieux/%d/%d/%d.mvt", base, t.Z, t.X, t.Y)
}
