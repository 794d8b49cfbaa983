package dedup_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/internal/benchutil"
	"github.com/maillage/maillage/internal/synth"
)

// BenchmarkDedup runs the whole deduplication (profiles, blocking,
// scoring, clustering, survivorship, ids) on synthetic national corpora:
// 25,000 records (France ×1) and 250,000 (×10). It reports records/s, the
// peak heap seen during the runs (corpus included) and pairwise precision
// and recall against the generator's truth. The process's peak memory is
// read with /usr/bin/time -v on one sub-benchmark (docs/PERFORMANCE.md).
//
//	go test -run '^$' -bench Dedup -benchtime 3x -count 5 ./dedup
func BenchmarkDedup(b *testing.B) {
	for _, n := range []int{25_000, 250_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			members, places := synth.Corpus(n, 1)
			debug.FreeOSMemory() // the generator's garbage is not the run's
			stop := benchutil.PeakHeap()
			var res dedup.Result
			for b.Loop() {
				b.StopTimer() // one run's memory at a time: the last result goes first
				res = dedup.Result{}
				runtime.GC()
				b.StartTimer()
				res = dedup.Run(dedup.Input{Members: members})
			}
			peak := stop()
			perRun := b.Elapsed().Seconds() / float64(b.N)
			// the check below is not the run: its index of the corpus (48 MB
			// at ×10) goes into the heap the run has left, not on top of it
			runtime.GC()
			p, r := pairwise(res.Clusters, places)
			b.ReportMetric(float64(len(members))/perRun, "records/s")
			b.ReportMetric(peak, "peak-heap-MiB")
			b.ReportMetric(p, "precision")
			b.ReportMetric(r, "recall")
			b.ReportMetric(float64(len(res.Review)), "review-pairs")
		})
	}
}

// pairwise compares clusters with the generator's places.
func pairwise(clusters []dedup.Cluster, places []synth.Place) (precision, recall float64) {
	place := map[dedup.Ref]int{}
	truePairs := 0
	for i, p := range places {
		for _, r := range p.Records {
			place[r] = i
		}
		truePairs += len(p.Records) * (len(p.Records) - 1) / 2
	}
	predicted, correct := 0, 0
	for _, c := range clusters {
		for x, a := range c.Members {
			for _, bb := range c.Members[x+1:] {
				predicted++
				if place[a] == place[bb] {
					correct++
				}
			}
		}
	}
	return float64(correct) / float64(max(predicted, 1)), float64(correct) / float64(max(truePairs, 1))
}

// BenchmarkMemoRerun is a scheduled re-sync's deduplication: a run that
// carries the memo of a run over the same synthetic corpus of 40,000
// records, of which about 5 % were since edited, removed or duplicated
// (editMembers). Only the second run is timed.
//
//	go test -run '^$' -bench MemoRerun -benchtime 5x ./dedup
func BenchmarkMemoRerun(b *testing.B) {
	members, _ := synth.Corpus(40_000, 3)
	for i := range members {
		members[i].Version = "v0"
	}
	rnd := rand.New(rand.NewPCG(3, 3))
	for b.Loop() {
		b.StopTimer()
		memo := &dedup.Memo{}
		dedup.NewEngineWith(members, dedup.Weights{}, memo).Run(dedup.Existing{}, nil)
		edited := editMembers(rnd, members, 1)
		runtime.GC()
		b.StartTimer()
		dedup.NewEngineWith(edited, dedup.Weights{}, memo).Run(dedup.Existing{}, nil)
	}
}
