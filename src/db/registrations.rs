//! Registrations, their delegates and payments.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{conferences, delegates, payments, registrations};
use super::DbConnection;
use crate::domain::registration::PaymentStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registrations)]
pub struct RegistrationRow {
    pub id: String,
    pub conference_id: String,
    pub organisation_id: String,
    pub reference: String,
    pub payment_method: String,
    pub tier_code: String,
    pub currency: String,
    pub total_minor: i64,
    pub amount_paid_minor: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = delegates)]
pub struct DelegateRow {
    pub id: String,
    pub registration_id: String,
    pub conference_id: String,
    pub position: i32,
    pub name: String,
    pub email: String,
    pub dinner: bool,
    pub dietary_requirements: String,
    pub access_requirements: String,
    pub pass_fee_minor: i64,
    pub dinner_fee_minor: i64,
    pub fee_minor: i64,
    pub status: String,
    pub cancelled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub id: String,
    pub registration_id: String,
    pub amount_minor: i64,
    pub method: String,
    pub reference: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

/// A registration with its delegates in the order given.
#[derive(Debug, Clone)]
pub struct Registration {
    pub row: RegistrationRow,
    pub delegates: Vec<DelegateRow>,
}

/// Places and dinner seats sold for a conference.
pub fn taken(conn: &mut DbConnection, conference_id: &str) -> QueryResult<(i32, i32)> {
    conferences::table
        .find(conference_id)
        .select((conferences::places_taken, conferences::dinners_taken))
        .first(conn)
}

/// Adds (or, with negative numbers, returns) places and dinner seats.
pub fn add_taken(
    conn: &mut DbConnection,
    conference_id: &str,
    places: i32,
    dinners: i32,
) -> QueryResult<()> {
    use conferences::dsl as c;
    diesel::update(c::conferences.find(conference_id))
        .set((
            c::places_taken.eq(c::places_taken + places),
            c::dinners_taken.eq(c::dinners_taken + dinners),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes places and dinner seats if the caps (as they stand at this
/// instant) allow, in one conditional update of the conference's counters;
/// false if they do not. Run it last in the registration's transaction:
/// the row lock it takes (PostgreSQL) is then held only while committing,
/// and a writer waiting for it re-checks the caps against the committed
/// counters, so no interleaving can oversell.
pub fn reserve(
    conn: &mut DbConnection,
    conference_id: &str,
    places: i32,
    dinners: i32,
) -> QueryResult<bool> {
    use conferences::dsl as c;
    let n = diesel::update(
        c::conferences
            .filter(c::id.eq(conference_id))
            .filter(
                c::capacity
                    .is_null()
                    .or((c::places_taken + places).le(c::capacity.assume_not_null())),
            )
            .filter(
                c::dinner_capacity
                    .is_null()
                    .or((c::dinners_taken + dinners).le(c::dinner_capacity.assume_not_null())),
            ),
    )
    .set((
        c::places_taken.eq(c::places_taken + places),
        c::dinners_taken.eq(c::dinners_taken + dinners),
        c::lock_version.eq(c::lock_version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn reference_exists(conn: &mut DbConnection, reference: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        registrations::table.filter(registrations::reference.eq(reference)),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut DbConnection, r: &RegistrationRow, ds: &[DelegateRow]) -> QueryResult<()> {
    diesel::insert_into(registrations::table)
        .values(r)
        .execute(conn)?;
    for d in ds {
        diesel::insert_into(delegates::table)
            .values(d)
            .execute(conn)?;
    }
    Ok(())
}

fn delegates_of(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<DelegateRow>> {
    delegates::table
        .filter(delegates::registration_id.eq_any(ids))
        .order((delegates::registration_id, delegates::position))
        .select(DelegateRow::as_select())
        .load(conn)
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Registration>> {
    let Some(row) = registrations::table
        .find(id)
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let delegates = delegates_of(conn, &[id])?;
    Ok(Some(Registration { row, delegates }))
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub organisation_id: Option<String>,
    pub payment_status: Option<PaymentStatus>,
}

/// A page of a conference's registrations, newest first.
pub fn list(
    conn: &mut DbConnection,
    conference_id: &str,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&str>,
) -> QueryResult<Vec<Registration>> {
    use registrations::dsl as r;
    let mut q = r::registrations
        .filter(r::conference_id.eq(conference_id.to_owned()))
        .select(RegistrationRow::as_select())
        .order(r::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(org) = &filter.organisation_id {
        q = q.filter(r::organisation_id.eq(org.clone()));
    }
    if let Some(c) = cursor {
        q = q.filter(r::id.lt(c.to_owned()));
    }
    q = match filter.payment_status {
        None => q,
        Some(PaymentStatus::Unpaid) => q
            .filter(r::amount_paid_minor.eq(0))
            .filter(r::total_minor.gt(0)),
        Some(PaymentStatus::PartPaid) => q
            .filter(r::amount_paid_minor.gt(0))
            .filter(r::amount_paid_minor.lt(r::total_minor)),
        Some(PaymentStatus::Paid) => q.filter(r::amount_paid_minor.eq(r::total_minor)),
        Some(PaymentStatus::RefundDue) => q.filter(r::amount_paid_minor.gt(r::total_minor)),
    };
    let rows: Vec<RegistrationRow> = q.load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut all = delegates_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine: Vec<DelegateRow>;
            (mine, all) = all.drain(..).partition(|d| d.registration_id == row.id);
            Registration {
                row,
                delegates: mine,
            }
        })
        .collect())
}

pub fn get_delegate(conn: &mut DbConnection, id: &str) -> QueryResult<Option<DelegateRow>> {
    delegates::table
        .find(id)
        .select(DelegateRow::as_select())
        .first(conn)
        .optional()
}

/// A new person in an existing place (same dinner choice and fee).
pub fn substitute(
    conn: &mut DbConnection,
    delegate_id: &str,
    name: &str,
    email: &str,
    dietary: &str,
    access: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use delegates::dsl as d;
    diesel::update(
        d::delegates
            .find(delegate_id)
            .filter(d::status.eq("active")),
    )
    .set((
        d::name.eq(name),
        d::email.eq(email),
        d::dietary_requirements.eq(dietary),
        d::access_requirements.eq(access),
        d::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Marks an active delegate cancelled; 0 when already cancelled.
pub fn cancel(
    conn: &mut DbConnection,
    delegate_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use delegates::dsl as d;
    diesel::update(
        d::delegates
            .find(delegate_id)
            .filter(d::status.eq("active")),
    )
    .set((
        d::status.eq("cancelled"),
        d::cancelled_at.eq(Some(now)),
        d::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Changes a registration's total and amount paid by the given amounts.
pub fn adjust_money(
    conn: &mut DbConnection,
    registration_id: &str,
    total_delta: i64,
    paid_delta: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    use registrations::dsl as r;
    diesel::update(r::registrations.find(registration_id))
        .set((
            r::total_minor.eq(r::total_minor + total_delta),
            r::amount_paid_minor.eq(r::amount_paid_minor + paid_delta),
            r::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_payment(conn: &mut DbConnection, p: &PaymentRow) -> QueryResult<()> {
    diesel::insert_into(payments::table)
        .values(p)
        .execute(conn)
        .map(|_| ())
}
