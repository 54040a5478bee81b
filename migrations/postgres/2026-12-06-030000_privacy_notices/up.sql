-- A conference's privacy notice: each publication is a new version, never
-- changed afterwards, so a registration can say which text its organisation
-- accepted (`registrations.privacy_notice_version`) and a delegate's
-- confirmation can link to that very text.
CREATE TABLE privacy_notices (
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (conference_id, version)
);

ALTER TABLE registrations ADD COLUMN privacy_notice_version INTEGER;
