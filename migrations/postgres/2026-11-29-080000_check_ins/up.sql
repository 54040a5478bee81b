-- The credentials desk. A badge's check-in code is a MAC over the
-- delegate's id and how many times the place has changed hands
-- (`delegates.substitutions`), so a badge printed for someone substituted
-- out is recognised and refused. The MAC key comes from configuration or,
-- when none is configured, from `server_secrets` (made once at random by
-- the first server to start, so that every instance agrees).
ALTER TABLE delegates ADD COLUMN substitutions INTEGER NOT NULL DEFAULT 0;

CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One row per delegate who has arrived: the primary key makes a second
-- check-in of the same place find the first.
CREATE TABLE check_ins (
    delegate_id TEXT PRIMARY KEY NOT NULL REFERENCES delegates (id),
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    checked_in_at TIMESTAMP NOT NULL,
    checked_in_by TEXT NOT NULL REFERENCES users (id)
);
CREATE INDEX check_ins_conference ON check_ins (conference_id, checked_in_at);
