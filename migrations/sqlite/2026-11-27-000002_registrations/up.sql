-- Places and dinner seats sold, kept on the conference row and changed in
-- the same transaction as the registration, so checking capacity never
-- counts rows.
ALTER TABLE conferences ADD COLUMN places_taken INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conferences ADD COLUMN dinners_taken INTEGER NOT NULL DEFAULT 0;

CREATE TABLE registrations (
    id TEXT PRIMARY KEY NOT NULL,
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    reference TEXT NOT NULL UNIQUE,
    payment_method TEXT NOT NULL CHECK (payment_method IN ('online', 'cheque', 'invoice')),
    tier_code TEXT NOT NULL,
    currency TEXT NOT NULL,
    total_minor BIGINT NOT NULL CHECK (total_minor >= 0),
    amount_paid_minor BIGINT NOT NULL DEFAULT 0 CHECK (amount_paid_minor >= 0),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX registrations_conference ON registrations (conference_id, id);
CREATE INDEX registrations_organisation ON registrations (organisation_id, conference_id, id);

CREATE TABLE delegates (
    id TEXT PRIMARY KEY NOT NULL,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    dinner BOOLEAN NOT NULL,
    dietary_requirements TEXT NOT NULL,
    access_requirements TEXT NOT NULL,
    pass_fee_minor BIGINT NOT NULL,
    dinner_fee_minor BIGINT NOT NULL,
    fee_minor BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    cancelled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (fee_minor = pass_fee_minor + dinner_fee_minor)
);
CREATE INDEX delegates_registration ON delegates (registration_id, position);
CREATE INDEX delegates_conference ON delegates (conference_id, status);

CREATE TABLE payments (
    id TEXT PRIMARY KEY NOT NULL,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    method TEXT NOT NULL CHECK (method IN ('online', 'cheque', 'invoice', 'bank_transfer')),
    reference TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_registration ON payments (registration_id);

CREATE TABLE extensions (
    id TEXT PRIMARY KEY NOT NULL,
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    deadline TEXT NOT NULL CHECK (deadline IN ('registration', 'motions', 'amendments',
        'policy_submissions', 'cac_nominations', 'award_nominations')),
    until DATE NOT NULL,
    granted_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (conference_id, organisation_id, deadline)
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    conference_id TEXT,
    organisation_id TEXT,
    subject_id TEXT,
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_conference ON audit_log (conference_id, id);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
