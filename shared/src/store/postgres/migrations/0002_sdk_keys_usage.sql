-- Schema version 2: the server's side data, which the file store keeps in .rollgate/ beside flags.yaml.
-- SDK keys (hashes only, never a key itself) and usage counts per flag, environment and UTC day.

CREATE TABLE sdk_keys (
  id text PRIMARY KEY,
  environment text NOT NULL,
  label text,
  -- ISO times as Rollgate wrote them (kept as text, so they read back exactly).
  created_at text NOT NULL,
  revoked_at text,
  -- The last 4 characters of the key, to tell keys apart in listings.
  hint text NOT NULL,
  -- Hex SHA-256 of the whole key.
  hash text NOT NULL UNIQUE
);

-- The batch ids already counted per environment and day: a retried batch is added exactly once.
CREATE TABLE usage_batches (
  batch_id text NOT NULL,
  environment text NOT NULL,
  day text NOT NULL,
  PRIMARY KEY (batch_id, environment, day)
);

CREATE TABLE usage_days (
  flag_key text NOT NULL,
  environment text NOT NULL,
  day text NOT NULL,
  -- variants (counts), providers, sdks, firstSeen, lastSeen
  data jsonb NOT NULL,
  PRIMARY KEY (flag_key, environment, day)
);
