CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('local_party', 'society')),
    region TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'organisation')),
    organisation_id TEXT REFERENCES organisations (id),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK ((role = 'organisation') = (organisation_id IS NOT NULL))
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE login_failures (
    email_hash TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL
);

CREATE TABLE conferences (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    venue TEXT NOT NULL,
    timezone TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    currency TEXT NOT NULL,
    registration_deadline DATE NOT NULL,
    motions_deadline DATE NOT NULL,
    amendments_deadline DATE NOT NULL,
    policy_submissions_deadline DATE NOT NULL,
    cac_nominations_deadline DATE NOT NULL,
    award_nominations_deadline DATE NOT NULL,
    capacity INTEGER CHECK (capacity >= 0),
    dinner_capacity INTEGER CHECK (dinner_capacity >= 0),
    motion_word_limit INTEGER CHECK (motion_word_limit > 0),
    amendment_word_limit INTEGER CHECK (amendment_word_limit > 0),
    policy_word_limit INTEGER CHECK (policy_word_limit > 0),
    cac_vacancies INTEGER NOT NULL CHECK (cac_vacancies >= 0),
    cac_excluded_regions TEXT NOT NULL,
    lock_version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on)
);

CREATE TABLE price_tiers (
    conference_id TEXT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    until DATE,
    pass_fee_minor BIGINT NOT NULL CHECK (pass_fee_minor >= 0),
    dinner_fee_minor BIGINT NOT NULL CHECK (dinner_fee_minor >= 0),
    PRIMARY KEY (conference_id, position)
);
