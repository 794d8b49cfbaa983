package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/store"
)

// inputHash identifies what a harvest's records are made from: the
// payload's bytes, the source's configuration (mapping, kind options) and
// the build of maillage (its normaliser, its embedded tables). Equal to
// the last applied run's, the harvest would give the same records: it is
// skipped.
func inputHash(p *harvest.Payload, src config.Source, build string) string {
	h := sha256.New()
	h.Write([]byte(p.Hash()))
	cfg, _ := json.Marshal(src)
	h.Write(cfg)
	h.Write([]byte(build))
	return hex.EncodeToString(h.Sum(nil))
}

// pendingMark ends the input hash of a harvest, and the content hash of
// each of its records, that the geocoder could not place: no later
// harvest nor record equals them, so they are placed again.
const pendingMark = " (geocoding pending)"

// markPending marks the records the geocoder could not place and says
// whether there were any.
func markPending(recs []store.SourceRecord) bool {
	pending := false
	for i := range recs {
		for _, is := range recs[i].Issues {
			if is.Rule == "geocoder-unavailable" {
				recs[i].Hash += pendingMark
				pending = true
				break
			}
		}
	}
	return pending
}
