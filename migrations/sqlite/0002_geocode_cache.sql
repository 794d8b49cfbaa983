-- Geocoder answers, keyed by the normalised query, so that an unchanged
-- address is never sent twice. Failures are kept too, with their time, to
-- be retried after a delay.
CREATE TABLE geocode_cache (
    query_key  TEXT PRIMARY KEY,
    result     TEXT NOT NULL,
    found      INTEGER NOT NULL,
    fetched_at TEXT NOT NULL
);
