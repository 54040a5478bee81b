-- Entitlements: how many voting passes each organisation may hold at a
-- conference (`passes`; none: the conference's `entitlement_default`;
-- neither: no limit), and a counter of the voting passes it holds
-- (`used`), changed in the same transaction as the people who hold them,
-- so a registration is checked against the counter and never by counting
-- rows. Existing organisations' counters start at their active voting
-- people.
ALTER TABLE conferences ADD COLUMN entitlement_default INTEGER CHECK (entitlement_default >= 0);

CREATE TABLE entitlements (
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    passes INTEGER CHECK (passes >= 0),
    used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (conference_id, organisation_id)
);

INSERT INTO entitlements (conference_id, organisation_id, passes, used)
SELECT r.conference_id, r.organisation_id, NULL, COUNT(*)
FROM delegates d JOIN registrations r ON r.id = d.registration_id
WHERE d.status = 'active' AND d.votes
GROUP BY r.conference_id, r.organisation_id;
