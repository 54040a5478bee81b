//! Single-use links that let a person set their own password: an
//! invitation from staff (valid `invitation_days`) or a password reset the
//! person asked for (valid `reset_minutes`). Only a SHA-256 hash of the
//! token is stored; taking one (`take`) uses it up, and issuing a new one
//! of the same purpose for the same person cancels the old.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::account_tokens;
use crate::db::sql::text_enum;
use crate::db::DbConnection;
use crate::ids::UserId;

text_enum! {
    pub enum TokenPurpose {
        Invitation = "invitation",
        PasswordReset = "password_reset",
    }
}

/// Stores a new token's hash for `user_id`, replacing any unused one of
/// the same purpose.
pub fn issue(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &UserId,
    purpose: TokenPurpose,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    use account_tokens::dsl as t;
    diesel::delete(
        t::account_tokens
            .filter(t::user_id.eq(user_id.clone()))
            .filter(t::purpose.eq(purpose)),
    )
    .execute(conn)?;
    diesel::insert_into(t::account_tokens)
        .values((
            t::token_hash.eq(token_hash),
            t::user_id.eq(user_id),
            t::purpose.eq(purpose),
            t::created_at.eq(now),
            t::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// What became of a token presented to set a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Valid: it is now used up.
    Now(UserId),
    /// It was used already.
    Used,
    /// It ran out before it was used.
    Expired,
    /// No such token.
    Unknown,
}

/// Uses up a token, if it is unused and unexpired: one conditional update,
/// so of two requests racing with one link only one sets the password.
pub fn take(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<Taken> {
    use account_tokens::dsl as t;
    let taken = diesel::update(
        t::account_tokens
            .filter(t::token_hash.eq(token_hash))
            .filter(t::used_at.is_null())
            .filter(t::expires_at.gt(now)),
    )
    .set(t::used_at.eq(Some(now)))
    .execute(conn)?;
    let row: Option<(UserId, Option<NaiveDateTime>)> = t::account_tokens
        .filter(t::token_hash.eq(token_hash))
        .select((t::user_id, t::used_at))
        .first(conn)
        .optional()?;
    Ok(match (taken, row) {
        (1, Some((user, _))) => Taken::Now(user),
        (_, Some((_, Some(_)))) => Taken::Used,
        (_, Some((_, None))) => Taken::Expired,
        (_, None) => Taken::Unknown,
    })
}

/// Whether a token would be accepted now (for a page that shows the form).
pub fn usable(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<Taken> {
    use account_tokens::dsl as t;
    let row: Option<(UserId, Option<NaiveDateTime>, NaiveDateTime)> = t::account_tokens
        .filter(t::token_hash.eq(token_hash))
        .select((t::user_id, t::used_at, t::expires_at))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Taken::Unknown,
        Some((_, Some(_), _)) => Taken::Used,
        Some((_, None, expires)) if expires <= now => Taken::Expired,
        Some((user, None, _)) => Taken::Now(user),
    })
}

/// When the latest token of a purpose was issued to a user, if any.
pub fn last_issued(
    conn: &mut DbConnection,
    user_id: &UserId,
    purpose: TokenPurpose,
) -> QueryResult<Option<NaiveDateTime>> {
    use account_tokens::dsl as t;
    t::account_tokens
        .filter(t::user_id.eq(user_id.clone()))
        .filter(t::purpose.eq(purpose))
        .select(diesel::dsl::max(t::created_at))
        .first(conn)
}

/// Cancels every unused token of a user (their account was disabled).
pub fn revoke(conn: &mut DbConnection, user_id: &UserId) -> QueryResult<usize> {
    use account_tokens::dsl as t;
    diesel::delete(
        t::account_tokens
            .filter(t::user_id.eq(user_id.clone()))
            .filter(t::used_at.is_null()),
    )
    .execute(conn)
}
