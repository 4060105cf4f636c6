-- Rollgate PostgreSQL store, schema version 1. One row per flag, environment and change request (the objects are
-- kept whole in jsonb, so no field of the model is ever dropped), the append-only audit log, and one meta row with
-- the store's revision counters. `version` of a row = the store revision that last wrote it.

CREATE TABLE rollgate_meta (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- Every commit adds one; audit entries carry the revision they produced.
  revision bigint NOT NULL,
  -- Revisions of the last change to the environment list, to the change requests and of the last row deletion.
  environments_revision bigint NOT NULL,
  change_requests_revision bigint NOT NULL,
  deleted_revision bigint NOT NULL,
  -- Whether the document has a `changeRequests` list (absent until the first one).
  change_requests_present boolean NOT NULL
);

CREATE TABLE flags (
  key text PRIMARY KEY,
  data jsonb NOT NULL,
  version bigint NOT NULL
);
CREATE INDEX flags_version ON flags (version);

CREATE TABLE environments (
  key text PRIMARY KEY,
  position integer NOT NULL,
  data jsonb NOT NULL,
  version bigint NOT NULL
);

CREATE TABLE change_requests (
  id text PRIMARY KEY,
  position integer NOT NULL,
  data jsonb NOT NULL,
  version bigint NOT NULL
);

CREATE TABLE audit_entries (
  id bigserial PRIMARY KEY,
  revision bigint NOT NULL,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  flag_key text,
  environment text,
  entry jsonb NOT NULL
);
CREATE INDEX audit_entries_flag_key ON audit_entries (flag_key, id);
CREATE INDEX audit_entries_environment ON audit_entries (environment, id);
CREATE INDEX audit_entries_at ON audit_entries (at);
