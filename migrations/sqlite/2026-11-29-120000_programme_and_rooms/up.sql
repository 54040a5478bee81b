-- A conference's programme: each item's times are the wall clock of the
-- conference's zone as staff typed them (`starts_at`, `ends_at`), turned
-- into instants with the zone's rules when read. `revision` counts changes,
-- so a calendar that subscribed to the feed replaces the item it holds.
CREATE TABLE programme_items (
    id TEXT PRIMARY KEY NOT NULL,
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    title TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    ticketed BOOLEAN NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX programme_items_conference_id ON programme_items (conference_id, starts_at);

-- Hotel room blocks: rooms a hotel holds for the conference, per night,
-- until `release_on` (a date in the conference's zone). `room_nights`
-- keeps each night's rooms and the rooms taken, changed in the same
-- transaction as the delegates who book them, so the rooms left are
-- never counted from rows and never oversold.
CREATE TABLE room_blocks (
    id TEXT PRIMARY KEY NOT NULL,
    conference_id TEXT NOT NULL REFERENCES conferences (id),
    hotel TEXT NOT NULL,
    hotel_address TEXT NOT NULL,
    room_type TEXT NOT NULL,
    nightly_rate_minor BIGINT NOT NULL CHECK (nightly_rate_minor >= 0),
    release_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX room_blocks_conference_id ON room_blocks (conference_id);

CREATE TABLE room_nights (
    room_block_id TEXT NOT NULL REFERENCES room_blocks (id),
    night DATE NOT NULL,
    rooms INTEGER NOT NULL CHECK (rooms >= 0),
    taken INTEGER NOT NULL CHECK (taken >= 0 AND taken <= rooms),
    PRIMARY KEY (room_block_id, night)
);

-- A delegate's room, booked with the place: the block, the first night
-- (arrival) and the morning of departure; its price, `room_fee_minor`, is
-- charged beside `fee_minor` (pass and dinner).
ALTER TABLE delegates ADD COLUMN room_block_id TEXT REFERENCES room_blocks (id);
ALTER TABLE delegates ADD COLUMN room_arrival DATE;
ALTER TABLE delegates ADD COLUMN room_departure DATE;
ALTER TABLE delegates ADD COLUMN room_fee_minor BIGINT NOT NULL DEFAULT 0;
