//! Delegate lists streamed from one query, and the per-conference summary.

use chrono::NaiveDateTime;
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::count;
use diesel::pg::{Pg, PgRowByRowLoadingMode};
use diesel::prelude::*;
use diesel::sqlite::Sqlite;

use super::rules::ExportRow;
use crate::db::schema::{delegates, organisations, registrations};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, DelegateId, OrganisationId};
use crate::organisations::OrganisationKind;
use crate::registrations::rules::{DelegateStatus, PaymentStatus};
use crate::registrations::store::payment_status_filter;
use crate::values::money::Money;

/// Which delegates an export lists.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub organisation_id: Option<OrganisationId>,
    pub region: Option<String>,
    pub dinner: Option<bool>,
    pub payment_status: Option<PaymentStatus>,
    pub include_cancelled: bool,
}

/// A delegate with its registration and organisation, as exported.
#[derive(Debug, Clone, Queryable)]
pub struct ExportRecord {
    pub delegate_id: DelegateId,
    pub name: String,
    pub email: String,
    pub dinner: bool,
    pub dietary_requirements: String,
    pub access_requirements: String,
    pub fee_minor: i64,
    pub status: DelegateStatus,
    pub organisation: String,
    pub organisation_kind: OrganisationKind,
    pub region: String,
    pub tier_code: String,
    pub currency: String,
    pub total_minor: i64,
    pub amount_paid_minor: i64,
    pub reference: String,
    pub registered_at: NaiveDateTime,
    pub pass_kind: String,
}

impl From<ExportRecord> for ExportRow {
    fn from(r: ExportRecord) -> Self {
        ExportRow {
            payment_status: PaymentStatus::of(
                Money::from_minor(r.total_minor),
                Money::from_minor(r.amount_paid_minor),
            ),
            delegate_id: r.delegate_id.to_string(),
            name: r.name,
            email: r.email,
            organisation: r.organisation,
            organisation_kind: r.organisation_kind,
            region: r.region,
            dinner: r.dinner,
            dietary_requirements: r.dietary_requirements,
            access_requirements: r.access_requirements,
            tier: r.tier_code,
            fee: Money::from_minor(r.fee_minor),
            currency: r.currency,
            reference: r.reference,
            registered_at: r.registered_at.and_utc(),
            status: r.status,
            pass_kind: r.pass_kind,
        }
    }
}

/// The export query boxed for one backend: every delegate `$filter`
/// selects in `$conference_id`, ordered by organisation name, delegate name
/// and delegate id. A macro because each backend streams with its own
/// loading mode, which needs the query built for that backend rather than
/// for the multi-connection.
macro_rules! export_query {
    ($backend:ty, $conference_id:expr, $filter:expr) => {{
        use delegates::dsl as d;
        use organisations::dsl as o;
        use registrations::dsl as r;
        let filter: &ExportFilter = $filter;
        let mut q = d::delegates
            .inner_join(r::registrations.inner_join(o::organisations))
            .filter(d::conference_id.eq($conference_id.clone()))
            .select((
                d::id,
                d::name,
                d::email,
                d::dinner,
                d::dietary_requirements,
                d::access_requirements,
                d::fee_minor + d::room_fee_minor,
                d::status,
                o::name,
                o::kind,
                o::region,
                r::tier_code,
                r::currency,
                r::total_minor,
                r::amount_paid_minor,
                r::reference,
                r::created_at,
                d::pass_kind,
            ))
            .order((o::name.asc(), d::name.asc(), d::id.asc()))
            .into_boxed::<$backend>();
        if !filter.include_cancelled {
            q = q.filter(d::status.eq(DelegateStatus::Active));
        }
        if let Some(org) = &filter.organisation_id {
            q = q.filter(r::organisation_id.eq(org.clone()));
        }
        if let Some(region) = &filter.region {
            q = q.filter(o::region.eq(region.clone()));
        }
        if let Some(dinner) = filter.dinner {
            q = q.filter(d::dinner.eq(dinner));
        }
        payment_status_filter!(q, filter.payment_status)
    }};
}

/// Rows of an export as the database produces them.
pub type Records<'c> = Box<dyn Iterator<Item = QueryResult<ExportRecord>> + 'c>;

/// Every delegate `filter` selects, ordered by organisation name, delegate
/// name and delegate id, from one query read as it runs: SQLite steps its
/// statement, PostgreSQL sends rows in libpq's row-by-row mode, so memory
/// stays flat however long the list. The connection is busy until the
/// iterator is dropped.
pub fn records<'c>(
    conn: &'c mut DbConnection,
    conference_id: &ConferenceId,
    filter: &ExportFilter,
) -> QueryResult<Records<'c>> {
    Ok(match conn {
        DbConnection::Sqlite(c) => Box::new(
            export_query!(Sqlite, conference_id, filter)
                .load_iter::<ExportRecord, DefaultLoadingMode>(c)?,
        ),
        DbConnection::Postgres(c) => Box::new(
            export_query!(Pg, conference_id, filter)
                .load_iter::<ExportRecord, PgRowByRowLoadingMode>(c)?,
        ),
    })
}

/// Active delegates per organisation: (id, name, region, count), by name.
pub fn delegates_by_organisation(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<(OrganisationId, String, String, i64)>> {
    use delegates::dsl as d;
    use organisations::dsl as o;
    d::delegates
        .inner_join(registrations::table.inner_join(o::organisations))
        .filter(d::conference_id.eq(conference_id))
        .filter(d::status.eq(DelegateStatus::Active))
        .group_by((o::id, o::name, o::region))
        .select((o::id, o::name, o::region, count(d::id)))
        .order((o::name.asc(), o::id.asc()))
        .load(conn)
}

/// Active delegates per region, by region.
pub fn delegates_by_region(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<(String, i64)>> {
    use delegates::dsl as d;
    use organisations::dsl as o;
    d::delegates
        .inner_join(registrations::table.inner_join(o::organisations))
        .filter(d::conference_id.eq(conference_id))
        .filter(d::status.eq(DelegateStatus::Active))
        .group_by(o::region)
        .select((o::region, count(d::id)))
        .order(o::region.asc())
        .load(conn)
}

/// Active people per pass kind code.
pub fn delegates_by_pass_kind(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<(String, i64)>> {
    use delegates::dsl as d;
    d::delegates
        .filter(d::conference_id.eq(conference_id))
        .filter(d::status.eq(DelegateStatus::Active))
        .group_by(d::pass_kind)
        .select((d::pass_kind, count(d::id)))
        .order(d::pass_kind.asc())
        .load(conn)
}

/// Active delegates per price tier code.
pub fn delegates_by_tier(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<(String, i64)>> {
    use delegates::dsl as d;
    use registrations::dsl as r;
    d::delegates
        .inner_join(r::registrations)
        .filter(d::conference_id.eq(conference_id))
        .filter(d::status.eq(DelegateStatus::Active))
        .group_by(r::tier_code)
        .select((r::tier_code, count(d::id)))
        .order(r::tier_code.asc())
        .load(conn)
}

/// Active delegates per dietary-requirement text (as typed), and per
/// dinner choice.
pub fn delegates_by_dietary_and_dinner(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<(String, bool, i64)>> {
    use delegates::dsl as d;
    d::delegates
        .filter(d::conference_id.eq(conference_id))
        .filter(d::status.eq(DelegateStatus::Active))
        .group_by((d::dietary_requirements, d::dinner))
        .select((d::dietary_requirements, d::dinner, count(d::id)))
        .load(conn)
}

/// Each registration's (currency, total, amount paid), streamed to `each`.
pub fn for_each_balance(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    mut each: impl FnMut(String, i64, i64),
) -> QueryResult<()> {
    use registrations::dsl as r;
    let rows = r::registrations
        .filter(r::conference_id.eq(conference_id))
        .select((r::currency, r::total_minor, r::amount_paid_minor))
        .load_iter::<(String, i64, i64), DefaultLoadingMode>(conn)?;
    for row in rows {
        let (currency, total, paid) = row?;
        each(currency, total, paid);
    }
    Ok(())
}
