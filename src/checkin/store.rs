//! Check-ins, the server's check-in secret, and the rows the desk and its
//! lists read.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{check_ins, delegates, organisations, registrations, server_secrets};
use crate::db::{is_unique_violation, DbConnection};
use crate::ids::{ConferenceId, DelegateId, UserId};
use crate::registrations::rules::DelegateStatus;

/// The name of the check-in MAC key in `server_secrets`.
const SECRET_NAME: &str = "check_in";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = check_ins)]
pub struct CheckInRow {
    pub delegate_id: DelegateId,
    pub conference_id: ConferenceId,
    pub checked_in_at: NaiveDateTime,
    pub checked_in_by: UserId,
}

/// The stored check-in secret, if one has been made.
pub fn secret(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    server_secrets::table
        .find(SECRET_NAME)
        .select(server_secrets::secret)
        .first(conn)
        .optional()
}

/// Stores `candidate` as the check-in secret unless one exists (another
/// instance may have stored its own first), and returns the one stored.
pub fn keep_secret(
    conn: &mut DbConnection,
    candidate: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    if let Some(existing) = secret(conn)? {
        return Ok(existing);
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(server_secrets::table)
            .values((
                server_secrets::name.eq(SECRET_NAME),
                server_secrets::secret.eq(candidate),
                server_secrets::created_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(candidate.to_owned()),
        Err(e) if is_unique_violation(&e) => secret(conn)?.ok_or(e),
        Err(e) => Err(e),
    }
}

/// Records an arrival; false when the place had already checked in. A
/// savepoint, so that losing a race leaves the caller's transaction usable
/// on PostgreSQL: of two at once, the primary key lets exactly one in.
pub fn insert(conn: &mut DbConnection, row: &CheckInRow) -> QueryResult<bool> {
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(check_ins::table)
            .values(row)
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn get(conn: &mut DbConnection, delegate_id: &DelegateId) -> QueryResult<Option<CheckInRow>> {
    check_ins::table
        .find(delegate_id)
        .select(CheckInRow::as_select())
        .first(conn)
        .optional()
}

/// A delegate as the desk sees them.
#[derive(Debug, Clone, Queryable)]
pub struct DeskRecord {
    pub delegate_id: DelegateId,
    pub conference_id: ConferenceId,
    pub name: String,
    pub status: DelegateStatus,
    pub substitutions: i32,
    pub dinner: bool,
    pub organisation: String,
    pub pass_kind: String,
}

type DeskColumns = (
    delegates::id,
    delegates::conference_id,
    delegates::name,
    delegates::status,
    delegates::substitutions,
    delegates::dinner,
    organisations::name,
    delegates::pass_kind,
);

const DESK_COLUMNS: DeskColumns = (
    delegates::id,
    delegates::conference_id,
    delegates::name,
    delegates::status,
    delegates::substitutions,
    delegates::dinner,
    organisations::name,
    delegates::pass_kind,
);

pub fn desk_record(
    conn: &mut DbConnection,
    delegate_id: &DelegateId,
) -> QueryResult<Option<DeskRecord>> {
    delegates::table
        .inner_join(registrations::table.inner_join(organisations::table))
        .filter(delegates::id.eq(delegate_id))
        .select(DESK_COLUMNS)
        .first(conn)
        .optional()
}

/// Every delegate (active or not) of the booking with this reference at
/// the conference, in booking order.
pub fn desk_records_of_booking(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    reference: &str,
) -> QueryResult<Vec<DeskRecord>> {
    delegates::table
        .inner_join(registrations::table.inner_join(organisations::table))
        .filter(registrations::conference_id.eq(conference_id))
        .filter(registrations::reference.eq(reference))
        .order(delegates::position.asc())
        .select(DESK_COLUMNS)
        .load(conn)
}

/// Each active delegate's substitution count, for those whose place has
/// changed hands (the rest are 0).
pub fn substitutions(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<HashMap<DelegateId, i32>> {
    use delegates::dsl as d;
    Ok(d::delegates
        .filter(d::conference_id.eq(conference_id))
        .filter(d::status.eq(DelegateStatus::Active))
        .filter(d::substitutions.gt(0))
        .select((d::id, d::substitutions))
        .load::<(DelegateId, i32)>(conn)?
        .into_iter()
        .collect())
}

/// One active delegate's line in the attendance list.
#[derive(Debug, Clone, Queryable)]
pub struct AttendanceRecord {
    pub name: String,
    pub organisation: String,
    pub dinner: bool,
    pub reference: String,
    pub checked_in_at: Option<NaiveDateTime>,
    pub pass_kind: String,
}

/// Every active delegate with their arrival time (if any), by organisation
/// then name.
pub fn attendance(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<AttendanceRecord>> {
    use delegates::dsl as d;
    d::delegates
        .inner_join(registrations::table.inner_join(organisations::table))
        .left_join(check_ins::table)
        .filter(d::conference_id.eq(conference_id))
        .filter(d::status.eq(DelegateStatus::Active))
        .order((organisations::name.asc(), d::name.asc(), d::id.asc()))
        .select((
            d::name,
            organisations::name,
            d::dinner,
            registrations::reference,
            check_ins::checked_in_at.nullable(),
            d::pass_kind,
        ))
        .load(conn)
}

/// Active delegates who have arrived.
pub fn arrivals(conn: &mut DbConnection, conference_id: &ConferenceId) -> QueryResult<i64> {
    check_ins::table
        .inner_join(delegates::table)
        .filter(check_ins::conference_id.eq(conference_id))
        .filter(delegates::status.eq(DelegateStatus::Active))
        .select(count_star())
        .first(conn)
}
