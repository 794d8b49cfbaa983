package pipeline_test

import (
	"bytes"
	"testing"

	"github.com/maillage/maillage/exporters"
	"github.com/maillage/maillage/pipeline"
)

// TestReportWrittenBySource: the report written one source at a time is
// byte for byte the report encoded whole, with sources or without.
func TestReportWrittenBySource(t *testing.T) {
	cfg := exampleConfig(t)
	rep := runAll(t, newPipeline(openStore(t), cfg), cfg)
	for name, r := range map[string]*pipeline.Report{"examples": rep, "no source": {RunID: 7, Status: "ok"}} {
		var whole, bySource bytes.Buffer
		if err := exporters.WriteJSON(&whole, r); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(&bySource); err != nil {
			t.Fatal(err)
		}
		if whole.String() != bySource.String() {
			t.Errorf("%s: the report written by source differs from the report encoded whole", name)
		}
	}
	if len(rep.Sources) < 2 {
		t.Fatalf("%d sources", len(rep.Sources))
	}
}
