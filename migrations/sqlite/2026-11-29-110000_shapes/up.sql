-- Conference shapes: every deadline and the CAC election are optional (a
-- conference without a motions deadline takes no motions; one without a
-- `cac_vacancies` holds no CAC election), and registration may open on a
-- date (`registration_opens`, local to the conference). SQLite cannot drop
-- NOT NULL, so the table is rebuilt with foreign keys off (the pragma has
-- no effect inside a transaction, hence this migration's own).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE conferences_new (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    venue TEXT NOT NULL,
    timezone TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    currency TEXT NOT NULL,
    registration_opens DATE,
    registration_deadline DATE,
    motions_deadline DATE,
    amendments_deadline DATE,
    policy_submissions_deadline DATE,
    cac_nominations_deadline DATE,
    award_nominations_deadline DATE,
    capacity INTEGER CHECK (capacity >= 0),
    dinner_capacity INTEGER CHECK (dinner_capacity >= 0),
    motion_word_limit INTEGER CHECK (motion_word_limit > 0),
    amendment_word_limit INTEGER CHECK (amendment_word_limit > 0),
    policy_word_limit INTEGER CHECK (policy_word_limit > 0),
    cac_vacancies INTEGER CHECK (cac_vacancies >= 0),
    cac_excluded_regions TEXT NOT NULL,
    lock_version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    places_taken INTEGER NOT NULL DEFAULT 0,
    dinners_taken INTEGER NOT NULL DEFAULT 0,
    CHECK (ends_on >= starts_on),
    CHECK (registration_opens IS NULL OR registration_opens <= starts_on)
);
INSERT INTO conferences_new (
    id, slug, name, venue, timezone, starts_on, ends_on, currency,
    registration_opens, registration_deadline, motions_deadline,
    amendments_deadline, policy_submissions_deadline, cac_nominations_deadline,
    award_nominations_deadline, capacity, dinner_capacity, motion_word_limit,
    amendment_word_limit, policy_word_limit, cac_vacancies, cac_excluded_regions,
    lock_version, created_at, updated_at, places_taken, dinners_taken
)
SELECT
    id, slug, name, venue, timezone, starts_on, ends_on, currency,
    NULL, registration_deadline, motions_deadline,
    amendments_deadline, policy_submissions_deadline, cac_nominations_deadline,
    award_nominations_deadline, capacity, dinner_capacity, motion_word_limit,
    amendment_word_limit, policy_word_limit, cac_vacancies, cac_excluded_regions,
    lock_version, created_at, updated_at, places_taken, dinners_taken
FROM conferences;
DROP TABLE conferences;
ALTER TABLE conferences_new RENAME TO conferences;
COMMIT;
PRAGMA foreign_keys = ON;
