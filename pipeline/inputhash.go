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

// markPending marks the records the geocoder could not place, so that
// the next harvest places them again, and says whether there were any.
func markPending(recs []store.SourceRecord) bool {
	pending := false
	for i := range recs {
		for _, is := range recs[i].Issues {
			if is.Rule == "geocoder-unavailable" {
				recs[i].GeocodingPending, pending = true, true
				break
			}
		}
	}
	return pending
}
