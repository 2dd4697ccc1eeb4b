-- Inbound sources: providers post to /in/<name>; accepted requests become ordinary events.

CREATE TABLE sources (
  seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               TEXT   NOT NULL UNIQUE,
  name             TEXT   NOT NULL UNIQUE,
  verifier         TEXT   NOT NULL,   -- sealed JSON VerifierConfig (holds the secrets)
  scheme           TEXT   NOT NULL,   -- copied out of the verifier so lists need no decryption
  event_type       TEXT,              -- JSON rule or NULL for the provider default
  idempotency_key  TEXT,              -- JSON rule or NULL for the provider default
  accepted_count   BIGINT NOT NULL DEFAULT 0,
  duplicate_count  BIGINT NOT NULL DEFAULT 0,
  rejected_count   BIGINT NOT NULL DEFAULT 0,
  last_accepted_at BIGINT,
  last_rejected_at BIGINT,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL
);

-- Provider retries arrive for days; a key is remembered until expires_at. The primary key is
-- also what makes concurrent ingests of one key (from several processes) store one event.
CREATE TABLE inbound_dedupe (
  source_id  TEXT   NOT NULL,
  key        TEXT   NOT NULL,
  event_id   TEXT   NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (source_id, key)
);
CREATE INDEX inbound_dedupe_by_expiry ON inbound_dedupe (expires_at);

-- A short log per source of why requests were refused: never the body or the signature.
CREATE TABLE inbound_rejections (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id  TEXT   NOT NULL,
  at         BIGINT NOT NULL,
  reason     TEXT   NOT NULL,
  size_bytes BIGINT NOT NULL
);
CREATE INDEX inbound_rejections_by_source ON inbound_rejections (source_id, seq);

-- Events that came in through a source keep its name and the provider headers worth keeping.
ALTER TABLE events ADD COLUMN source TEXT;
ALTER TABLE events ADD COLUMN headers TEXT;
