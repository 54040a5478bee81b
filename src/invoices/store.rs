//! Invoices and credit notes, stored, and the counters that number them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::rules::InvoiceKind;
use crate::db::schema::{invoice_counters, invoices};
use crate::db::{is_unique_violation, DbConnection};
use crate::ids::{ConferenceId, InvoiceId, OrganisationId, RegistrationId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = invoices)]
pub struct InvoiceRow {
    pub id: InvoiceId,
    pub conference_id: ConferenceId,
    pub registration_id: RegistrationId,
    pub organisation_id: OrganisationId,
    pub kind: InvoiceKind,
    pub number: i32,
    /// A credit note's invoice.
    pub credits_invoice_id: Option<InvoiceId>,
    pub currency: String,
    pub total_minor: i64,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    /// The printed document as JSON (`documents::InvoiceDocument`).
    pub document: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
}

/// The next number of `kind` at a conference, taken in the caller's
/// transaction: one `UPDATE … RETURNING` on the counter row, which holds
/// its row lock (PostgreSQL) or the write lock (SQLite) until the caller
/// commits, so concurrent issuers queue and a rolled-back one gives its
/// number back. The first number of a kind inserts the row.
pub fn next_number(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    kind: InvoiceKind,
) -> QueryResult<i32> {
    use invoice_counters::dsl as c;
    loop {
        let bumped: Option<i32> = diesel::update(
            c::invoice_counters
                .filter(c::conference_id.eq(conference_id))
                .filter(c::kind.eq(kind)),
        )
        .set(c::last_number.eq(c::last_number + 1))
        .returning(c::last_number)
        .get_result(conn)
        .optional()?;
        if let Some(n) = bumped {
            return Ok(n);
        }
        // A savepoint, so losing the race to insert the first row leaves
        // the transaction usable on PostgreSQL; then bump the winner's row.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(c::invoice_counters)
                .values((
                    c::conference_id.eq(conference_id),
                    c::kind.eq(kind),
                    c::last_number.eq(1),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_) => return Ok(1),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
}

pub fn insert(conn: &mut DbConnection, row: &InvoiceRow) -> QueryResult<()> {
    diesel::insert_into(invoices::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut DbConnection, id: &InvoiceId) -> QueryResult<Option<InvoiceRow>> {
    invoices::table
        .find(id)
        .select(InvoiceRow::as_select())
        .first(conn)
        .optional()
}

/// A registration's invoices and credit notes, newest first.
pub fn of_registration(
    conn: &mut DbConnection,
    registration_id: &RegistrationId,
) -> QueryResult<Vec<InvoiceRow>> {
    invoices::table
        .filter(invoices::registration_id.eq(registration_id))
        .select(InvoiceRow::as_select())
        .order(invoices::id.desc())
        .load(conn)
}
