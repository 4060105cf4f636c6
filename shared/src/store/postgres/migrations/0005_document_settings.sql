-- Schema version 5: the document's own settings, i.e. every field of the store document that has no table of its
-- own (`groups`, the approver groups of approval policies, and whatever the model adds at that level later), kept
-- whole in one jsonb object so no such field is dropped. `settings_revision` = the revision of their last change,
-- for optimistic concurrency like the environment list (a stale commit is refused after they changed).

ALTER TABLE rollgate_meta ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE rollgate_meta ADD COLUMN settings_revision bigint NOT NULL DEFAULT 0;

-- The extension fields (`x-…`) of the flags.yaml that `rollgate migrate` imported, which the model leaves out, as a
-- skeleton of that document (store/store-extensions.ts): `rollgate export` writes them back onto the objects that
-- are still there. NULL: the store was not imported, or its file had none.
ALTER TABLE rollgate_meta ADD COLUMN extensions jsonb;
