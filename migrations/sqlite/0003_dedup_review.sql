-- When each record joined the lieu it feeds: when a lieu splits, the part
-- holding its oldest member keeps the id.
ALTER TABLE lieu_links ADD COLUMN linked_at TEXT NOT NULL DEFAULT '';

-- Pairs of records the scorer could not settle (between review_at and
-- merge_at, or kept apart by the cluster-size cap), replaced every run.
-- a_* names the lower record of the pair (source, then key).
CREATE TABLE review_pairs (
    a_source   TEXT NOT NULL,
    a_key      TEXT NOT NULL,
    b_source   TEXT NOT NULL,
    b_key      TEXT NOT NULL,
    score      REAL NOT NULL,
    features   TEXT NOT NULL DEFAULT '[]',
    found_at   TEXT NOT NULL,
    PRIMARY KEY (a_source, a_key, b_source, b_key)
);

-- Operators' verdicts on pairs of records; they outlive re-harvests and
-- always win over the scorer.
CREATE TABLE dedup_decisions (
    a_source   TEXT NOT NULL,
    a_key      TEXT NOT NULL,
    b_source   TEXT NOT NULL,
    b_key      TEXT NOT NULL,
    same       INTEGER NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    PRIMARY KEY (a_source, a_key, b_source, b_key)
);
