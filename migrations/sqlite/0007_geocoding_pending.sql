-- Records the geocoder could not place, and the harvests that left some,
-- are marked in a column of their own: the next harvest normalises and
-- places those records again, whatever their content hash. Until now the
-- mark was a suffix of the hashes (" (geocoding pending)"), taken off here.
ALTER TABLE source_records ADD COLUMN geocoding_pending INTEGER NOT NULL DEFAULT 0;
UPDATE source_records SET geocoding_pending = 1,
    content_hash = substr(content_hash, 1, length(content_hash) - length(' (geocoding pending)'))
    WHERE content_hash LIKE '% (geocoding pending)';

ALTER TABLE source_runs ADD COLUMN geocoding_pending INTEGER NOT NULL DEFAULT 0;
UPDATE source_runs SET geocoding_pending = 1,
    payload_hash = substr(payload_hash, 1, length(payload_hash) - length(' (geocoding pending)'))
    WHERE payload_hash LIKE '% (geocoding pending)';

-- The index a harvest's comparison reads alone holds the mark too.
DROP INDEX source_records_state;
CREATE INDEX source_records_state ON source_records (source, record_key, content_hash, row_index, line, deleted_at, geocoding_pending);
