-- Background jobs that several instances share (the retention run): the
-- instance that claims a job's lease runs it, once per interval.
CREATE TABLE jobs (
    name TEXT PRIMARY KEY NOT NULL,
    lease_token TEXT,
    lease_until TIMESTAMP,
    last_run_at TIMESTAMP
);
INSERT INTO jobs (name) VALUES ('retention');
