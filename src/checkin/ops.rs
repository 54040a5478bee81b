//! The credentials desk: the check-in secret, badges, checking delegates
//! in, the attendance list and the count of arrivals.

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use super::rules::Presented;
use super::rules::{self, BadgeCode, Refusal};
use super::store::{self, CheckInRow, DeskRecord};
use crate::audit::{self, AuditAction, Subject};
use crate::conferences;
use crate::config::Settings;
use crate::db::{write_transaction, DbConnection, DbPool};
use crate::documents::{Badge, BadgeSheet};
use crate::exports::ops::{delegate_list, ExportFilter};
use crate::exports::rules::{self as export, ListName};
use crate::exports::store as listed;
use crate::ids::{ConferenceId, DelegateId};
use crate::ops::{Actor, Command, Ctx, Error};

/// Makes sure a check-in secret is stored (unless one is configured), so
/// that every instance sharing the database prints and reads the same
/// codes: the first to start stores 32 random bytes, the rest read them.
/// Runs at start-up, before the server (and its writers' queue) serves.
pub fn ensure_secret(pool: &DbPool, settings: &Settings, now: DateTime<Utc>) -> Result<(), Error> {
    if settings.checkin_secret.is_some() {
        return Ok(());
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let candidate = hex::encode(bytes);
    let mut conn = pool.get()?;
    write_transaction(&mut conn, |conn| {
        store::keep_secret(conn, &candidate, now.naive_utc())
            .map(|_| ())
            .map_err(Error::from)
    })
}

/// The MAC key: configured, else the stored one.
fn key(conn: &mut DbConnection, settings: &Settings) -> Result<Vec<u8>, Error> {
    match &settings.checkin_secret {
        Some(configured) => Ok(configured.as_bytes().to_vec()),
        None => store::secret(conn)?
            .map(String::into_bytes)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("no check-in secret is stored"))),
    }
}

/// Badges for every active delegate the export filter selects (staff), in
/// the delegate list's order, and the PDF's file name.
pub fn badges(
    conn: &mut DbConnection,
    actor: &Actor,
    settings: &Settings,
    conference_id: &ConferenceId,
    filter: ExportFilter,
    now: DateTime<Utc>,
) -> Result<(BadgeSheet, String), Error> {
    let filter = ExportFilter {
        include_cancelled: false,
        ..filter
    };
    let list = delegate_list(conn, actor, conference_id, filter, now, "pdf")?;
    let conference = conferences::ops::get(conn, conference_id)?;
    let secret = key(conn, settings)?;
    let changed = store::substitutions(conn, conference_id)?;
    let mut badges = Vec::new();
    for record in listed::records(conn, conference_id, &list.filter)? {
        let r = record?;
        let substitutions = changed.get(&r.delegate_id).copied().unwrap_or(0);
        badges.push(Badge {
            code: rules::code(&secret, &r.delegate_id, substitutions),
            name: r.name,
            organisation: r.organisation,
            pass_kind: conference.spec.prices.kind_name(&r.pass_kind).to_owned(),
            dinner: r.dinner,
        });
    }
    let dinner = crate::programme::store::list(conn, conference_id)?
        .into_iter()
        .find(|item| item.ticketed)
        .map(|item| rules::dinner_details(item.starts_at, &item.place));
    let spec = conference.spec;
    let file_name = export::file_name(
        &spec.slug,
        ListName::Badges,
        crate::deadlines::rules::local_date(now, spec.timezone),
        "pdf",
    );
    Ok((
        BadgeSheet {
            conference_name: spec.name,
            dinner,
            badges,
        },
        file_name,
    ))
}

/// The desk's answer for someone admitted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Arrival {
    pub delegate_id: DelegateId,
    pub name: String,
    pub organisation: String,
    pub pass_kind: String,
    pub dinner: bool,
    /// When they first checked in.
    pub checked_in_at: DateTime<Utc>,
    /// False when they had already checked in.
    pub first: bool,
}

/// Marks an active delegate of the conference as arrived (staff): the
/// first time records and audits it; again answers when they first
/// arrived. A cancelled place, or a badge printed for someone since
/// substituted out, is refused (conflict, with the reason); a code this
/// server did not make, or a reference and name that match no delegate, is
/// a validation failure. Concurrent check-ins of one place record one
/// arrival.
#[derive(Debug, Serialize)]
pub struct CheckIn {
    pub conference_id: ConferenceId,
    pub presented: Presented,
}

fn delegate_for(
    conn: &mut DbConnection,
    ctx: &Ctx,
    conference_id: &ConferenceId,
    presented: &Presented,
) -> Result<(DeskRecord, Option<BadgeCode>), Error> {
    match presented {
        Presented::Code(typed) => {
            let secret = key(conn, &ctx.settings)?;
            let badge = rules::read(&secret, typed)
                .map_err(|e| Error::validation("code", e.to_string()))?;
            let record = store::desk_record(conn, &badge.delegate_id)?.ok_or(Error::NotFound)?;
            if &record.conference_id != conference_id {
                return Err(Error::validation(
                    "code",
                    "is the badge of a delegate at another conference",
                ));
            }
            Ok((record, Some(badge)))
        }
        Presented::Booking { reference, name } => {
            let reference = reference.trim().to_ascii_uppercase();
            let people = store::desk_records_of_booking(conn, conference_id, &reference)?;
            if people.is_empty() {
                return Err(Error::validation(
                    "reference",
                    format!("no booking {reference} at this conference"),
                ));
            }
            let record = rules::by_name(&people, name, |d| &d.name, |d| d.status)
                .cloned()
                .ok_or_else(|| {
                    Error::validation("name", format!("no delegate of that name on {reference}"))
                })?;
            Ok((record, None))
        }
    }
}

impl Command for CheckIn {
    type Output = Arrival;
    const NAME: &'static str = "check_in";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Arrival, Error> {
        ctx.actor.require_staff()?;
        let conference = conferences::ops::get(conn, &self.conference_id)?;
        let (d, badge) = delegate_for(conn, ctx, &self.conference_id, &self.presented)?;
        rules::admit(d.status, &d.name, d.substitutions, badge.as_ref())
            .map_err(|r: Refusal| Error::Conflict(r.reason()))?;
        let row = CheckInRow {
            delegate_id: d.delegate_id.clone(),
            conference_id: self.conference_id.clone(),
            checked_in_at: ctx.now.naive_utc(),
            checked_in_by: ctx.actor.user_id.clone(),
        };
        let first = store::insert(conn, &row)?;
        let at = if first {
            audit::log(
                conn,
                &ctx.actor.user_id,
                AuditAction::DelegateCheckedIn,
                Subject {
                    conference_id: Some(&self.conference_id),
                    organisation_id: None,
                    subject_id: Some(d.delegate_id.as_str()),
                },
                json!({"by": if badge.is_some() { "badge" } else { "reference" }}),
                ctx.now.naive_utc(),
            )?;
            row.checked_in_at
        } else {
            store::get(conn, &d.delegate_id)?
                .ok_or(Error::NotFound)?
                .checked_in_at
        };
        Ok(Arrival {
            delegate_id: d.delegate_id,
            name: d.name,
            organisation: d.organisation,
            pass_kind: conference.spec.prices.kind_name(&d.pass_kind).to_owned(),
            dinner: d.dinner,
            checked_in_at: at.and_utc(),
            first,
        })
    }
}

/// The attendance CSV (staff): every active delegate with organisation,
/// pass, dinner, booking reference and arrival time (blank for those not
/// arrived), by organisation then name; and its file name.
pub fn attendance_csv(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, String), Error> {
    actor.require_staff()?;
    let spec = conferences::ops::get(conn, conference_id)?.spec;
    let mut w = export::csv_writer(export::BOM.as_bytes());
    let csv_error = |e: csv::Error| Error::Internal(e.into());
    w.write_record(rules::ATTENDANCE_COLUMNS)
        .map_err(csv_error)?;
    for r in store::attendance(conn, conference_id)? {
        w.write_record(rules::attendance_cells(
            &r.name,
            &r.organisation,
            spec.prices.kind_name(&r.pass_kind),
            r.dinner,
            &r.reference,
            r.checked_in_at,
            spec.timezone,
        ))
        .map_err(csv_error)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    let file_name = export::file_name(
        &spec.slug,
        ListName::Attendance,
        crate::deadlines::rules::local_date(now, spec.timezone),
        "csv",
    );
    Ok((bytes, file_name))
}

/// Active delegates of the conference who have arrived.
pub fn arrivals(conn: &mut DbConnection, conference_id: &ConferenceId) -> Result<i64, Error> {
    Ok(store::arrivals(conn, conference_id)?)
}
