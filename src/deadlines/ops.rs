//! The deadline rule as operations apply it (the conference's date in its
//! zone, the organisation's extension, an audited staff override), and the
//! granting of extensions.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::rules::{self, DeadlineKey, DeadlineOutcome, NotOpen};
use super::store;
pub use super::store::ExtensionRow;
use crate::audit::{self, AuditAction, Subject};
use crate::conferences::spec::latest_deadline;
use crate::conferences::{self, Conference};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, ExtensionId, OrganisationId};
use crate::ops::{Command, Ctx, Error};
use crate::organisations;

/// What is being done against a deadline, as the audit log names it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub key: DeadlineKey,
    /// Staff asked to act after the deadline.
    pub late_override: bool,
    /// `registration`, `cancellation`, `motion`, `withdrawal` …
    pub action: &'a str,
}

/// Applies the deadline rule for one organisation: on time, within its
/// extension, or (staff only, audited) overridden.
pub fn enforce(
    conn: &mut DbConnection,
    ctx: &Ctx,
    conference: &Conference,
    organisation_id: &OrganisationId,
    attempt: Attempt<'_>,
) -> Result<DeadlineOutcome, Error> {
    if attempt.late_override && !ctx.actor.is_staff() {
        return Err(Error::Forbidden("Only staff may act after a deadline."));
    }
    let Some(deadline) = conference.spec.closes(attempt.key) else {
        return Err(NotOpen::NotTaken(attempt.key).into());
    };
    let extension = store::extension(conn, &conference.id, organisation_id, attempt.key)?;
    let outcome = rules::check(
        ctx.now,
        conference.spec.timezone,
        attempt.key,
        deadline,
        extension,
        attempt.late_override,
    )?;
    if outcome == DeadlineOutcome::Overridden {
        audit::log(
            conn,
            &ctx.actor.user_id,
            AuditAction::LateOverride,
            Subject {
                conference_id: Some(&conference.id),
                organisation_id: Some(organisation_id),
                subject_id: None,
            },
            json!({"deadline": attempt.key.as_str(), "action": attempt.action}),
            ctx.now.naive_utc(),
        )?;
    }
    Ok(outcome)
}

/// One organisation's later date for one deadline of a conference (staff).
/// A new grant for the same organisation and deadline replaces the old.
/// Audited.
#[derive(Debug, Serialize)]
pub struct GrantExtension {
    pub conference_id: ConferenceId,
    pub organisation_id: OrganisationId,
    pub deadline: DeadlineKey,
    pub until: NaiveDate,
}

impl Command for GrantExtension {
    type Output = ExtensionRow;
    const NAME: &'static str = "grant_extension";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<ExtensionRow, Error> {
        ctx.actor.require_staff()?;
        let conference = conferences::ops::get(conn, &self.conference_id)?;
        if !organisations::store::exists(conn, &self.organisation_id)? {
            return Err(Error::validation("organisation_id", "no such organisation"));
        }
        let spec = &conference.spec;
        let Some(own) = spec.closes(self.deadline) else {
            return Err(NotOpen::NotTaken(self.deadline).into());
        };
        if self.until <= own {
            return Err(Error::validation(
                "until",
                format!(
                    "must be after the conference's {} deadline ({own})",
                    self.deadline.as_str()
                ),
            ));
        }
        latest_deadline(self.deadline, spec.starts_on, spec.ends_on, self.until)
            .map_err(|e| Error::validation("until", e))?;
        let now = ctx.now.naive_utc();
        let row = ExtensionRow {
            id: ExtensionId::new(),
            conference_id: conference.id.clone(),
            organisation_id: self.organisation_id.clone(),
            deadline: self.deadline,
            until: self.until,
            granted_by: ctx.actor.user_id.clone(),
            created_at: now,
        };
        store::grant(conn, &row)?;
        audit::log(
            conn,
            &ctx.actor.user_id,
            AuditAction::ExtensionGranted,
            Subject {
                conference_id: Some(&conference.id),
                organisation_id: Some(&self.organisation_id),
                subject_id: Some(row.id.as_str()),
            },
            json!({"deadline": self.deadline.as_str(), "until": self.until.to_string(), "was": own.to_string()}),
            now,
        )?;
        Ok(row)
    }
}

/// A conference's extensions, newest first (`limit + 1` rows).
pub fn list(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    limit: i64,
    cursor: Option<&ExtensionId>,
) -> Result<Vec<ExtensionRow>, Error> {
    if !conferences::store::exists(conn, conference_id)? {
        return Err(Error::NotFound);
    }
    Ok(store::list(conn, conference_id, limit, cursor)?)
}
