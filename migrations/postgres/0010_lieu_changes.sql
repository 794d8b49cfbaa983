-- The change feed of the published lieux (GET /api/v1/changes): one row
-- per lieu, at the position (seq) of its latest change, written in the
-- publication's transaction. Reading from 0 is a snapshot; deleted and
-- retired lieux stay as tombstones until purged (the position purged up
-- to is the sequence 'changes_purged').
CREATE TABLE lieu_changes (
    lieu_id    TEXT PRIMARY KEY,
    seq        bigint NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    survivor   TEXT,
    changed_at timestamptz NOT NULL
);

-- The lieux published before the feed existed enter it in revision order.
INSERT INTO lieu_changes (lieu_id, seq, kind, survivor, changed_at)
SELECT l.id, row_number() OVER (ORDER BY l.revision, l.id),
    CASE WHEN l.deleted_at IS NULL THEN 'created' WHEN r.new_id IS NOT NULL THEN 'retired' ELSE 'deleted' END,
    CASE WHEN l.deleted_at IS NOT NULL THEN r.new_id END, l.updated_at
FROM lieux l LEFT JOIN lieu_redirects r ON r.old_id = l.id;

INSERT INTO sequences (name, value) SELECT 'changes', count(*) FROM lieu_changes;
INSERT INTO sequences (name, value) VALUES ('changes_purged', 0);
