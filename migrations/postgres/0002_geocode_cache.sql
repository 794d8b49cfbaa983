-- Geocoder answers, keyed by the normalised query, so that an unchanged
-- address is never sent twice. Failures are kept too, with their time, to
-- be retried after a delay.
CREATE TABLE geocode_cache (
    query_key  text COLLATE "C" PRIMARY KEY,
    result     text NOT NULL,
    found      boolean NOT NULL,
    fetched_at timestamptz NOT NULL
);
