//! Registrations, their delegates and payments, stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::rules::{DelegateStatus, PaymentChannel, PaymentKind, PaymentMethod, PaymentStatus};
use crate::db::schema::{delegates, organisations, payments, registrations, users};
use crate::db::sql::{contains_pattern, lower, LIKE_ESCAPE};
use crate::db::DbConnection;
use crate::ids::{
    ConferenceId, DelegateId, OrganisationId, PaymentId, RegistrationId, RoomBlockId, UserId,
};

// `NULL`, not `DEFAULT`, for a `None`: the columns default to `NULL`
// anyway, and one fixed statement is kept in the statement cache, where
// a statement that varies with which fields are `None` is prepared anew on
// every insert.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = registrations, treat_none_as_default_value = false)]
pub struct RegistrationRow {
    pub id: RegistrationId,
    pub conference_id: ConferenceId,
    pub organisation_id: OrganisationId,
    pub reference: String,
    pub payment_method: PaymentMethod,
    pub tier_code: String,
    pub currency: String,
    pub total_minor: i64,
    pub amount_paid_minor: i64,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The privacy notice version the organisation accepted, if any.
    pub privacy_notice_version: Option<i32>,
}

/// Inserted with `NULL` for a `None`, as [`RegistrationRow`] is.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = delegates, treat_none_as_default_value = false)]
pub struct DelegateRow {
    pub id: DelegateId,
    pub registration_id: RegistrationId,
    pub conference_id: ConferenceId,
    pub position: i32,
    pub name: String,
    pub email: String,
    pub dinner: bool,
    pub dietary_requirements: String,
    pub access_requirements: String,
    pub pass_fee_minor: i64,
    pub dinner_fee_minor: i64,
    pub fee_minor: i64,
    pub status: DelegateStatus,
    pub cancelled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The member's region (CAC eligibility is judged by it).
    pub region: String,
    /// The email as one person's address compares ([`EmailAddress::normalised`]).
    ///
    /// [`EmailAddress::normalised`]: crate::values::EmailAddress::normalised
    pub email_key: String,
    /// Staff allowed this person a second place at the conference.
    pub duplicate_allowed: bool,
    /// The room block of a room booked with the place.
    pub room_block_id: Option<RoomBlockId>,
    /// The room's first night.
    pub room_arrival: Option<NaiveDate>,
    /// The morning the guest leaves.
    pub room_departure: Option<NaiveDate>,
    /// The room's price, fixed at receipt. Not in `fee_minor`, which stays
    /// the pass and dinner (a check of the schema); [`DelegateRow::charged_minor`]
    /// is both.
    pub room_fee_minor: i64,
    /// The pass kind's code, fixed at receipt.
    pub pass_kind: String,
    /// Whether the pass votes, fixed at receipt: a voting pass counts
    /// against the organisation's entitlement.
    pub votes: bool,
}

impl DelegateRow {
    /// What the place costs: pass, dinner and any hotel room.
    pub fn charged_minor(&self) -> i64 {
        self.fee_minor + self.room_fee_minor
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub registration_id: RegistrationId,
    pub amount_minor: i64,
    pub method: PaymentChannel,
    pub reference: String,
    pub recorded_by: UserId,
    pub created_at: NaiveDateTime,
    /// A payment received, or a refund (its amount positive too).
    pub kind: PaymentKind,
}

impl PaymentRow {
    /// What the row did to the amount paid: negative for a refund.
    pub fn signed_minor(&self) -> i64 {
        match self.kind {
            PaymentKind::Payment => self.amount_minor,
            PaymentKind::Refund => -self.amount_minor,
        }
    }
}

/// Narrows a boxed query that includes `registrations` to one payment
/// status: [`PaymentStatus::of`] as SQL, for every list that filters by it.
macro_rules! payment_status_filter {
    ($q:expr, $status:expr) => {{
        use $crate::db::schema::registrations::dsl as r;
        use $crate::registrations::rules::PaymentStatus;
        let q = $q;
        match $status {
            None => q,
            Some(PaymentStatus::Unpaid) => q
                .filter(r::amount_paid_minor.eq(0))
                .filter(r::total_minor.gt(0)),
            Some(PaymentStatus::PartPaid) => q
                .filter(r::amount_paid_minor.gt(0))
                .filter(r::amount_paid_minor.lt(r::total_minor)),
            Some(PaymentStatus::Paid) => q.filter(r::amount_paid_minor.eq(r::total_minor)),
            Some(PaymentStatus::RefundDue) => q.filter(r::amount_paid_minor.gt(r::total_minor)),
        }
    }};
}
pub(crate) use payment_status_filter;

/// A registration with its delegates in the order given.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registration {
    pub row: RegistrationRow,
    pub delegates: Vec<DelegateRow>,
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

fn delegates_of(conn: &mut DbConnection, ids: &[&RegistrationId]) -> QueryResult<Vec<DelegateRow>> {
    delegates::table
        .filter(delegates::registration_id.eq_any(ids))
        .order((delegates::registration_id, delegates::position))
        .select(DelegateRow::as_select())
        .load(conn)
}

pub fn get(conn: &mut DbConnection, id: &RegistrationId) -> QueryResult<Option<Registration>> {
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
    pub organisation_id: Option<OrganisationId>,
    pub payment_status: Option<PaymentStatus>,
    pub payment_method: Option<PaymentMethod>,
    /// A booking reference (exactly, any case), or text in a delegate's
    /// name or email (any case).
    pub search: Option<String>,
}

/// A page of a conference's registrations, newest first.
pub fn list(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&RegistrationId>,
) -> QueryResult<Vec<Registration>> {
    use registrations::dsl as r;
    let mut q = r::registrations
        .filter(r::conference_id.eq(conference_id.clone()))
        .select(RegistrationRow::as_select())
        .order(r::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(org) = &filter.organisation_id {
        q = q.filter(r::organisation_id.eq(org.clone()));
    }
    if let Some(c) = cursor {
        q = q.filter(r::id.lt(c.clone()));
    }
    q = payment_status_filter!(q, filter.payment_status);
    if let Some(method) = filter.payment_method {
        q = q.filter(r::payment_method.eq(method));
    }
    if let Some(text) = &filter.search {
        use delegates::dsl as d;
        let pattern = contains_pattern(text);
        let people = d::delegates
            .filter(d::conference_id.eq(conference_id.clone()))
            .filter(
                lower(d::name)
                    .like(pattern.clone())
                    .escape(LIKE_ESCAPE)
                    .or(lower(d::email).like(pattern).escape(LIKE_ESCAPE)),
            )
            .select(d::registration_id);
        q = q.filter(
            r::reference
                .eq(text.trim().to_uppercase())
                .or(r::id.eq_any(people)),
        );
    }
    let rows: Vec<RegistrationRow> = q.load(conn)?;
    let ids: Vec<&RegistrationId> = rows.iter().map(|r| &r.id).collect();
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

pub fn get_delegate(conn: &mut DbConnection, id: &DelegateId) -> QueryResult<Option<DelegateRow>> {
    delegates::table
        .find(id)
        .select(DelegateRow::as_select())
        .first(conn)
        .optional()
}

/// The person who now holds a place (same dinner choice and fee).
#[derive(Debug, Clone)]
pub struct Occupant<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub email_key: &'a str,
    pub dietary_requirements: &'a str,
    pub access_requirements: &'a str,
    pub region: &'a str,
    pub duplicate_allowed: bool,
}

/// Puts a new person in an active delegate's place (counted, so the badge
/// printed for the one before is refused at check-in); 0 when cancelled.
pub fn substitute(
    conn: &mut DbConnection,
    delegate_id: &DelegateId,
    who: &Occupant<'_>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use delegates::dsl as d;
    diesel::update(
        d::delegates
            .find(delegate_id)
            .filter(d::status.eq(DelegateStatus::Active)),
    )
    .set((
        d::name.eq(who.name),
        d::email.eq(who.email),
        d::email_key.eq(who.email_key),
        d::dietary_requirements.eq(who.dietary_requirements),
        d::access_requirements.eq(who.access_requirements),
        d::region.eq(who.region),
        d::duplicate_allowed.eq(who.duplicate_allowed),
        d::substitutions.eq(d::substitutions + 1),
        d::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Of the given email keys, those an active delegate of the conference
/// already holds (counting staff-allowed duplicates), with that
/// delegate's name, optionally leaving one delegate out.
pub fn people_present(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    email_keys: &[String],
    except: Option<&DelegateId>,
) -> QueryResult<Vec<(String, String)>> {
    use delegates::dsl as d;
    let mut q = d::delegates
        .filter(d::conference_id.eq(conference_id.clone()))
        .filter(d::status.eq(DelegateStatus::Active))
        .select((d::email_key, d::name))
        .into_boxed();
    // One person (the usual case, and every substitution) is asked with
    // `=`, a statement kept in the cache; SQLite's `IN (?, …)` varies with
    // the count and is prepared anew each time.
    q = match email_keys {
        [one] => q.filter(d::email_key.eq(one.clone())),
        many => q.filter(d::email_key.eq_any(many.to_vec())),
    };
    if let Some(id) = except {
        q = q.filter(d::id.ne(id.clone()));
    }
    q.load(conn)
}

/// Marks an active delegate cancelled; 0 when already cancelled.
pub fn cancel(
    conn: &mut DbConnection,
    delegate_id: &DelegateId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use delegates::dsl as d;
    diesel::update(
        d::delegates
            .find(delegate_id)
            .filter(d::status.eq(DelegateStatus::Active)),
    )
    .set((
        d::status.eq(DelegateStatus::Cancelled),
        d::cancelled_at.eq(Some(now)),
        d::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Adds a payment to a registration's amount paid if something is due and,
/// unless `over` is allowed, the payment does not exceed it: one
/// conditional update, so concurrent payments never pay more than is due.
/// False when refused.
pub fn take_payment(
    conn: &mut DbConnection,
    registration_id: &RegistrationId,
    amount_minor: i64,
    over: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use registrations::dsl as r;
    let due = r::total_minor - r::amount_paid_minor;
    let mut q = diesel::update(r::registrations)
        .filter(r::id.eq(registration_id.clone()))
        .filter(due.gt(0))
        .into_boxed();
    if !over {
        q = q.filter((r::total_minor - r::amount_paid_minor).ge(amount_minor));
    }
    q.set((
        r::amount_paid_minor.eq(r::amount_paid_minor + amount_minor),
        r::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Takes a refund off a registration's amount paid if it is in credit by
/// at least the refund: one conditional update, so concurrent refunds
/// never return more than was overpaid. False when refused.
pub fn take_refund(
    conn: &mut DbConnection,
    registration_id: &RegistrationId,
    amount_minor: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use registrations::dsl as r;
    diesel::update(r::registrations)
        .filter(r::id.eq(registration_id.clone()))
        .filter((r::amount_paid_minor - r::total_minor).ge(amount_minor))
        .set((
            r::amount_paid_minor.eq(r::amount_paid_minor - amount_minor),
            r::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Changes a registration's total and amount paid by the given amounts.
pub fn adjust_money(
    conn: &mut DbConnection,
    registration_id: &RegistrationId,
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

/// A registration's payments, oldest first.
pub fn payments_of(conn: &mut DbConnection, id: &RegistrationId) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .filter(payments::registration_id.eq(id.clone()))
        .select(PaymentRow::as_select())
        .order(payments::id.asc())
        .load(conn)
}

/// One payment or refund at a conference, with what reconciling it
/// against a bank statement needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub payment: PaymentRow,
    pub booking_reference: String,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub currency: String,
    /// The staff member who recorded it.
    pub recorded_by_name: String,
}

/// Which of a conference's payments and refunds a list shows.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    /// Recorded at or after this instant (UTC).
    pub from: Option<NaiveDateTime>,
    /// Recorded before this instant (UTC).
    pub before: Option<NaiveDateTime>,
    pub method: Option<PaymentChannel>,
}

/// The kind and amount of every payment and refund a filter selects.
pub fn ledger_amounts(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    filter: &LedgerFilter,
) -> QueryResult<Vec<(PaymentKind, i64)>> {
    use payments::dsl as p;
    let mut q = p::payments
        .inner_join(registrations::table)
        .filter(registrations::conference_id.eq(conference_id.clone()))
        .select((p::kind, p::amount_minor))
        .into_boxed();
    if let Some(from) = filter.from {
        q = q.filter(p::created_at.ge(from));
    }
    if let Some(before) = filter.before {
        q = q.filter(p::created_at.lt(before));
    }
    if let Some(method) = filter.method {
        q = q.filter(p::method.eq(method));
    }
    q.load(conn)
}

/// A page of a conference's payments and refunds, oldest first (the order
/// of a bank statement), after `cursor`; `limit + 1` rows, or every row
/// when `limit` is `None`.
pub fn ledger(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    filter: &LedgerFilter,
    limit: Option<i64>,
    cursor: Option<&PaymentId>,
) -> QueryResult<Vec<LedgerEntry>> {
    use payments::dsl as p;
    let mut q = p::payments
        .inner_join(registrations::table.inner_join(organisations::table))
        .inner_join(users::table.on(users::id.eq(p::recorded_by)))
        .filter(registrations::conference_id.eq(conference_id.clone()))
        .select((
            PaymentRow::as_select(),
            registrations::reference,
            organisations::id,
            organisations::name,
            registrations::currency,
            users::name,
        ))
        .order(p::id.asc())
        .into_boxed();
    if let Some(limit) = limit {
        q = q.limit(limit + 1);
    }
    if let Some(c) = cursor {
        q = q.filter(p::id.gt(c.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(p::created_at.ge(from));
    }
    if let Some(before) = filter.before {
        q = q.filter(p::created_at.lt(before));
    }
    if let Some(method) = filter.method {
        q = q.filter(p::method.eq(method));
    }
    let rows: Vec<(PaymentRow, String, OrganisationId, String, String, String)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(payment, booking_reference, organisation_id, organisation_name, currency, by)| {
                LedgerEntry {
                    payment,
                    booking_reference,
                    organisation_id,
                    organisation_name,
                    currency,
                    recorded_by_name: by,
                }
            },
        )
        .collect())
}

/// A page of one organisation's registrations across every conference,
/// newest first.
pub fn of_organisation(
    conn: &mut DbConnection,
    organisation_id: &OrganisationId,
    limit: i64,
    cursor: Option<&RegistrationId>,
) -> QueryResult<Vec<Registration>> {
    use registrations::dsl as r;
    let mut q = r::registrations
        .filter(r::organisation_id.eq(organisation_id.clone()))
        .select(RegistrationRow::as_select())
        .order(r::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(r::id.lt(c.clone()));
    }
    let rows: Vec<RegistrationRow> = q.load(conn)?;
    let ids: Vec<&RegistrationId> = rows.iter().map(|r| &r.id).collect();
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
