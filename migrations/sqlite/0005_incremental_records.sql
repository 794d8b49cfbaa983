-- Records are normalised again only when their content changed: a record
-- seen again unchanged is not rewritten, so its row no longer says when it
-- was last seen (its source's last applied run does). Each source run
-- counts the records it normalised.
ALTER TABLE source_records DROP COLUMN last_seen;
ALTER TABLE source_runs ADD COLUMN normalised INTEGER NOT NULL DEFAULT 0;
