-- Records are normalised again only when their content changed: a record
-- seen again unchanged is not rewritten, so its row no longer says when it
-- was last seen (its source's last applied run does). Each source run
-- counts the records it normalised.
--
-- The table is rebuilt without last_seen and with its small columns
-- first: a harvest and a publication read every current record's key,
-- hash, status, position and times, and SQLite reads a row's columns in
-- order, through the overflow pages of the documents before them.
CREATE TABLE source_records_v5 (
    source       TEXT NOT NULL,
    record_key   TEXT NOT NULL,
    row_index    INTEGER NOT NULL,
    line         INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    producer_id  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT,
    lieu         TEXT,
    issues       TEXT NOT NULL DEFAULT '[]',
    fields       TEXT NOT NULL,
    PRIMARY KEY (source, record_key)
);
INSERT INTO source_records_v5 (source, record_key, row_index, line, content_hash, producer_id, status,
    first_seen, updated_at, deleted_at, lieu, issues, fields)
SELECT source, record_key, row_index, line, content_hash, producer_id, status,
    first_seen, updated_at, deleted_at, lieu, issues, fields FROM source_records;
DROP TABLE source_records;
ALTER TABLE source_records_v5 RENAME TO source_records;

ALTER TABLE source_runs ADD COLUMN normalised INTEGER NOT NULL DEFAULT 0;
