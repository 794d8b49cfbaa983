-- lieu_changes.lieu_id in the "C" collation, as lieux.id: the change feed's
-- insert (store.SaveLieuChangesQuery) looks each changed lieu up in
-- lieu_changes by id, and an index of another collation than the value
-- compared cannot serve it, so every lookup scanned the table (27.9 s for
-- 1 % of 146 000 lieux changed).
ALTER TABLE lieu_changes ALTER COLUMN lieu_id TYPE text COLLATE "C";
