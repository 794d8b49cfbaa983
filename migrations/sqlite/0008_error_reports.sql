-- Errors people report on a lieu's page (« Signaler une erreur »), for
-- the operators to read beside the review queue (maillage review).
CREATE TABLE error_reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    lieu_id     TEXT NOT NULL,
    message     TEXT NOT NULL,
    contact     TEXT NOT NULL DEFAULT '',
    reported_at TEXT NOT NULL
);
CREATE INDEX error_reports_lieu ON error_reports (lieu_id);
