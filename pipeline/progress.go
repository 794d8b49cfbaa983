package pipeline

// Stages a source's harvest goes through, in order.
const (
	StageFetch     = "fetching"
	StageDecode    = "decoding"
	StageNormalise = "normalising"
	StageGeocode   = "geocoding"
	StageStore     = "storing"
)

// Stages lists them in order (a progress bar's steps).
var Stages = []string{StageFetch, StageDecode, StageNormalise, StageGeocode, StageStore}

// Progress hears how each source's harvest goes; Pipeline.Progress nil
// means nobody listens. Sources harvested at once call it concurrently.
type Progress interface {
	// Stage: the source entered a stage; records is how many it has so
	// far (0 before decoding).
	Stage(source, stage string, records int)
	// Done: the source's harvest ended with this status (ok, failed,
	// held, not_modified) and error.
	Done(source, status, err string)
}

func (p *Pipeline) stage(source, stage string, records int) {
	if p.Progress != nil {
		p.Progress.Stage(source, stage, records)
	}
}
