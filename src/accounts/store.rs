//! Accounts, sessions and login throttling, stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::UserRole;
use crate::db::schema::{login_failures, sessions, users};
use crate::db::{is_unique_violation, DbConnection};
use crate::ids::{OrganisationId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub organisation_id: Option<OrganisationId>,
    /// Empty for an invited account that has not set a password yet.
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The account with this (normalised) email that may sign in: enabled,
/// and of an active organisation if it has one. A disabled account is
/// treated as unknown.
pub fn by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    use crate::db::schema::organisations;
    users::table
        .left_join(organisations::table)
        .filter(users::email.eq(email))
        .filter(users::disabled_at.is_null())
        .filter(organisations::deactivated_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(
    conn: &mut DbConnection,
    limit: i64,
    cursor: Option<&UserId>,
) -> QueryResult<Vec<UserRow>> {
    let mut q = users::table
        .select(UserRow::as_select())
        .order(users::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(users::id.lt(c.clone()));
    }
    q.load(conn)
}

pub fn insert_session(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &UserId,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The user a live token belongs to, if the account is enabled and its
/// organisation (if any) active.
pub fn session_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<UserRow>> {
    use crate::db::schema::organisations;
    sessions::table
        .inner_join(users::table.left_join(organisations::table))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::disabled_at.is_null())
        .filter(organisations::deactivated_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut DbConnection, id: &UserId) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Ends every session of a user.
pub fn delete_sessions_of(conn: &mut DbConnection, user_id: &UserId) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id.clone()))).execute(conn)
}

pub fn set_password_hash(conn: &mut DbConnection, user_id: &UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .map(|_| ())
}

/// Disables (or, with `None`, enables) an account.
pub fn set_disabled(
    conn: &mut DbConnection,
    user_id: &UserId,
    at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::disabled_at.eq(at))
        .execute(conn)
}

pub fn delete_session(conn: &mut DbConnection, token_hash: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .execute(conn)
        .map(|_| ())
}

/// Expired sessions are removed when their owner next logs in.
pub fn delete_expired_sessions(
    conn: &mut DbConnection,
    user_id: &UserId,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::expires_at.le(now)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Failures counted for a key since `since`, and the time of the last one.
pub fn recent_failures(
    conn: &mut DbConnection,
    email_hash: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<(i32, NaiveDateTime)>> {
    login_failures::table
        .filter(login_failures::email_hash.eq(email_hash))
        .filter(login_failures::last_failure_at.gt(since))
        .select((login_failures::failures, login_failures::last_failure_at))
        .first(conn)
        .optional()
}

/// Counts one failure; failures older than `since` start the count afresh.
pub fn record_failure(
    conn: &mut DbConnection,
    email_hash: &str,
    now: NaiveDateTime,
    since: NaiveDateTime,
) -> QueryResult<()> {
    use login_failures::dsl as f;
    for _ in 0..2 {
        let bumped = diesel::update(
            f::login_failures
                .filter(f::email_hash.eq(email_hash))
                .filter(f::last_failure_at.gt(since)),
        )
        .set((f::failures.eq(f::failures + 1), f::last_failure_at.eq(now)))
        .execute(conn)?;
        if bumped > 0 {
            return Ok(());
        }
        let restarted = diesel::update(f::login_failures.filter(f::email_hash.eq(email_hash)))
            .set((f::failures.eq(1), f::last_failure_at.eq(now)))
            .execute(conn)?;
        if restarted > 0 {
            return Ok(());
        }
        match diesel::insert_into(f::login_failures)
            .values((
                f::email_hash.eq(email_hash),
                f::failures.eq(1),
                f::last_failure_at.eq(now),
            ))
            .execute(conn)
        {
            Ok(_) => return Ok(()),
            // Another request inserted the row first: count on top of it.
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub fn clear_failures(conn: &mut DbConnection, email_hash: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email_hash.eq(email_hash)))
        .execute(conn)
        .map(|_| ())
}
