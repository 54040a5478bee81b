-- Signed-in browsers: the session cookie holds a random token, stored here
-- only as its SHA-256. Kept apart from the API's bearer tokens, so neither
-- works as the other. A session ends when it has been idle too long
-- (`last_seen_at`) or at `expires_at`, whichever comes first.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_user_id ON web_sessions (user_id);
