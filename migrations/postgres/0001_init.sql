-- The PostgreSQL dialect of sqlite/0001_init.sql: the same tables and
-- meaning; times are timestamptz, documents json or text (kept as
-- written, so that both stores give back the same bytes), keys compare bytewise
-- (COLLATE "C", as SQLite does: the same order whatever the database's
-- locale), and a published lieu has a PostGIS point.
CREATE EXTENSION IF NOT EXISTS postgis;

-- One sync: all sources harvested together.
CREATE TABLE runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    status      text NOT NULL
);

-- What one run did with one source.
CREATE TABLE source_runs (
    run_id        bigint NOT NULL REFERENCES runs(id),
    source        text COLLATE "C" NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL,
    status        text NOT NULL,
    error         text NOT NULL DEFAULT '',
    fetched       integer NOT NULL DEFAULT 0,
    unchanged     integer NOT NULL DEFAULT 0,
    valid         integer NOT NULL DEFAULT 0,
    fixed         integer NOT NULL DEFAULT 0,
    quarantined   integer NOT NULL DEFAULT 0,
    geocoded      integer NOT NULL DEFAULT 0,
    created       integer NOT NULL DEFAULT 0,
    updated       integer NOT NULL DEFAULT 0,
    deleted       integer NOT NULL DEFAULT 0,
    payload_hash  text NOT NULL DEFAULT '',
    etag          text NOT NULL DEFAULT '',
    last_modified text NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, source)
);
CREATE INDEX source_runs_source ON source_runs (source, run_id);

-- Every record of every source, raw fields verbatim, with what the
-- normaliser made of it. Records gone from their source keep a deleted_at.
-- fields, lieu and issues are JSON documents only maillage reads: stored
-- as text, they are loaded without being parsed.
CREATE TABLE source_records (
    source       text COLLATE "C" NOT NULL,
    record_key   text COLLATE "C" NOT NULL,
    row_index    integer NOT NULL,
    line         integer NOT NULL DEFAULT 0,
    fields       text NOT NULL,
    content_hash text NOT NULL,
    producer_id  text NOT NULL DEFAULT '',
    status       text NOT NULL,
    lieu         text,
    issues       text NOT NULL DEFAULT '[]',
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    PRIMARY KEY (source, record_key)
);

-- Published lieux. provenance maps each field to the source record that
-- gave it. A lieu no record feeds any more keeps its row as a tombstone
-- (deleted_at); revision grows with every change.
CREATE TABLE lieux (
    id           text COLLATE "C" PRIMARY KEY,
    data         json NOT NULL,
    provenance   json NOT NULL DEFAULT '{}',
    content_hash text NOT NULL,
    lon          double precision,
    lat          double precision,
    geom         geometry(Point, 4326) GENERATED ALWAYS AS
                 (CASE WHEN lon IS NOT NULL AND lat IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    revision     bigint NOT NULL
);
CREATE INDEX lieux_geom ON lieux USING gist (geom);
CREATE INDEX lieux_revision ON lieux (revision);

-- Which lieu each source record feeds.
CREATE TABLE lieu_links (
    source     text COLLATE "C" NOT NULL,
    record_key text COLLATE "C" NOT NULL,
    lieu_id    text COLLATE "C" NOT NULL,
    PRIMARY KEY (source, record_key)
);
CREATE INDEX lieu_links_lieu ON lieu_links (lieu_id);

-- Ids retired by a merge keep resolving to the surviving lieu.
CREATE TABLE lieu_redirects (
    old_id     text COLLATE "C" PRIMARY KEY,
    new_id     text COLLATE "C" NOT NULL,
    retired_at timestamptz NOT NULL
);
CREATE INDEX lieu_redirects_new ON lieu_redirects (new_id);
