-- Schema version 4: segments (named audiences, flags/segments.ts), one row each like flags. `position` keeps the
-- document's order (a new segment goes after the last); `version` = the store revision that last wrote the row, for
-- per-segment optimistic concurrency. Segments are few: a reader reloads them all when segments_revision moved.

CREATE TABLE segments (
  key text PRIMARY KEY,
  position integer NOT NULL,
  data jsonb NOT NULL,
  version bigint NOT NULL
);

-- Revision of the last change to any segment (0: never).
ALTER TABLE rollgate_meta ADD COLUMN segments_revision bigint NOT NULL DEFAULT 0;
