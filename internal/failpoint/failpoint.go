// Package failpoint lets a test stop a maillage process at a named point
// of its work and kill it there: with MAILLAGE_FAILPOINT=name in the
// environment, Reach(name) writes « failpoint name » to stderr and blocks
// forever. Without the variable, Reach does nothing.
package failpoint

import (
	"fmt"
	"os"
)

// The points a sync passes.
const (
	Fetch      = "fetch"       // a source's payload read, not yet converted
	StoreWrite = "store-write" // lieux written, their transaction not committed
	Export     = "export"      // an export written to its temporary file, not renamed
	PeerPage   = "peer-page"   // a page of a peer's feed applied to its mirror, the feed not read to its end
)

var armed = os.Getenv("MAILLAGE_FAILPOINT")

// Reach blocks forever when name is the armed failpoint.
func Reach(name string) {
	if armed == "" || armed != name {
		return
	}
	fmt.Fprintf(os.Stderr, "failpoint %s\n", name)
	select {}
}
