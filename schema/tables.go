package schema

import (
	"encoding/json"
	"fmt"
)

// mustTable decodes the embedded table data/name into into. A table that
// does not decode is a fault of the build itself, which every test
// loading the package finds.
func mustTable(name string, raw []byte, into any) {
	if err := json.Unmarshal(raw, into); err != nil {
		panic(fmt.Sprintf("schema: data/%s: %v", name, err))
	}
}
