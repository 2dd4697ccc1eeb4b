-- The poll-to-push bridge: one poller polls a legacy status endpoint for everyone and
-- publishes an event when an item appears or its watched value changes.
CREATE TABLE pollers (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT    NOT NULL UNIQUE,
  url            TEXT    NOT NULL,
  interval_ms    INTEGER NOT NULL,
  headers        TEXT    NOT NULL,   -- sealed JSON object: the values may be credentials
  header_names   TEXT    NOT NULL,   -- JSON array, shown by the API
  event_type     TEXT    NOT NULL,
  id_from        TEXT    NOT NULL,
  change_from    TEXT,
  items_from     TEXT,
  etag           TEXT,
  state          TEXT,               -- JSON itemId → fingerprint; NULL until the first poll
  failures       INTEGER NOT NULL DEFAULT 0,
  next_run_at    INTEGER NOT NULL,   -- moved to the lease expiry while a worker polls
  lease_owner    TEXT,
  last_run_at    INTEGER,
  last_outcome   TEXT,
  last_error     TEXT,
  last_change_at INTEGER,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX pollers_due ON pollers (next_run_at);
