-- Whether a person already holds a place at a conference is asked on
-- every registration and substitution. The unique index on the same
-- columns is partial (active places not allowed as duplicates), so it
-- cannot answer the question as asked, which left a walk through every
-- active place of the conference: a registration's cost grew with the
-- number made before it.
CREATE INDEX delegates_person ON delegates (conference_id, email_key);
