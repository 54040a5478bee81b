//! `Idempotency-Key`: an operation repeated with a key the same account
//! used in the last 24 hours gets the first result again and changes
//! nothing. The key is claimed in a transaction of its own, then the
//! operation's result is stored in the operation's transaction, so the two
//! commit together; a refused operation releases the key.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::{is_unique_violation, DbConnection};
use crate::ids::UserId;

pub const HEADER: &str = "Idempotency-Key";
/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;
/// A key still marked in flight after this long belongs to a request that
/// died before finishing (nothing it did was committed), so it is freed.
pub const ABANDONED_AFTER_SECS: i64 = 60;

/// `status_code` of a completed record (a stored result; `NULL` while in
/// flight).
const COMPLETED: i32 = 200;

/// A client's key: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            Ok(Self(s.to_owned()))
        } else {
            Err("must be 1-255 visible ASCII characters")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct KeyRow {
    pub request_hash: String,
    pub status_code: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Claims a key for a request; `Some(existing)` when it was already taken.
/// Records older than `stale_before` (expired, or abandoned in flight) are
/// replaced.
pub fn claim(
    conn: &mut DbConnection,
    user_id: &UserId,
    key: &str,
    request_hash: &str,
    now: NaiveDateTime,
    expired_before: NaiveDateTime,
    abandoned_before: NaiveDateTime,
) -> QueryResult<Option<KeyRow>> {
    use idempotency_keys::dsl as k;
    let mine = k::idempotency_keys
        .filter(k::user_id.eq(user_id))
        .filter(k::idempotency_key.eq(key));
    diesel::delete(
        mine.filter(
            k::created_at.lt(expired_before).or(k::status_code
                .is_null()
                .and(k::created_at.lt(abandoned_before))),
        ),
    )
    .execute(conn)?;
    // A savepoint, so a conflicting insert leaves the outer transaction
    // usable on PostgreSQL.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(k::idempotency_keys)
            .values((
                k::user_id.eq(user_id),
                k::idempotency_key.eq(key),
                k::request_hash.eq(request_hash),
                k::created_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(None),
        Err(e) if is_unique_violation(&e) => {
            mine.select(KeyRow::as_select()).first(conn).optional()
        }
        Err(e) => Err(e),
    }
}

pub fn complete(
    conn: &mut DbConnection,
    user_id: &UserId,
    key: &str,
    result: &str,
) -> QueryResult<()> {
    use idempotency_keys::dsl as k;
    diesel::update(
        k::idempotency_keys
            .filter(k::user_id.eq(user_id))
            .filter(k::idempotency_key.eq(key)),
    )
    .set((
        k::status_code.eq(Some(COMPLETED)),
        k::response_body.eq(Some(result)),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Frees a key whose request was refused, so a retry runs afresh.
pub fn release(conn: &mut DbConnection, user_id: &UserId, key: &str) -> QueryResult<()> {
    use idempotency_keys::dsl as k;
    diesel::delete(
        k::idempotency_keys
            .filter(k::user_id.eq(user_id))
            .filter(k::idempotency_key.eq(key))
            .filter(k::status_code.is_null()),
    )
    .execute(conn)
    .map(|_| ())
}
