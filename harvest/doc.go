// Package harvest fetches sources (local files, HTTP) and decodes them into
// raw records: CSV, JSON arrays and GeoJSON, each record an ordered list of
// the source's own fields, kept verbatim. It knows nothing of the national
// schema. It also owns the scheduler that triggers harvests.
package harvest
