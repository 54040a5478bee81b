-- Business submitted for conference: motions, amendments to motions, policy
-- submissions, CAC nominations and award nominations. One table, so one
-- deadline rule, one review workflow, one receipt and one audit trail serve
-- every kind; the columns only some kinds use are tied to the kind by CHECKs.
CREATE TABLE submissions (
    id TEXT PRIMARY KEY NOT NULL,
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL CHECK (kind IN ('motion', 'amendment', 'policy_submission',
        'cac_nomination', 'award_nomination')),
    -- Per-conference sequence within a kind (within the motion for amendments).
    number INTEGER NOT NULL CHECK (number > 0),
    -- M3, M3A1, P2, N4, AW1: unique within the conference.
    reference TEXT NOT NULL,
    motion_id TEXT REFERENCES submissions (id),
    title TEXT,
    -- The motion, amendment or policy text, the CAC statement or the award citation.
    body TEXT NOT NULL,
    word_count INTEGER NOT NULL CHECK (word_count >= 0),
    delegate_id TEXT REFERENCES delegates (id),
    nominee_kind TEXT CHECK (nominee_kind IN ('member', 'branch')),
    nominee_name TEXT,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'ruled_out',
        'composited', 'withdrawn')),
    status_reason TEXT,
    composite TEXT,
    -- How the deadline was met: on time, within an extension, or by staff override.
    timeliness TEXT NOT NULL CHECK (timeliness IN ('on_time', 'extended', 'overridden')),
    submitted_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (conference_id, reference),
    CHECK ((kind = 'amendment') = (motion_id IS NOT NULL)),
    CHECK ((kind = 'cac_nomination') = (delegate_id IS NOT NULL)),
    CHECK ((kind = 'award_nomination') = (nominee_kind IS NOT NULL)),
    CHECK ((kind = 'award_nomination') = (nominee_name IS NOT NULL)),
    CHECK ((kind IN ('motion', 'policy_submission')) = (title IS NOT NULL)),
    CHECK ((status = 'composited') = (composite IS NOT NULL)),
    CHECK (status <> 'ruled_out' OR status_reason IS NOT NULL)
);
-- One body nominates one candidate once (delegate ids belong to one conference).
CREATE UNIQUE INDEX submissions_nomination_once ON submissions (organisation_id, delegate_id);
CREATE INDEX submissions_conference ON submissions (conference_id, kind, id);
CREATE INDEX submissions_organisation ON submissions (organisation_id, conference_id, kind, id);
CREATE INDEX submissions_motion ON submissions (motion_id, id);
CREATE INDEX submissions_delegate ON submissions (delegate_id);
CREATE INDEX outbox_submission_id ON outbox (submission_id) WHERE submission_id IS NOT NULL;
