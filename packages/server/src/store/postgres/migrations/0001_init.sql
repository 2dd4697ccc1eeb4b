-- Hookline schema, PostgreSQL. The same tables and meanings as the SQLite schema: times are
-- epoch milliseconds (BIGINT) so that both backends store and return exactly the same instants,
-- `seq` gives every table a stable order for cursors, and `id` columns are the public ids.

CREATE TABLE event_types (
  seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          TEXT   NOT NULL UNIQUE,
  name        TEXT   NOT NULL UNIQUE,
  description TEXT,
  schema      TEXT,                   -- JSON Schema as given (text keeps the author's key order)
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

CREATE TABLE endpoints (
  seq             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  url             TEXT    NOT NULL,
  description     TEXT,
  event_types     TEXT,               -- JSON array of patterns; NULL = every type
  headers         TEXT    NOT NULL DEFAULT '{}',
  secrets         TEXT    NOT NULL,   -- sealed JSON array of {secret, expiresAtMs?}
  disabled        BOOLEAN NOT NULL DEFAULT false,
  disabled_reason TEXT,
  failing_since   BIGINT,             -- start of the current run of failures
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL
);

CREATE TABLE events (
  seq             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  type            TEXT    NOT NULL,
  timestamp       BIGINT  NOT NULL,
  body            TEXT    NOT NULL,   -- the exact bytes delivered and signed
  idempotency_key TEXT    UNIQUE,
  -- The event log's order for streams. Transactions of several processes commit out of `seq`
  -- order, so a reader following `seq` could pass an event that commits later. Instead the log
  -- is ordered by the inserting transaction and the event's rank within it, and readers only
  -- take events of transactions older than every transaction still running (the snapshot's
  -- xmin): that part of the log never changes again.
  tx              XID8    NOT NULL DEFAULT pg_current_xact_id(),
  tx_rank         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_by_type ON events (type, seq);
CREATE INDEX events_by_time ON events (timestamp);
CREATE INDEX events_by_position ON events (tx, tx_rank);

CREATE TABLE deliveries (
  seq              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               TEXT    NOT NULL UNIQUE,
  event_seq        BIGINT  NOT NULL REFERENCES events (seq),
  event_id         TEXT    NOT NULL,
  endpoint_id      TEXT    NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'exhausted')),
  attempt_count    INTEGER NOT NULL DEFAULT 0,
  final_attempt    BOOLEAN NOT NULL DEFAULT false,
  -- When the next attempt is due. A claim moves it to the lease's expiry, so a delivery whose
  -- worker died becomes due again by itself, and "due" stays a single indexed range scan.
  next_attempt_at  BIGINT,
  lease_owner      TEXT,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_event ON deliveries (event_seq);
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, seq);
CREATE INDEX deliveries_by_status ON deliveries (status, seq);

CREATE TABLE attempts (
  seq           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            TEXT    NOT NULL UNIQUE,
  delivery_id   TEXT    NOT NULL,
  at            BIGINT  NOT NULL,
  status        TEXT    NOT NULL,
  status_code   INTEGER,
  duration_ms   INTEGER NOT NULL,
  error         TEXT,
  response_body TEXT
);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, seq);

CREATE TABLE api_keys (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY,
  id         TEXT   PRIMARY KEY,
  hash       TEXT   NOT NULL UNIQUE,  -- SHA-256 of the key; the key itself is never stored
  name       TEXT   NOT NULL,
  created_at BIGINT NOT NULL
);
