-- A delegate's own region: CAC eligibility is about the member's region,
-- which for a society's delegate need not be the society's. Until told
-- otherwise it is the registering organisation's region.
ALTER TABLE delegates ADD COLUMN region TEXT NOT NULL DEFAULT '';
UPDATE delegates SET region = (
    SELECT o.region FROM registrations r JOIN organisations o ON o.id = r.organisation_id
    WHERE r.id = delegates.registration_id);

-- The same person twice at one conference: the email key (NFC, lower case)
-- of every active delegate is unique within the conference, unless staff
-- allowed a duplicate on purpose. Duplicates made before this rule are kept
-- (the earliest stays the person's place) and marked as allowed.
ALTER TABLE delegates ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE delegates SET email_key = lower(email);
ALTER TABLE delegates ADD COLUMN duplicate_allowed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE delegates SET duplicate_allowed = TRUE
WHERE status = 'active' AND EXISTS (
    SELECT 1 FROM delegates d2
    WHERE d2.conference_id = delegates.conference_id AND d2.email_key = delegates.email_key
      AND d2.status = 'active' AND d2.id < delegates.id);
CREATE UNIQUE INDEX delegates_one_person ON delegates (conference_id, email_key)
    WHERE status = 'active' AND NOT duplicate_allowed;

-- A CAC nomination is of a person: it keeps the candidate's name as it was
-- when nominated, whoever later holds the place.
ALTER TABLE submissions ADD COLUMN candidate_name TEXT;
UPDATE submissions SET candidate_name = (
    SELECT d.name FROM delegates d WHERE d.id = submissions.delegate_id)
WHERE kind = 'cac_nomination';

-- One body nominates one candidate once among the nominations still
-- standing: after a withdrawal (the candidate substituted, say) the place's
-- new holder may be nominated.
DROP INDEX submissions_nomination_once;
CREATE UNIQUE INDEX submissions_nomination_once ON submissions (organisation_id, delegate_id)
    WHERE delegate_id IS NOT NULL AND status IN ('submitted', 'accepted');
