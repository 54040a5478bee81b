-- An email is stored as the data it is rendered from (`payload`, JSON: the
-- template context, or text and HTML already rendered) instead of its
-- rendered text, HTML and attachment; the sender renders it. `payload` is
-- nullable so that a sent email's content can later be purged while its
-- envelope and history stay. Emails queued before this migration keep
-- their rendered content as {"rendered": {"text", "html", "attachment"}}.
-- SQLite cannot drop columns named in a CHECK, so the table is rebuilt.
CREATE TABLE outbox_new (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT,
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
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO outbox_new (
    id, kind, recipient, subject, payload, conference_id, registration_id,
    submission_id, status, attempts, next_attempt_at, lease_until, lease_token,
    last_error, sent_at, created_at, updated_at
)
SELECT
    id, kind, recipient, subject,
    json_object('rendered', json_object(
        'text', text_body,
        'html', html_body,
        'attachment', json(CASE WHEN attachment_filename IS NULL THEN 'null' ELSE json_object(
            'filename', attachment_filename,
            'content_type', attachment_content_type,
            'body', attachment_body) END))),
    conference_id, registration_id, submission_id, status, attempts,
    next_attempt_at, lease_until, lease_token, last_error, sent_at, created_at,
    updated_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_conference_id ON outbox (conference_id);
CREATE INDEX outbox_registration_id ON outbox (registration_id);
CREATE INDEX outbox_submission_id ON outbox (submission_id) WHERE submission_id IS NOT NULL;
