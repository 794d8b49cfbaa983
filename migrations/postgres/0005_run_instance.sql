-- Which maillage process ran the sync (host:pid): with several instances
-- on one database, each scheduled sync runs on one of them (the leader,
-- see store/postgres Elector).
ALTER TABLE runs ADD COLUMN instance text NOT NULL DEFAULT '';
