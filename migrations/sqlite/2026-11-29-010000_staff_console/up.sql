-- Single-use links that let a person set their own password: an invitation
-- (valid for days) or a password reset (valid for an hour). Only a hash of
-- the token is kept; a used or superseded token is gone for good.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- An account staff disabled: it cannot sign in and its sessions are gone.
-- An invited account has no password yet (an empty hash) until its
-- invitation is accepted.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;

-- An organisation staff deactivated: its users cannot sign in, and nobody
-- registers or submits for it.
ALTER TABLE organisations ADD COLUMN deactivated_at TIMESTAMP;
