//! Entitlement operations: staff set a conference's entitlements; staff
//! read every organisation's figures and an organisation user its own; a
//! registration takes its voting passes (refused with
//! `entitlement_exceeded`, or overridden by staff, audited) and a
//! cancellation gives one back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rules::{self, Entitlements};
use super::store;
use crate::audit::{self, AuditAction, Subject};
use crate::conferences;
use crate::db::DbConnection;
use crate::ids::{ConferenceId, OrganisationId, RegistrationId};
use crate::ops::{Actor, Command, Ctx, Error};
use crate::organisations;
use crate::values::Problems;

/// One organisation's figures at a conference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub organisation_id: OrganisationId,
    pub organisation: String,
    /// The entitlement in force (its own, else the default); `None`: no limit.
    pub entitlement: Option<u32>,
    /// Voting passes held.
    pub used: u32,
}

/// A conference's entitlements as the actor may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitlementsView {
    pub conference_id: ConferenceId,
    pub set: Entitlements,
    /// Staff: every organisation with a figure of its own or passes held;
    /// an organisation user: its own alone.
    pub usage: Vec<Usage>,
}

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// The entitlements of a conference: staff see every organisation's, an
/// organisation user only its own (the default, its own figure and use).
pub fn read(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
) -> Result<EntitlementsView, Error> {
    if !conferences::store::exists(conn, conference_id)? {
        return Err(Error::NotFound);
    }
    let default = store::default_of(conn, conference_id)?.map(count);
    let mut rows = store::list(conn, conference_id)?;
    if let Some(own) = actor.organisation() {
        rows.retain(|(r, _)| &r.organisation_id == own);
        if rows.is_empty() {
            let o = organisations::store::get(conn, own)?.ok_or(Error::NotFound)?;
            rows.push((
                store::EntitlementRow {
                    conference_id: conference_id.clone(),
                    organisation_id: o.id,
                    passes: None,
                    used: 0,
                },
                o.name,
            ));
        }
    }
    let organisations: BTreeMap<OrganisationId, u32> = rows
        .iter()
        .filter_map(|(r, _)| Some((r.organisation_id.clone(), count(r.passes?))))
        .collect();
    let usage = rows
        .into_iter()
        .map(|(r, name)| Usage {
            entitlement: rules::entitlement(r.passes.map(count), default),
            used: count(r.used),
            organisation_id: r.organisation_id,
            organisation: name,
        })
        .collect();
    Ok(EntitlementsView {
        conference_id: conference_id.clone(),
        set: Entitlements {
            default,
            organisations,
        },
        usage,
    })
}

/// Replace a conference's entitlements (staff): the default and each named
/// organisation's own figure; organisations not named fall back to the
/// default. Passes already held are kept, even above a lowered figure
/// (that organisation can register no more voting passes). Audited.
#[derive(Debug, Serialize)]
pub struct SetEntitlements {
    pub conference_id: ConferenceId,
    pub entitlements: Entitlements,
}

impl Command for SetEntitlements {
    type Output = EntitlementsView;
    const NAME: &'static str = "set_entitlements";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<EntitlementsView, Error> {
        ctx.actor.require_staff()?;
        if !conferences::store::lock(conn, &self.conference_id)? {
            return Err(Error::NotFound);
        }
        let mut p = Problems::default();
        for id in self.entitlements.organisations.keys() {
            if organisations::store::get(conn, id)?.is_none() {
                p.push(format!("organisations.{id}"), "no such organisation");
            }
        }
        p.into_result()?;
        store::set(
            conn,
            &self.conference_id,
            self.entitlements.default,
            &self.entitlements.organisations,
        )?;
        audit::log(
            conn,
            &ctx.actor.user_id,
            AuditAction::EntitlementsSet,
            Subject {
                conference_id: Some(&self.conference_id),
                organisation_id: None,
                subject_id: None,
            },
            json!({
                "default": self.entitlements.default,
                "organisations": self.entitlements.organisations,
            }),
            ctx.now.naive_utc(),
        )?;
        read(conn, &ctx.actor, &self.conference_id)
    }
}

/// Voting passes a registration takes from its organisation's entitlement.
#[derive(Debug, Clone, Copy)]
pub struct Taking<'a> {
    pub conference_id: &'a ConferenceId,
    pub organisation_id: &'a OrganisationId,
    pub registration_id: &'a RegistrationId,
    /// Voting passes asked.
    pub asked: u32,
    /// Staff asked to exceed the entitlement (audited when it is exceeded).
    pub entitlement_override: bool,
}

/// Takes a registration's voting passes, or refuses the whole registration
/// with `entitlement_exceeded` and the figures; staff may override
/// (audited). Run it after `registrations::capacity::reserve` (see
/// [`store`]'s notes).
pub fn take(conn: &mut DbConnection, ctx: &Ctx, t: Taking<'_>) -> Result<(), Error> {
    if t.entitlement_override && !ctx.actor.is_staff() {
        return Err(Error::Forbidden("Only staff may override an entitlement."));
    }
    if t.asked == 0 {
        return Ok(());
    }
    let own = store::get(conn, t.conference_id, t.organisation_id)?;
    let default = store::default_of(conn, t.conference_id)?.map(count);
    let limit = rules::entitlement(own.as_ref().and_then(|r| r.passes).map(count), default);
    if store::take(conn, t.conference_id, t.organisation_id, t.asked, limit)? {
        return Ok(());
    }
    let used = store::get(conn, t.conference_id, t.organisation_id)?.map_or(0, |r| count(r.used));
    let Err(exceeded) = rules::check(limit, used, t.asked) else {
        return Err(Error::Internal(anyhow::anyhow!(
            "the entitlement counter refused passes that fit"
        )));
    };
    if !t.entitlement_override {
        return Err(Error::EntitlementExceeded(exceeded));
    }
    store::take(conn, t.conference_id, t.organisation_id, t.asked, None)?;
    audit::log(
        conn,
        &ctx.actor.user_id,
        AuditAction::EntitlementOverride,
        Subject {
            conference_id: Some(t.conference_id),
            organisation_id: Some(t.organisation_id),
            subject_id: Some(t.registration_id.as_str()),
        },
        json!({
            "entitlement": exceeded.entitlement,
            "used": exceeded.used,
            "asked": exceeded.asked,
        }),
        ctx.now.naive_utc(),
    )?;
    Ok(())
}

/// Gives back a cancelled person's voting pass.
pub fn release(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
) -> Result<(), Error> {
    Ok(store::release(conn, conference_id, organisation_id)?)
}
