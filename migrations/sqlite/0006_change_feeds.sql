-- Change feeds, so that a long-running process keeps what it read and
-- asks only what changed since.
--
-- records: every write of a source's records takes the sequence's next
-- value, and each row it inserts, updates, moves or marks deleted carries
-- that value: a reader that has seen the records up to value N asks for
-- the rows whose seq is above N instead of reading every current record.
--
-- lieux: every publication takes the sequence's next value; while the
-- value stays the same, so do the published lieux, links and redirects.
CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO sequences (name, value) VALUES ('records', 0), ('lieux', 0);

ALTER TABLE source_records ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX source_records_seq ON source_records (seq);

-- What a source's next harvest compares its records with (key, hash,
-- position, deleted or not), read from an index alone rather than
-- through every row of the source.
CREATE INDEX source_records_state ON source_records (source, record_key, content_hash, row_index, line, deleted_at);

-- What a publication compares the lieux with (id, hash, deleted or not),
-- and what the exports and a restarted process read of every lieu
-- (revision, creation time), read from an index alone rather than
-- through the documents' overflow pages.
CREATE INDEX lieux_state ON lieux (id, content_hash, revision, created_at, deleted_at);
