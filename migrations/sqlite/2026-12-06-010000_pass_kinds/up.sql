-- Pass kinds: a conference offers one or more kinds of pass (`delegate`,
-- which votes; `visitor`, which does not), and each price tier gives a fee
-- for every kind (`pass_fees`, replacing `price_tiers.pass_fee_minor`).
-- Every existing conference offers one kind, `delegate`, at the fees it
-- had; every existing person holds a `delegate` pass. A person's kind and
-- whether it votes are kept with their place, as the fee is: fixed when
-- the registration was received.
CREATE TABLE pass_kinds (
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    position INTEGER NOT NULL CHECK (position >= 0),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    votes BOOLEAN NOT NULL,
    PRIMARY KEY (conference_id, position),
    UNIQUE (conference_id, code)
);

CREATE TABLE pass_fees (
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    tier_position INTEGER NOT NULL,
    pass_kind TEXT NOT NULL,
    fee_minor BIGINT NOT NULL CHECK (fee_minor >= 0),
    PRIMARY KEY (conference_id, tier_position, pass_kind)
);

INSERT INTO pass_kinds (conference_id, position, code, name, votes)
SELECT id, 0, 'delegate', 'Delegate', TRUE FROM conferences;

INSERT INTO pass_fees (conference_id, tier_position, pass_kind, fee_minor)
SELECT conference_id, position, 'delegate', pass_fee_minor FROM price_tiers;

ALTER TABLE price_tiers DROP COLUMN pass_fee_minor;

ALTER TABLE delegates ADD COLUMN pass_kind TEXT NOT NULL DEFAULT 'delegate';
ALTER TABLE delegates ADD COLUMN votes BOOLEAN NOT NULL DEFAULT TRUE;
