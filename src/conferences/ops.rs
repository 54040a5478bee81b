//! Conference operations: create and patch (staff), read and quote
//! (anyone).

use chrono::NaiveDate;
use serde::Serialize;

use super::spec::{ConferencePatch, ConferenceSpec};
use super::store::{self, Taken};
use super::Conference;
use crate::db::{self, DbConnection};
use crate::deadlines::rules::{self as deadlines, DeadlineKey};
use crate::ids::ConferenceId;
use crate::ops::{Command, Ctx, Error};
use crate::registrations::capacity;
use crate::values::money::Money;
use crate::values::Problems;

fn slug_taken(e: diesel::result::Error) -> Error {
    if db::is_unique_violation(&e) {
        Error::Conflict("A conference with this slug already exists.".into())
    } else {
        e.into()
    }
}

/// A conference and its rules (staff).
#[derive(Debug, Serialize)]
pub struct CreateConference {
    pub spec: ConferenceSpec,
}

impl Command for CreateConference {
    type Output = Conference;
    const NAME: &'static str = "create_conference";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Conference, Error> {
        ctx.actor.require_staff()?;
        store::insert(conn, &ConferenceId::new(), &self.spec, ctx.now.naive_utc())
            .map_err(slug_taken)
    }
}

/// Any of a conference's fields, validated as a whole once applied
/// (staff). Registrations already made keep the price they were given.
#[derive(Debug, Serialize)]
pub struct PatchConference {
    pub id: ConferenceId,
    pub patch: ConferencePatch,
}

impl Command for PatchConference {
    type Output = Conference;
    const NAME: &'static str = "patch_conference";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Conference, Error> {
        ctx.actor.require_staff()?;
        let existing = store::lock_and_get(conn, &self.id)?.ok_or(Error::NotFound)?;
        let spec =
            existing
                .spec
                .patched(self.patch, &ctx.settings.regions, ctx.now.date_naive())?;
        if spec.currency != existing.spec.currency && store::has_registrations(conn, &self.id)? {
            return Err(Error::Conflict(format!(
                "The currency cannot change from {} to {}: registrations have been taken in {}.",
                existing.spec.currency, spec.currency, existing.spec.currency
            )));
        }
        below_taken(&spec, existing.taken)?;
        store::update(conn, &existing, &spec, ctx.now.naive_utc()).map_err(slug_taken)
    }
}

/// A cap may not fall below what is already sold.
fn below_taken(spec: &ConferenceSpec, taken: Taken) -> Result<(), Error> {
    let mut p = Problems::default();
    if spec.capacity.is_some_and(|cap| cap < taken.places) {
        p.push(
            "capacity",
            format!(
                "{} places are already taken; the capacity cannot be below that",
                taken.places
            ),
        );
    }
    if spec.dinner_capacity.is_some_and(|cap| cap < taken.dinners) {
        p.push(
            "dinner_capacity",
            format!(
                "{} dinner seats are already taken; the dinner capacity cannot be below that",
                taken.dinners
            ),
        );
    }
    Ok(p.into_result()?)
}

pub fn get(conn: &mut DbConnection, id: &ConferenceId) -> Result<Conference, Error> {
    store::get(conn, id)?.ok_or(Error::NotFound)
}

/// A page of conferences, newest first (`limit + 1` rows; see
/// [`crate::db::page`]).
pub fn list(
    conn: &mut DbConnection,
    limit: i64,
    cursor: Option<&ConferenceId>,
) -> Result<Vec<Conference>, Error> {
    Ok(store::list(conn, limit, cursor)?)
}

/// The price of one place at an instant, in the conference's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub tier: String,
    /// The pass kind quoted (its code).
    pub pass_kind: String,
    pub pass_fee: Money,
    pub dinner_fee: Money,
    pub total: Money,
    pub currency: String,
    pub dinner: bool,
    /// The conference-local date the price is for.
    pub as_of: NaiveDate,
    pub registration_open: bool,
    /// Why `registration_open` is false.
    pub closed_reason: Option<ClosedReason>,
}

/// Why a quoted place cannot be registered now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClosedReason {
    /// Registration has not opened yet (`registration_opens`).
    NotOpen,
    /// The registration deadline has passed.
    DeadlinePassed,
    /// Every delegate place under the conference's `capacity` is taken.
    PlacesFull,
    /// Asked with the dinner: every seat under `dinner_capacity` is taken.
    DinnerFull,
}

/// The price in force at `now` for one place of a kind (none named: the
/// first voting kind), with or without dinner; an unknown kind is 422 at
/// `pass_kind`.
pub fn quote(
    conn: &mut DbConnection,
    id: &ConferenceId,
    now: chrono::DateTime<chrono::Utc>,
    pass_kind: Option<&str>,
    dinner: bool,
) -> Result<Quote, Error> {
    let c = get(conn, id)?;
    let tz = c.spec.timezone;
    let today = deadlines::local_date(now, tz);
    let prices = &c.spec.prices;
    let kind = match pass_kind {
        None => prices.default_kind(),
        Some(code) => prices.kind(code).ok_or_else(|| {
            Error::validation("pass_kind", "is not one of the conference's pass kinds")
        })?,
    };
    let q = prices.quote(today, kind, dinner);
    let closed_reason = closed_reason(conn, &c, now, dinner)?;
    Ok(Quote {
        tier: q.tier_code,
        pass_kind: q.pass_kind,
        pass_fee: q.pass_fee,
        dinner_fee: q.dinner_fee,
        total: q.total,
        currency: c.spec.currency,
        dinner,
        as_of: today,
        registration_open: closed_reason.is_none(),
        closed_reason,
    })
}

/// Why one more place (with the dinner, if asked) could not be registered
/// at `now`, if so: the deadline first, then places, then dinner seats, by
/// the same rule registration applies ([`capacity::check`]). The counters
/// are read only when a cap applies.
fn closed_reason(
    conn: &mut DbConnection,
    c: &Conference,
    now: chrono::DateTime<chrono::Utc>,
    dinner: bool,
) -> Result<Option<ClosedReason>, Error> {
    if deadlines::check_opening(now, c.spec.timezone, c.spec.registration_opens).is_err() {
        return Ok(Some(ClosedReason::NotOpen));
    }
    let deadline = c
        .spec
        .closes(DeadlineKey::Registration)
        .expect("registration always closes");
    if !deadlines::is_open(now, c.spec.timezone, deadline) {
        return Ok(Some(ClosedReason::DeadlinePassed));
    }
    let dinner_capacity = c.spec.dinner_capacity.filter(|_| dinner);
    if c.spec.capacity.is_none() && dinner_capacity.is_none() {
        return Ok(None);
    }
    let (places, dinners) = capacity::taken(conn, &c.id)?;
    let taken = |n: i32| u32::try_from(n).unwrap_or(0);
    Ok(
        if capacity::check("places", c.spec.capacity, taken(places), 1).is_err() {
            Some(ClosedReason::PlacesFull)
        } else if capacity::check("dinner seats", dinner_capacity, taken(dinners), 1).is_err() {
            Some(ClosedReason::DinnerFull)
        } else {
            None
        },
    )
}
