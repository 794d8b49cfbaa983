-- Records the geocoder could not place, and the harvests that left some,
-- are marked in a column of their own: the next harvest normalises and
-- places those records again, whatever their content hash. Until now the
-- mark was a suffix of the hashes (' (geocoding pending)'), taken off here.
ALTER TABLE source_records ADD COLUMN geocoding_pending boolean NOT NULL DEFAULT false;
UPDATE source_records SET geocoding_pending = true,
    content_hash = left(content_hash, length(content_hash) - length(' (geocoding pending)'))
    WHERE content_hash LIKE '% (geocoding pending)';

ALTER TABLE source_runs ADD COLUMN geocoding_pending boolean NOT NULL DEFAULT false;
UPDATE source_runs SET geocoding_pending = true,
    payload_hash = left(payload_hash, length(payload_hash) - length(' (geocoding pending)'))
    WHERE payload_hash LIKE '% (geocoding pending)';
