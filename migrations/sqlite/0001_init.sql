-- One sync: all sources harvested together.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL
);

-- What one run did with one source.
CREATE TABLE source_runs (
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    source        TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    status        TEXT NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    fetched       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    valid         INTEGER NOT NULL DEFAULT 0,
    fixed         INTEGER NOT NULL DEFAULT 0,
    quarantined   INTEGER NOT NULL DEFAULT 0,
    geocoded      INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    deleted       INTEGER NOT NULL DEFAULT 0,
    payload_hash  TEXT NOT NULL DEFAULT '',
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, source)
);

-- Every record of every source, raw fields verbatim, with what the
-- normaliser made of it. Records gone from their source keep a deleted_at.
CREATE TABLE source_records (
    source       TEXT NOT NULL,
    record_key   TEXT NOT NULL,
    row_index    INTEGER NOT NULL,
    line         INTEGER NOT NULL DEFAULT 0,
    fields       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    producer_id  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    lieu         TEXT,
    issues       TEXT NOT NULL DEFAULT '[]',
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT,
    PRIMARY KEY (source, record_key)
);

-- Published lieux. provenance maps each field to the source record that
-- gave it. A lieu no record feeds any more keeps its row as a tombstone
-- (deleted_at); revision grows with every change.
CREATE TABLE lieux (
    id           TEXT PRIMARY KEY,
    data         TEXT NOT NULL,
    provenance   TEXT NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    lon          REAL,
    lat          REAL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT,
    revision     INTEGER NOT NULL
);
CREATE INDEX lieux_lon_lat ON lieux (lon, lat);
CREATE INDEX lieux_revision ON lieux (revision);

-- Which lieu each source record feeds.
CREATE TABLE lieu_links (
    source     TEXT NOT NULL,
    record_key TEXT NOT NULL,
    lieu_id    TEXT NOT NULL,
    PRIMARY KEY (source, record_key)
);
CREATE INDEX lieu_links_lieu ON lieu_links (lieu_id);

-- Ids retired by a merge keep resolving to the surviving lieu.
CREATE TABLE lieu_redirects (
    old_id     TEXT PRIMARY KEY,
    new_id     TEXT NOT NULL,
    retired_at TEXT NOT NULL
);
