-- The transactional outbox: an email is written in the same transaction as
-- the change that causes it, and a background sender delivers it.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    attachment_filename TEXT,
    attachment_content_type TEXT,
    attachment_body TEXT,
    conference_id TEXT,
    registration_id TEXT,
    submission_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    lease_token TEXT,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((attachment_filename IS NULL) = (attachment_body IS NULL)),
    CHECK ((attachment_filename IS NULL) = (attachment_content_type IS NULL))
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_conference_id ON outbox (conference_id);
CREATE INDEX outbox_registration_id ON outbox (registration_id);
