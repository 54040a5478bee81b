-- Login throttling by account, by client address and by the two together,
-- each under a SHA-256 digest of its key (never an email or an address).
-- The per-email counts it replaces lasted 15 minutes; none are carried over.
DROP TABLE login_failures;

CREATE TABLE login_throttle (
    key_hash TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL
);

CREATE INDEX login_throttle_last_failure_at ON login_throttle (last_failure_at);
