package store

import "time"

// DatagouvDataset is a dataset this instance publishes on data.gouv.fr:
// its id there once created, and the resource of each of its files.
type DatagouvDataset struct {
	// Key names the configured dataset: "national" or a territory
	// ("dep:05").
	Key       string
	DatasetID string
	CreatedAt time.Time
	// Resources are by file name (lieux.csv).
	Resources map[string]DatagouvResource
}

// DatagouvResource is a file's resource on data.gouv.fr and the file
// last uploaded into it.
type DatagouvResource struct {
	ResourceID string
	// SHA1 is the checksum data.gouv.fr computes of an uploaded file.
	SHA1       string
	Bytes      int64
	UploadedAt time.Time
}

// Queries of the data.gouv.fr publication state, the same in both
// dialects.
const (
	DatagouvDatasetQuery     = `SELECT dataset_id, created_at FROM datagouv_datasets WHERE key = $1`
	DatagouvResourcesQuery   = `SELECT file, resource_id, sha1, bytes, uploaded_at FROM datagouv_resources WHERE dataset_key = $1 ORDER BY file`
	SaveDatagouvDatasetQuery = `INSERT INTO datagouv_datasets (key, dataset_id, created_at) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET dataset_id = excluded.dataset_id`
	SaveDatagouvResourceQuery = `INSERT INTO datagouv_resources (dataset_key, file, resource_id, sha1, bytes, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (dataset_key, file) DO UPDATE SET resource_id = excluded.resource_id, sha1 = excluded.sha1, bytes = excluded.bytes, uploaded_at = excluded.uploaded_at`
)
