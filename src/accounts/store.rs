//! Accounts, sessions and login throttling counts, stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::UserRole;
use crate::db::schema::{login_throttle, sessions, users};
use crate::db::{is_unique_violation, DbConnection};
use crate::ids::{OrganisationId, UserId};
use crate::ops::role::StaffRoles;

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
    /// A staff account's roles; `None` for an organisation's user.
    pub staff_roles: Option<StaffRoles>,
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

/// Ends every session of a user: API tokens and signed-in browsers.
pub fn delete_sessions_of(conn: &mut DbConnection, user_id: &UserId) -> QueryResult<usize> {
    use crate::db::schema::web_sessions;
    let browsers =
        diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user_id.clone())))
            .execute(conn)?;
    Ok(browsers
        + diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id.clone())))
            .execute(conn)?)
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

/// What [`count_attempt`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted: the key's failures in the window, this attempt included.
    Counted { failures: i32 },
    /// Not counted: the key already had `max` failures in the window, the
    /// last at this time.
    Refused { last_failure_at: NaiveDateTime },
}

/// Counts one more attempt under `key` unless it already has `max` in the
/// window (failures after `since`; older ones start the count afresh), and
/// stamps it `now`. The count is one conditional update, so concurrent
/// attempts on PostgreSQL each see the others' committed counts and never
/// overshoot `max`; a first attempt inserts in a savepoint, and one that
/// loses that race to another counts on top of it.
pub fn count_attempt(
    conn: &mut DbConnection,
    key: &str,
    max: i32,
    now: NaiveDateTime,
    since: NaiveDateTime,
) -> QueryResult<Attempt> {
    use login_throttle::dsl as t;
    let mine = || t::login_throttle.filter(t::key_hash.eq(key));
    for _ in 0..3 {
        let bumped = diesel::update(
            mine()
                .filter(t::last_failure_at.gt(since))
                .filter(t::failures.lt(max)),
        )
        .set((t::failures.eq(t::failures + 1), t::last_failure_at.eq(now)))
        .execute(conn)?;
        if bumped == 1 {
            let failures = mine().select(t::failures).first(conn)?;
            return Ok(Attempt::Counted { failures });
        }
        let full = mine()
            .filter(t::last_failure_at.gt(since))
            .filter(t::failures.ge(max))
            .select(t::last_failure_at)
            .first(conn)
            .optional()?;
        if let Some(last_failure_at) = full {
            return Ok(Attempt::Refused { last_failure_at });
        }
        let restarted = diesel::update(mine().filter(t::last_failure_at.le(since)))
            .set((t::failures.eq(1), t::last_failure_at.eq(now)))
            .execute(conn)?;
        if restarted == 1 {
            return Ok(Attempt::Counted { failures: 1 });
        }
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(t::login_throttle)
                .values((
                    t::key_hash.eq(key),
                    t::failures.eq(1),
                    t::last_failure_at.eq(now),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_) => return Ok(Attempt::Counted { failures: 1 }),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::QueryBuilderError(
        "login throttle row kept changing under the count".into(),
    ))
}

/// Takes back one attempt counted under `key` (its password was right),
/// and forgets the key once nothing is left on it.
pub fn uncount_attempt(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    use login_throttle::dsl as t;
    diesel::update(t::login_throttle.filter(t::key_hash.eq(key)))
        .set(t::failures.eq(t::failures - 1))
        .execute(conn)?;
    diesel::delete(
        t::login_throttle
            .filter(t::key_hash.eq(key))
            .filter(t::failures.le(0)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Forgets `key` altogether.
pub fn forget(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    use login_throttle::dsl as t;
    diesel::delete(t::login_throttle.filter(t::key_hash.eq(key)))
        .execute(conn)
        .map(|_| ())
}

/// Deletes the counts whose window ended by `since`. Run it as a statement
/// of its own, outside a login's transaction. On PostgreSQL rows another
/// transaction holds are skipped (left for the next purge), so a purge
/// never waits for a login, and so never deadlocks with one.
pub fn purge_throttle(conn: &mut DbConnection, since: NaiveDateTime) -> QueryResult<()> {
    use login_throttle::dsl as t;
    match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "DELETE FROM login_throttle WHERE key_hash IN \
             (SELECT key_hash FROM login_throttle WHERE last_failure_at <= $1 \
              FOR UPDATE SKIP LOCKED)",
        )
        .bind::<diesel::sql_types::Timestamp, _>(since)
        .execute(pg),
        DbConnection::Sqlite(sqlite) => {
            diesel::delete(t::login_throttle.filter(t::last_failure_at.le(since))).execute(sqlite)
        }
    }
    .map(|_| ())
}

pub fn set_staff_roles(
    conn: &mut DbConnection,
    user_id: &UserId,
    roles: &StaffRoles,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::staff_roles.eq(roles))
        .execute(conn)
        .map(|_| ())
}
