-- An email is stored as the data it is rendered from (`payload`, JSON: the
-- template context, or text and HTML already rendered) instead of its
-- rendered text, HTML and attachment; the sender renders it. `payload` is
-- nullable so that a sent email's content can later be purged while its
-- envelope and history stay. Emails queued before this migration keep
-- their rendered content as {"rendered": {"text", "html", "attachment"}}.
ALTER TABLE outbox ADD COLUMN payload TEXT;
UPDATE outbox SET payload = json_build_object('rendered', json_build_object(
    'text', text_body,
    'html', html_body,
    'attachment', CASE WHEN attachment_filename IS NULL THEN NULL ELSE json_build_object(
        'filename', attachment_filename,
        'content_type', attachment_content_type,
        'body', attachment_body) END))::text;
-- The CHECKs on the attachment columns go with them.
ALTER TABLE outbox
    DROP COLUMN text_body,
    DROP COLUMN html_body,
    DROP COLUMN attachment_filename,
    DROP COLUMN attachment_content_type,
    DROP COLUMN attachment_body;
