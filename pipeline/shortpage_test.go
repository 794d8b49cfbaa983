package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
	"github.com/maillage/maillage/store"
)

// TestShortPageKeepsData is defect 2 of issue 16: a paged API whose
// first page comes back short while its count still announces every
// record fails the source, naming the page; nothing is applied and
// lieux.csv stays byte-identical.
func TestShortPageKeepsData(t *testing.T) {
	pub, srv := newPublisher(t, "../examples/nouvelle-caledonie-20240320.json")
	src := harvest.Source{Name: "hub", Kind: "http-json", Location: srv.URL + "/api/lieux/",
		JSONAPI: harvest.JSONAPIOptions{Records: "results", Paging: "next"}}
	cfg := &config.Config{Dir: t.TempDir(), Harvest: config.Harvest{HoldBelow: 0.5}, Sources: []config.Source{{Source: src}}}
	p := pipeline.New(openStore(t), harvest.New(harvest.Options{Timeout: 10 * time.Second}), quiet)
	ctx := context.Background()
	first, err := p.Run(ctx, cfg, pipeline.Options{})
	if err != nil || first.Sources[0].Status != store.RunOK {
		t.Fatalf("first harvest: %v %+v", err, first)
	}
	clean := writtenCSV(t, p, first)
	pub.set(faultShortPage)
	res, err := p.Run(ctx, cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Sources[0]
	if s.Status != store.RunFailed || !strings.Contains(s.Error, "incomplete fetch: page 1 (") || !strings.Contains(s.Error, "brought 5 records where pages hold 25") {
		t.Errorf("status %s, error %q", s.Status, s.Error)
	}
	if s.Deleted != 0 || res.Lieux.Deleted != 0 || writtenCSV(t, p, res) != clean {
		t.Errorf("a short page changed the published data: %d records, %d lieux deleted", s.Deleted, res.Lieux.Deleted)
	}
}
