-- The instance's identity: made at first start, never changed, so that
-- every change this instance publishes names it as its origin and other
-- instances never import their own records back (federation).
CREATE TABLE instance_identity (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    id         TEXT NOT NULL,
    created_at TEXT NOT NULL
);
