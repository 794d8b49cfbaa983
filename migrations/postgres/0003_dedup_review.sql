-- When each record joined the lieu it feeds: when a lieu splits, the part
-- holding its oldest member keeps the id.
ALTER TABLE lieu_links ADD COLUMN linked_at timestamptz NOT NULL DEFAULT '0001-01-01 00:00:00+00';

-- Pairs of records the scorer could not settle (between review_at and
-- merge_at, or kept apart by the cluster-size cap), replaced every run.
-- a_* names the lower record of the pair (source, then key).
CREATE TABLE review_pairs (
    a_source   text COLLATE "C" NOT NULL,
    a_key      text COLLATE "C" NOT NULL,
    b_source   text COLLATE "C" NOT NULL,
    b_key      text COLLATE "C" NOT NULL,
    score      double precision NOT NULL,
    features   text NOT NULL DEFAULT '[]',
    found_at   timestamptz NOT NULL,
    PRIMARY KEY (a_source, a_key, b_source, b_key)
);

-- Operators' verdicts on pairs of records; they outlive re-harvests and
-- always win over the scorer.
CREATE TABLE dedup_decisions (
    a_source   text COLLATE "C" NOT NULL,
    a_key      text COLLATE "C" NOT NULL,
    b_source   text COLLATE "C" NOT NULL,
    b_key      text COLLATE "C" NOT NULL,
    same       boolean NOT NULL,
    decided_by text NOT NULL DEFAULT '',
    decided_at timestamptz NOT NULL,
    PRIMARY KEY (a_source, a_key, b_source, b_key)
);
