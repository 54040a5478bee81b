//! Stored responses for `Idempotency-Key` retries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{is_unique_violation, DbConnection};

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
    user_id: &str,
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
    user_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> QueryResult<()> {
    use idempotency_keys::dsl as k;
    diesel::update(
        k::idempotency_keys
            .filter(k::user_id.eq(user_id))
            .filter(k::idempotency_key.eq(key)),
    )
    .set((
        k::status_code.eq(Some(i32::from(status))),
        k::response_body.eq(Some(body)),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Frees a key whose request was refused, so a retry runs afresh.
pub fn release(conn: &mut DbConnection, user_id: &str, key: &str) -> QueryResult<()> {
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
