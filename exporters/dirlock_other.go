//go:build !unix

package exporters

import "os"

// Elsewhere than on Unix the directory is not locked: leftovers are
// still removed, which a writer running at the same time may notice.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
