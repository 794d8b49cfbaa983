package pipeline

import "github.com/maillage/maillage/dedup"

// StateLinks is what the pipeline's state holds of the published links,
// for tests to compare with the store's.
func (p *Pipeline) StateLinks() (map[dedup.Ref]string, map[dedup.Ref]int64) {
	since := make(map[dedup.Ref]int64, len(p.state.published.ex.Since))
	for ref, at := range p.state.published.ex.Since {
		since[ref] = at.UnixMicro()
	}
	return p.state.published.ex.Links, since
}

// CapReview is capReview, for its test.
var CapReview = capReview
