-- Which maillage process ran the sync (host:pid): with several instances
-- on one database, each scheduled sync runs on one of them.
ALTER TABLE runs ADD COLUMN instance TEXT NOT NULL DEFAULT '';
