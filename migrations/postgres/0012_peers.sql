-- Federation: what a peer source (another maillage instance, read
-- through its change feed) has given so far. peer_records mirrors the
-- peer's lieux as of peer_checkpoints.cursor, page by page, so that an
-- interrupted snapshot resumes where it stopped; a harvest of the source
-- publishes the mirror once it has caught up. peer_absorbed keeps the
-- peer's merges: the ids it retired into a survivor, so that the lieux
-- they fed here are retired into the survivor's lieu too.
CREATE TABLE peer_checkpoints (
    source        TEXT PRIMARY KEY,
    instance      TEXT NOT NULL,
    cursor        TEXT NOT NULL,
    position      bigint NOT NULL,
    complete      boolean NOT NULL,
    last_event_at timestamptz,
    caught_up_at  timestamptz,
    polled_at     timestamptz NOT NULL
);
CREATE TABLE peer_records (
    source      TEXT NOT NULL,
    record_key  TEXT NOT NULL,
    revision    bigint NOT NULL,
    feature     TEXT NOT NULL,
    meta        TEXT NOT NULL,
    PRIMARY KEY (source, record_key)
);
CREATE TABLE peer_absorbed (
    source      TEXT NOT NULL,
    survivor    TEXT NOT NULL,
    absorbed    TEXT NOT NULL,
    PRIMARY KEY (source, absorbed)
);
