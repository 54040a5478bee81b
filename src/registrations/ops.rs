//! Registration operations: register delegates, record a payment,
//! substitute or cancel a delegate; list and read registrations.

use chrono::NaiveDateTime;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::capacity;
use super::rules::{self, DelegateStatus, NewDelegate, PaymentChannel, PaymentMethod, Person};
use super::store::{self, DelegateRow, ListFilter, PaymentRow, Registration, RegistrationRow};
use crate::audit::{self, AuditAction, Subject};
use crate::conferences::{self, Conference};
use crate::db::DbConnection;
use crate::deadlines::ops::{enforce, Attempt};
use crate::deadlines::rules::{self as deadlines, DeadlineKey};
use crate::email::notify;
use crate::ids::{ConferenceId, DelegateId, OrganisationId, PaymentId, RegistrationId};
use crate::ops::{Actor, Command, Ctx, Error};
use crate::organisations::{self, OrganisationRow};
use crate::values::money::Money;

/// A new, unused booking reference.
fn new_reference(conn: &mut DbConnection) -> Result<String, Error> {
    for _ in 0..8 {
        let mut bytes = [0u8; rules::REFERENCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let reference = rules::booking_reference(bytes);
        if !store::reference_exists(conn, &reference)? {
            return Ok(reference);
        }
    }
    Err(Error::Internal(anyhow::anyhow!(
        "no free booking reference after 8 attempts"
    )))
}

/// A registration and the organisation that made it, as they now stand.
fn reload(
    conn: &mut DbConnection,
    id: &RegistrationId,
) -> Result<(Registration, OrganisationRow), Error> {
    let registration = store::get(conn, id)?.ok_or(Error::NotFound)?;
    let organisation = organisations::store::get(conn, &registration.row.organisation_id)?
        .ok_or(Error::NotFound)?;
    Ok((registration, organisation))
}

/// The emails about a registration, queued in the caller's transaction.
fn notice<'a>(
    conference: &'a Conference,
    organisation: &'a OrganisationRow,
    registration: &'a Registration,
    now: NaiveDateTime,
) -> notify::Context<'a> {
    notify::Context {
        conference,
        organisation,
        registration,
        now,
    }
}

/// Register one or more delegates for a conference: priced by the tier in
/// force now in the conference's zone, within the registration deadline
/// (with any extension, or a staff override), and refused whole if it
/// would exceed the places or dinner seats left.
#[derive(Debug, Serialize)]
pub struct Register {
    pub conference_id: ConferenceId,
    /// The organisation registering (see [`Actor::acting_for`]).
    pub organisation_id: OrganisationId,
    pub payment_method: PaymentMethod,
    pub delegates: Vec<NewDelegate>,
    /// Staff only: accept after the registration deadline (audited).
    pub late_override: bool,
}

impl Command for Register {
    type Output = Registration;
    const NAME: &'static str = "register";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Registration, Error> {
        if !ctx.actor.may_act_for(&self.organisation_id) {
            return Err(Error::Forbidden("An organisation acts only for itself."));
        }
        // Read, not locked: the caps are enforced by `capacity::reserve` at the end.
        let conference = conferences::ops::get(conn, &self.conference_id)?;
        let organisation = organisations::ops::named(conn, &self.organisation_id)?;
        enforce(
            conn,
            ctx,
            &conference,
            &organisation.id,
            Attempt {
                key: DeadlineKey::Registration,
                late_override: self.late_override,
                action: "registration",
            },
        )?;
        let spec = &conference.spec;
        let tier = spec
            .prices
            .tier_on(deadlines::local_date(ctx.now, spec.timezone));
        let priced: Vec<_> = self
            .delegates
            .into_iter()
            .map(|d| rules::price(d, tier))
            .collect();
        let places = priced.len() as u32;
        let dinners = priced.iter().filter(|d| d.dinner).count() as u32;
        let total = priced
            .iter()
            .try_fold(Money::ZERO, |sum, d| sum.checked_add(d.fee))
            .ok_or_else(|| Error::validation("delegates", "total is too large"))?;

        let ts = ctx.now.naive_utc();
        let registration_id = RegistrationId::new();
        let row = RegistrationRow {
            id: registration_id.clone(),
            conference_id: conference.id.clone(),
            organisation_id: organisation.id.clone(),
            reference: new_reference(conn)?,
            payment_method: self.payment_method,
            tier_code: tier.code.clone(),
            currency: spec.currency.clone(),
            total_minor: total.minor(),
            amount_paid_minor: 0,
            created_by: ctx.actor.user_id.clone(),
            created_at: ts,
            updated_at: ts,
        };
        let delegates: Vec<DelegateRow> = priced
            .into_iter()
            .enumerate()
            .map(|(i, d)| DelegateRow {
                id: DelegateId::new(),
                registration_id: registration_id.clone(),
                conference_id: conference.id.clone(),
                position: i as i32,
                name: d.person.name,
                email: d.person.email.into_inner(),
                dinner: d.dinner,
                dietary_requirements: d.person.dietary_requirements,
                access_requirements: d.person.access_requirements,
                pass_fee_minor: d.pass_fee.minor(),
                dinner_fee_minor: d.dinner_fee.minor(),
                fee_minor: d.fee.minor(),
                status: DelegateStatus::Active,
                cancelled_at: None,
                created_at: ts,
                updated_at: ts,
            })
            .collect();
        store::insert(conn, &row, &delegates)?;
        let registration = Registration { row, delegates };
        notice(&conference, &organisation, &registration, ts)
            .registered(conn, &ctx.settings.cheque_payee)?;
        capacity::reserve(conn, &conference.id, places, dinners)?;
        Ok(registration)
    }
}

/// A payment and the registration as it stands after it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payment {
    pub row: PaymentRow,
    pub registration: Registration,
}

/// A payment received against a registration (staff); the organisation's
/// contact is emailed a receipt.
#[derive(Debug, Serialize)]
pub struct RecordPayment {
    pub registration_id: RegistrationId,
    pub amount: Money,
    pub method: PaymentChannel,
    /// Cheque number, transfer reference or payment id.
    pub reference: String,
}

impl Command for RecordPayment {
    type Output = Payment;
    const NAME: &'static str = "record_payment";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Payment, Error> {
        ctx.actor.require_staff()?;
        let now = ctx.now.naive_utc();
        store::get(conn, &self.registration_id)?.ok_or(Error::NotFound)?;
        let row = PaymentRow {
            id: PaymentId::new(),
            registration_id: self.registration_id.clone(),
            amount_minor: self.amount.minor(),
            method: self.method,
            reference: self.reference,
            recorded_by: ctx.actor.user_id.clone(),
            created_at: now,
        };
        store::insert_payment(conn, &row)?;
        store::adjust_money(conn, &self.registration_id, 0, self.amount.minor(), now)?;
        let (registration, organisation) = reload(conn, &self.registration_id)?;
        let conference = conferences::ops::get(conn, &registration.row.conference_id)?;
        notice(&conference, &organisation, &registration, now).payment_received(
            conn,
            self.amount,
            self.method.as_str(),
        )?;
        Ok(Payment { row, registration })
    }
}

/// The delegate and registration, loaded for someone allowed to act on
/// them (not found otherwise, and for unknown ids).
fn delegate_for(
    conn: &mut DbConnection,
    actor: &Actor,
    delegate_id: &DelegateId,
) -> Result<(DelegateRow, Registration), Error> {
    let d = store::get_delegate(conn, delegate_id)?.ok_or(Error::NotFound)?;
    let r = store::get(conn, &d.registration_id)?.ok_or(Error::NotFound)?;
    if !actor.may_act_for(&r.row.organisation_id) {
        return Err(Error::NotFound);
    }
    Ok((d, r))
}

/// Audits a change to one delegate's place.
fn audit_delegate(
    conn: &mut DbConnection,
    ctx: &Ctx,
    action: AuditAction,
    registration: &Registration,
    delegate: &DelegateRow,
    detail: serde_json::Value,
) -> Result<(), Error> {
    audit::log(
        conn,
        &ctx.actor.user_id,
        action,
        Subject {
            conference_id: Some(&registration.row.conference_id),
            organisation_id: Some(&registration.row.organisation_id),
            subject_id: Some(delegate.id.as_str()),
        },
        detail,
        ctx.now.naive_utc(),
    )?;
    Ok(())
}

/// Another person in a delegate's place: same place, dinner choice and fee.
/// Organisations may substitute until the day before the conference starts,
/// staff at any time. Audited; the new delegate is emailed.
#[derive(Debug, Serialize)]
pub struct Substitute {
    pub delegate_id: DelegateId,
    pub person: Person,
}

impl Command for Substitute {
    type Output = DelegateRow;
    const NAME: &'static str = "substitute";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<DelegateRow, Error> {
        let (d, r) = delegate_for(conn, &ctx.actor, &self.delegate_id)?;
        let conference =
            conferences::store::lock_and_get(conn, &r.row.conference_id)?.ok_or(Error::NotFound)?;
        if !ctx.actor.is_staff() {
            deadlines::check_substitution(
                ctx.now,
                conference.spec.timezone,
                conference.spec.starts_on,
            )
            .map_err(|e| Error::DeadlinePassed(e.to_string()))?;
        }
        let now = ctx.now.naive_utc();
        let p = &self.person;
        if store::substitute(
            conn,
            &d.id,
            &p.name,
            p.email.as_str(),
            &p.dietary_requirements,
            &p.access_requirements,
            now,
        )? == 0
        {
            return Err(Error::Conflict("The delegate has been cancelled.".into()));
        }
        audit_delegate(
            conn,
            ctx,
            AuditAction::DelegateSubstituted,
            &r,
            &d,
            json!({"registration_id": r.row.id}),
        )?;
        let d = store::get_delegate(conn, &d.id)?.ok_or(Error::NotFound)?;
        let (registration, organisation) = reload(conn, &r.row.id)?;
        notice(&conference, &organisation, &registration, now).substituted(conn, &d)?;
        Ok(d)
    }
}

/// A delegate's place given up: the place (and dinner seat) freed and the
/// fee taken off the registration's total, which may leave a refund due.
/// Organisations may cancel until the registration deadline (or their
/// extension), staff at any time. Audited; the delegate is emailed.
#[derive(Debug, Serialize)]
pub struct Cancel {
    pub delegate_id: DelegateId,
}

impl Command for Cancel {
    type Output = Registration;
    const NAME: &'static str = "cancel";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Registration, Error> {
        let (d, r) = delegate_for(conn, &ctx.actor, &self.delegate_id)?;
        let conference =
            conferences::store::lock_and_get(conn, &r.row.conference_id)?.ok_or(Error::NotFound)?;
        if !ctx.actor.is_staff() {
            enforce(
                conn,
                ctx,
                &conference,
                &r.row.organisation_id,
                Attempt {
                    key: DeadlineKey::Registration,
                    late_override: false,
                    action: "cancellation",
                },
            )?;
        }
        let now = ctx.now.naive_utc();
        if store::cancel(conn, &d.id, now)? == 0 {
            return Err(Error::Conflict("The delegate is already cancelled.".into()));
        }
        capacity::release(conn, &conference.id, 1, u32::from(d.dinner))?;
        store::adjust_money(conn, &r.row.id, -d.fee_minor, 0, now)?;
        audit_delegate(
            conn,
            ctx,
            AuditAction::DelegateCancelled,
            &r,
            &d,
            json!({"registration_id": r.row.id, "fee": Money::from_minor(d.fee_minor).to_string()}),
        )?;
        let (registration, organisation) = reload(conn, &r.row.id)?;
        notice(&conference, &organisation, &registration, now).cancelled(conn, &d)?;
        Ok(registration)
    }
}

/// A conference's registrations the actor may see, newest first
/// (`limit + 1` rows): staff all (or one organisation's), an organisation
/// its own (none when it names another).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    mut filter: ListFilter,
    limit: i64,
    cursor: Option<&RegistrationId>,
) -> Result<Vec<Registration>, Error> {
    if let Some(own) = actor.organisation() {
        if filter.organisation_id.as_ref().is_some_and(|n| n != own) {
            return Ok(Vec::new());
        }
        filter.organisation_id = Some(own.clone());
    }
    if !conferences::store::exists(conn, conference_id)? {
        return Err(Error::NotFound);
    }
    Ok(store::list(conn, conference_id, &filter, limit, cursor)?)
}

/// One registration: staff, or the organisation that made it.
pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &RegistrationId,
) -> Result<Registration, Error> {
    let r = store::get(conn, id)?.ok_or(Error::NotFound)?;
    if !actor.may_act_for(&r.row.organisation_id) {
        return Err(Error::NotFound);
    }
    Ok(r)
}
