-- data.gouv.fr publication: each configured dataset (its key: "national"
-- or a territory such as "dep:05") once created on data.gouv.fr, and the
-- resource of each of its files, with the SHA-1 of the file last
-- uploaded (what data.gouv.fr computes), so that a file is uploaded again
-- only when its content changed, into the same resource.
CREATE TABLE datagouv_datasets (
    key         TEXT PRIMARY KEY,
    dataset_id  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE datagouv_resources (
    dataset_key  TEXT NOT NULL REFERENCES datagouv_datasets (key) ON DELETE CASCADE,
    file         TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    sha1         TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (dataset_key, file)
);
