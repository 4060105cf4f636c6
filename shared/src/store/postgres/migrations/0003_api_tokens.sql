-- Schema version 3: the API tokens of remote mode (rollgate token), which the file store keeps in
-- .rollgate/secrets/tokens.json. Hashes only, never a token itself.

CREATE TABLE api_tokens (
  -- The id part of the token (rgt_<id>_<secret>): the server looks a presented token up by it.
  id text PRIMARY KEY,
  name text NOT NULL,
  -- person | service | assistant
  kind text NOT NULL,
  -- Role per environment key ("*" for all), e.g. {"*": "viewer", "production": "approver"}.
  roles jsonb NOT NULL,
  -- Hex SHA-256 of the whole token.
  hash text NOT NULL UNIQUE,
  -- ISO times as Rollgate wrote them (kept as text, so they read back exactly).
  created_at text NOT NULL,
  created_by text NOT NULL,
  expires_at text,
  revoked_at text
);

-- `rollgate token revoke <name>` looks tokens up by name.
CREATE INDEX api_tokens_name ON api_tokens (name);
