-- Errors people report on a lieu's page (« Signaler une erreur »), for
-- the operators to read beside the review queue (maillage review).
CREATE TABLE error_reports (
    id          bigserial PRIMARY KEY,
    lieu_id     text COLLATE "C" NOT NULL,
    message     text NOT NULL,
    contact     text NOT NULL DEFAULT '',
    reported_at timestamptz NOT NULL
);
CREATE INDEX error_reports_lieu ON error_reports (lieu_id);
