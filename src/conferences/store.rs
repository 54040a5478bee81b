//! Conferences and their price tiers, stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::pricing::{PassKind, PriceTable, PriceTier};
use super::spec::{ConferenceSpec, Deadlines};
use crate::db::schema::{conferences, pass_fees, pass_kinds, price_tiers};
use crate::db::DbConnection;
use crate::ids::ConferenceId;
use crate::values::money::Money;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = conferences)]
#[diesel(treat_none_as_null = true)]
pub struct ConferenceRow {
    pub id: ConferenceId,
    pub slug: String,
    pub name: String,
    pub venue: String,
    pub timezone: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub currency: String,
    pub registration_opens: Option<chrono::NaiveDate>,
    pub registration_deadline: Option<chrono::NaiveDate>,
    pub motions_deadline: Option<chrono::NaiveDate>,
    pub amendments_deadline: Option<chrono::NaiveDate>,
    pub policy_submissions_deadline: Option<chrono::NaiveDate>,
    pub cac_nominations_deadline: Option<chrono::NaiveDate>,
    pub award_nominations_deadline: Option<chrono::NaiveDate>,
    pub capacity: Option<i32>,
    pub dinner_capacity: Option<i32>,
    pub motion_word_limit: Option<i32>,
    pub amendment_word_limit: Option<i32>,
    pub policy_word_limit: Option<i32>,
    pub cac_vacancies: Option<i32>,
    pub cac_excluded_regions: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = price_tiers)]
pub struct PriceTierRow {
    pub conference_id: ConferenceId,
    pub position: i32,
    pub code: String,
    pub name: String,
    pub until: Option<chrono::NaiveDate>,
    pub dinner_fee_minor: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pass_kinds)]
pub struct PassKindRow {
    pub conference_id: ConferenceId,
    pub position: i32,
    pub code: String,
    pub name: String,
    pub votes: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pass_fees)]
pub struct PassFeeRow {
    pub conference_id: ConferenceId,
    pub tier_position: i32,
    pub pass_kind: String,
    pub fee_minor: i64,
}

/// A conference's price table as rows: its pass kinds, tiers and fees.
#[derive(Debug, Clone, Default)]
struct PriceRows {
    kinds: Vec<PassKindRow>,
    tiers: Vec<PriceTierRow>,
    fees: Vec<PassFeeRow>,
}

impl PriceRows {
    /// The rows of one conference, taken out of rows loaded for several.
    fn take(&mut self, id: &ConferenceId) -> PriceRows {
        let mut mine = PriceRows::default();
        (mine.kinds, self.kinds) = self.kinds.drain(..).partition(|r| &r.conference_id == id);
        (mine.tiers, self.tiers) = self.tiers.drain(..).partition(|r| &r.conference_id == id);
        (mine.fees, self.fees) = self.fees.drain(..).partition(|r| &r.conference_id == id);
        mine
    }
}

/// A stored conference with its rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conference {
    pub id: ConferenceId,
    pub spec: ConferenceSpec,
    /// Places and dinner seats sold, as the counters stood when read.
    pub taken: Taken,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Places and dinner seats sold (see `registrations::capacity`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    pub places: u32,
    pub dinners: u32,
}

impl Taken {
    fn from_row(places: i32, dinners: i32) -> Self {
        Self {
            places: u32::try_from(places).unwrap_or(0),
            dinners: u32::try_from(dinners).unwrap_or(0),
        }
    }
}

fn to_i32(v: Option<u32>) -> Option<i32> {
    v.map(|v| i32::try_from(v).unwrap_or(i32::MAX))
}

fn from_i32(v: Option<i32>) -> Option<u32> {
    v.map(|v| u32::try_from(v).unwrap_or(0))
}

fn rows(
    id: &ConferenceId,
    spec: &ConferenceSpec,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> (ConferenceRow, PriceRows) {
    let [registration, motions, amendments, policy, cac, award] = spec.deadlines.dates();
    let row = ConferenceRow {
        id: id.clone(),
        slug: spec.slug.clone(),
        name: spec.name.clone(),
        venue: spec.venue.clone(),
        timezone: spec.timezone.name().to_owned(),
        starts_on: spec.starts_on,
        ends_on: spec.ends_on,
        currency: spec.currency.clone(),
        registration_opens: spec.registration_opens,
        registration_deadline: registration,
        motions_deadline: motions,
        amendments_deadline: amendments,
        policy_submissions_deadline: policy,
        cac_nominations_deadline: cac,
        award_nominations_deadline: award,
        capacity: to_i32(spec.capacity),
        dinner_capacity: to_i32(spec.dinner_capacity),
        motion_word_limit: to_i32(spec.motion_word_limit),
        amendment_word_limit: to_i32(spec.amendment_word_limit),
        policy_word_limit: to_i32(spec.policy_word_limit),
        cac_vacancies: to_i32(spec.cac_vacancies),
        cac_excluded_regions: serde_json::to_string(&spec.cac_excluded_regions)
            .expect("a list of strings serialises"),
        created_at,
        updated_at,
    };
    let prices = &spec.prices;
    let kinds = prices
        .kinds()
        .iter()
        .enumerate()
        .map(|(i, k)| PassKindRow {
            conference_id: id.clone(),
            position: i as i32,
            code: k.code.clone(),
            name: k.name.clone(),
            votes: k.votes,
        })
        .collect();
    let tiers = prices
        .tiers()
        .iter()
        .enumerate()
        .map(|(i, t)| PriceTierRow {
            conference_id: id.clone(),
            position: i as i32,
            code: t.code.clone(),
            name: t.name.clone(),
            until: t.until,
            dinner_fee_minor: t.dinner_fee.minor(),
        })
        .collect();
    let fees = prices
        .tiers()
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            t.pass_fees.iter().map(move |(kind, fee)| PassFeeRow {
                conference_id: id.clone(),
                tier_position: i as i32,
                pass_kind: kind.clone(),
                fee_minor: fee.minor(),
            })
        })
        .collect();
    (row, PriceRows { kinds, tiers, fees })
}

fn assemble(row: ConferenceRow, prices: PriceRows, taken: Taken) -> QueryResult<Conference> {
    let corrupt = |what: &str| {
        diesel::result::Error::DeserializationError(
            format!("conference {} has an invalid {what}", row.id).into(),
        )
    };
    let PriceRows { kinds, tiers, fees } = prices;
    let prices = PriceTable::new(
        kinds
            .into_iter()
            .map(|k| PassKind {
                code: k.code,
                name: k.name,
                votes: k.votes,
            })
            .collect(),
        tiers
            .into_iter()
            .map(|t| PriceTier {
                pass_fees: fees
                    .iter()
                    .filter(|f| f.tier_position == t.position)
                    .map(|f| (f.pass_kind.clone(), Money::from_minor(f.fee_minor)))
                    .collect(),
                code: t.code,
                name: t.name,
                until: t.until,
                dinner_fee: Money::from_minor(t.dinner_fee_minor),
            })
            .collect(),
    )
    .map_err(|_| corrupt("price table"))?;
    let spec = ConferenceSpec {
        slug: row.slug.clone(),
        name: row.name.clone(),
        venue: row.venue.clone(),
        timezone: row.timezone.parse().map_err(|_| corrupt("time zone"))?,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        currency: row.currency.clone(),
        registration_opens: row.registration_opens,
        deadlines: Deadlines::new([
            row.registration_deadline,
            row.motions_deadline,
            row.amendments_deadline,
            row.policy_submissions_deadline,
            row.cac_nominations_deadline,
            row.award_nominations_deadline,
        ]),
        prices,
        capacity: from_i32(row.capacity),
        dinner_capacity: from_i32(row.dinner_capacity),
        motion_word_limit: from_i32(row.motion_word_limit),
        amendment_word_limit: from_i32(row.amendment_word_limit),
        policy_word_limit: from_i32(row.policy_word_limit),
        cac_vacancies: from_i32(row.cac_vacancies),
        cac_excluded_regions: serde_json::from_str(&row.cac_excluded_regions)
            .map_err(|_| corrupt("excluded region list"))?,
    };
    Ok(Conference {
        id: row.id,
        spec,
        taken,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// One row at a time: diesel's `MultiBackend` has no batch insert.
fn insert_prices(conn: &mut DbConnection, prices: &PriceRows) -> QueryResult<()> {
    for kind in &prices.kinds {
        diesel::insert_into(pass_kinds::table)
            .values(kind)
            .execute(conn)?;
    }
    for tier in &prices.tiers {
        diesel::insert_into(price_tiers::table)
            .values(tier)
            .execute(conn)?;
    }
    for fee in &prices.fees {
        diesel::insert_into(pass_fees::table)
            .values(fee)
            .execute(conn)?;
    }
    Ok(())
}

/// A conference's price table, in order.
/// One conference's price tables, by `=`: statements kept in the cache
/// (a list's `IN (?, …)` is prepared anew each time on SQLite), since
/// every quote and registration asks.
fn prices_of(conn: &mut DbConnection, id: &ConferenceId) -> QueryResult<PriceRows> {
    Ok(PriceRows {
        kinds: pass_kinds::table
            .filter(pass_kinds::conference_id.eq(id))
            .order(pass_kinds::position.asc())
            .select(PassKindRow::as_select())
            .load(conn)?,
        tiers: price_tiers::table
            .filter(price_tiers::conference_id.eq(id))
            .order(price_tiers::position.asc())
            .select(PriceTierRow::as_select())
            .load(conn)?,
        fees: pass_fees::table
            .filter(pass_fees::conference_id.eq(id))
            .select(PassFeeRow::as_select())
            .load(conn)?,
    })
}

fn load_prices(conn: &mut DbConnection, ids: &[&ConferenceId]) -> QueryResult<PriceRows> {
    Ok(PriceRows {
        kinds: pass_kinds::table
            .filter(pass_kinds::conference_id.eq_any(ids))
            .order((pass_kinds::conference_id, pass_kinds::position.asc()))
            .select(PassKindRow::as_select())
            .load(conn)?,
        tiers: price_tiers::table
            .filter(price_tiers::conference_id.eq_any(ids))
            .order((price_tiers::conference_id, price_tiers::position.asc()))
            .select(PriceTierRow::as_select())
            .load(conn)?,
        fees: pass_fees::table
            .filter(pass_fees::conference_id.eq_any(ids))
            .select(PassFeeRow::as_select())
            .load(conn)?,
    })
}

pub fn insert(
    conn: &mut DbConnection,
    id: &ConferenceId,
    spec: &ConferenceSpec,
    now: NaiveDateTime,
) -> QueryResult<Conference> {
    let (row, prices) = rows(id, spec, now, now);
    diesel::insert_into(conferences::table)
        .values(&row)
        .execute(conn)?;
    insert_prices(conn, &prices)?;
    assemble(row, prices, Taken::default())
}

/// Replaces a conference's settings and price tiers.
pub fn update(
    conn: &mut DbConnection,
    existing: &Conference,
    spec: &ConferenceSpec,
    now: NaiveDateTime,
) -> QueryResult<Conference> {
    let (row, prices) = rows(&existing.id, spec, existing.created_at, now);
    diesel::update(conferences::table.find(&existing.id))
        .set(&row)
        .execute(conn)?;
    diesel::delete(pass_fees::table.filter(pass_fees::conference_id.eq(&existing.id)))
        .execute(conn)?;
    diesel::delete(price_tiers::table.filter(price_tiers::conference_id.eq(&existing.id)))
        .execute(conn)?;
    diesel::delete(pass_kinds::table.filter(pass_kinds::conference_id.eq(&existing.id)))
        .execute(conn)?;
    insert_prices(conn, &prices)?;
    assemble(row, prices, existing.taken)
}

/// Takes the conference's write lock first thing in a transaction: a write
/// to its row holds the row lock on PostgreSQL and the database write lock
/// on SQLite until commit, so concurrent writers for one conference
/// serialise. False when there is no such conference.
pub fn lock(conn: &mut DbConnection, id: &ConferenceId) -> QueryResult<bool> {
    use conferences::dsl as c;
    let n = diesel::update(c::conferences.filter(c::id.eq(id)))
        .set(c::lock_version.eq(c::lock_version + 1))
        .execute(conn)?;
    Ok(n == 1)
}

/// Takes the conference's write lock ([`lock`]), then loads it.
pub fn lock_and_get(conn: &mut DbConnection, id: &ConferenceId) -> QueryResult<Option<Conference>> {
    if !lock(conn, id)? {
        return Ok(None);
    }
    get(conn, id)
}

pub fn exists(conn: &mut DbConnection, id: &ConferenceId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(conferences::table.find(id))).get_result(conn)
}

pub fn get(conn: &mut DbConnection, id: &ConferenceId) -> QueryResult<Option<Conference>> {
    let Some((row, places, dinners)) = conferences::table
        .find(id)
        .select((
            ConferenceRow::as_select(),
            conferences::places_taken,
            conferences::dinners_taken,
        ))
        .first::<(ConferenceRow, i32, i32)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let prices = prices_of(conn, id)?;
    assemble(row, prices, Taken::from_row(places, dinners)).map(Some)
}

pub fn list(
    conn: &mut DbConnection,
    limit: i64,
    cursor: Option<&ConferenceId>,
) -> QueryResult<Vec<Conference>> {
    let mut q = conferences::table
        .select((
            ConferenceRow::as_select(),
            conferences::places_taken,
            conferences::dinners_taken,
        ))
        .order(conferences::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(conferences::id.lt(c.clone()));
    }
    let rows: Vec<(ConferenceRow, i32, i32)> = q.load(conn)?;
    let ids: Vec<&ConferenceId> = rows.iter().map(|r| &r.0.id).collect();
    let mut prices = load_prices(conn, &ids)?;
    rows.into_iter()
        .map(|(row, places, dinners)| {
            let mine = prices.take(&row.id);
            assemble(row, mine, Taken::from_row(places, dinners))
        })
        .collect()
}

/// Whether anything has been registered (or so paid) for the conference.
pub fn has_registrations(conn: &mut DbConnection, id: &ConferenceId) -> QueryResult<bool> {
    use crate::db::schema::registrations;
    diesel::select(diesel::dsl::exists(
        registrations::table.filter(registrations::conference_id.eq(id.clone())),
    ))
    .get_result(conn)
}
