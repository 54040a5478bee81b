//! Entitlements and their counters, stored: one row per (conference,
//! organisation) with the organisation's own figure (`passes`, or none)
//! and the voting passes it holds (`used`), beside the conference's
//! default (`conferences.entitlement_default`).
//!
//! A registration takes its voting passes with [`take`], in its own
//! transaction after `registrations::capacity::reserve`, which holds the
//! conference's row lock (PostgreSQL) or the database write lock (SQLite)
//! until commit; setting entitlements takes the same lock first. So the
//! entitlement read just before the conditional update is the one in
//! force, and concurrent registrations for one conference take their
//! passes one after another, each against the counter as the last left it.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::schema::{conferences, entitlements, organisations};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, OrganisationId};

/// One organisation's row: its own figure and the voting passes it holds.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = entitlements)]
pub struct EntitlementRow {
    pub conference_id: ConferenceId,
    pub organisation_id: OrganisationId,
    pub passes: Option<i32>,
    pub used: i32,
}

/// The conference's default entitlement.
pub fn default_of(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Option<i32>> {
    conferences::table
        .find(conference_id)
        .select(conferences::entitlement_default)
        .first(conn)
}

pub fn get(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
) -> QueryResult<Option<EntitlementRow>> {
    entitlements::table
        .find((conference_id, organisation_id))
        .select(EntitlementRow::as_select())
        .first(conn)
        .optional()
}

/// Every organisation with a row at the conference (its own figure, or
/// passes held), with its name, by name.
pub fn list(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<(EntitlementRow, String)>> {
    entitlements::table
        .inner_join(organisations::table)
        .filter(entitlements::conference_id.eq(conference_id))
        .order((organisations::name.asc(), organisations::id.asc()))
        .select((EntitlementRow::as_select(), organisations::name))
        .load(conn)
}

/// The row, made (no figure of its own, nothing held) if missing. A
/// savepoint, so losing a race to insert leaves the transaction usable on
/// PostgreSQL.
fn ensure(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
) -> QueryResult<()> {
    if get(conn, conference_id, organisation_id)?.is_some() {
        return Ok(());
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(entitlements::table)
            .values(EntitlementRow {
                conference_id: conference_id.clone(),
                organisation_id: organisation_id.clone(),
                passes: None,
                used: 0,
            })
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if crate::db::is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Adds `asked` voting passes to the organisation's counter if they fit
/// under `limit` (`None`: no limit, as for a staff override) as the
/// counter stands at that instant; false when they do not.
pub fn take(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
    asked: u32,
    limit: Option<u32>,
) -> QueryResult<bool> {
    use entitlements::dsl as e;
    ensure(conn, conference_id, organisation_id)?;
    let asked = asked as i32;
    let row = e::entitlements
        .filter(e::conference_id.eq(conference_id))
        .filter(e::organisation_id.eq(organisation_id));
    let n = match limit {
        Some(limit) => diesel::update(row.filter((e::used + asked).le(limit as i32)))
            .set(e::used.eq(e::used + asked))
            .execute(conn)?,
        None => diesel::update(row)
            .set(e::used.eq(e::used + asked))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Gives back one voting pass (a cancellation).
pub fn release(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
) -> QueryResult<()> {
    use entitlements::dsl as e;
    diesel::update(
        e::entitlements
            .filter(e::conference_id.eq(conference_id))
            .filter(e::organisation_id.eq(organisation_id))
            .filter(e::used.gt(0)),
    )
    .set(e::used.eq(e::used - 1))
    .execute(conn)
    .map(|_| ())
}

/// Replaces the conference's entitlements: the default, and each named
/// organisation's own figure (every other organisation's is removed; the
/// passes held are kept). Run under the conference's write lock.
pub fn set(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    default: Option<u32>,
    organisations: &BTreeMap<OrganisationId, u32>,
) -> QueryResult<()> {
    use entitlements::dsl as e;
    diesel::update(conferences::table.find(conference_id))
        .set(conferences::entitlement_default.eq(default.map(|n| n as i32)))
        .execute(conn)?;
    diesel::update(e::entitlements.filter(e::conference_id.eq(conference_id)))
        .set(e::passes.eq(None::<i32>))
        .execute(conn)?;
    for (organisation_id, n) in organisations {
        ensure(conn, conference_id, organisation_id)?;
        diesel::update(e::entitlements.find((conference_id, organisation_id)))
            .set(e::passes.eq(Some(*n as i32)))
            .execute(conn)?;
    }
    Ok(())
}
