-- Hookline schema, SQLite. Times are epoch milliseconds. `seq` columns give every table a
-- stable insertion order for cursors; `id` columns are the public, prefixed ids.

CREATE TABLE event_types (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT    NOT NULL UNIQUE,
  name        TEXT    NOT NULL UNIQUE,
  description TEXT,
  schema      TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE endpoints (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT    NOT NULL UNIQUE,
  url             TEXT    NOT NULL,
  description     TEXT,
  event_types     TEXT,               -- JSON array of patterns; NULL = every type
  headers         TEXT    NOT NULL DEFAULT '{}',
  secrets         TEXT    NOT NULL,   -- sealed JSON array of {secret, expiresAtMs?}
  disabled        INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT,
  failing_since   INTEGER,            -- start of the current run of failures
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);

CREATE TABLE events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT    NOT NULL UNIQUE,
  type            TEXT    NOT NULL,
  timestamp       INTEGER NOT NULL,
  body            TEXT    NOT NULL,   -- the exact bytes delivered and signed
  idempotency_key TEXT    UNIQUE
);
CREATE INDEX events_by_type ON events (type, seq);
CREATE INDEX events_by_time ON events (timestamp);

CREATE TABLE deliveries (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT    NOT NULL UNIQUE,
  event_seq        INTEGER NOT NULL REFERENCES events (seq),
  event_id         TEXT    NOT NULL,
  endpoint_id      TEXT    NOT NULL,
  status           TEXT    NOT NULL,
  attempt_count    INTEGER NOT NULL DEFAULT 0,
  final_attempt    INTEGER NOT NULL DEFAULT 0,
  -- When the next attempt is due. A claim moves it to the lease's expiry, so a delivery whose
  -- worker died becomes due again by itself, and "due" stays a single indexed range scan.
  next_attempt_at  INTEGER,
  lease_owner      TEXT,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_event ON deliveries (event_seq);
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, seq);
CREATE INDEX deliveries_by_status ON deliveries (status, seq);

CREATE TABLE attempts (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  id            TEXT    NOT NULL UNIQUE,
  delivery_id   TEXT    NOT NULL,
  at            INTEGER NOT NULL,
  status        TEXT    NOT NULL,
  status_code   INTEGER,
  duration_ms   INTEGER NOT NULL,
  error         TEXT,
  response_body TEXT
);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, seq);

CREATE TABLE api_keys (
  id         TEXT    PRIMARY KEY,
  hash       TEXT    NOT NULL UNIQUE,  -- SHA-256 of the key; the key itself is never stored
  name       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
