//! Registration operations: register delegates, record a payment or a
//! refund, substitute or cancel a delegate; list and read registrations
//! and a conference's payments.

use chrono::{NaiveDate, NaiveDateTime};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::capacity;
use super::rules::{
    self, DelegateStatus, MoneyMoved, NewDelegate, PaymentChannel, PaymentKind, PaymentMethod,
    Person,
};
use super::store::{self, DelegateRow, PaymentRow, Registration, RegistrationRow};
pub use super::store::{LedgerEntry, LedgerFilter, ListFilter};
use crate::audit::{self, AuditAction, Subject};
use crate::conferences::{self, Conference};
use crate::db::DbConnection;
use crate::deadlines::ops::{enforce, Attempt};
use crate::deadlines::rules::{self as deadlines, DeadlineKey, DeadlineOutcome};
use crate::email::notify;
use crate::entitlements::{self, ops::Taking};
use crate::ids::{ConferenceId, DelegateId, OrganisationId, PaymentId, RegistrationId};
use crate::invoices::{self, ops::Billed};
use crate::ops::{Actor, Command, Ctx, Error};
use crate::organisations::{self, OrganisationRow};
use crate::privacy;
use crate::rooms::{self, rules::Stay};
use crate::submissions;
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

/// Register one or more delegates for a conference: each with a pass kind
/// (none named: the first voting kind), priced by the tier in force now in
/// the conference's zone, within the registration deadline (with any
/// extension, or a staff override), and refused whole if it would exceed
/// the places or dinner seats left, or take the organisation past its
/// entitlement of voting passes (unless staff override it).
#[derive(Debug, Serialize)]
pub struct Register {
    pub conference_id: ConferenceId,
    /// The organisation registering (see [`Actor::acting_for`]).
    pub organisation_id: OrganisationId,
    pub payment_method: PaymentMethod,
    pub delegates: Vec<NewDelegate>,
    /// Staff only: accept after the registration deadline (audited).
    pub late_override: bool,
    /// Staff only: register a person who already holds a place at the
    /// conference (audited).
    pub duplicate_override: bool,
    /// The version of the conference's privacy notice accepted (required
    /// of an organisation when the conference has one).
    pub privacy_notice_version: Option<i32>,
    /// Staff only: take the organisation past its entitlement of voting
    /// passes (audited).
    pub entitlement_override: bool,
}

impl Command for Register {
    type Output = Registration;
    const NAME: &'static str = "register";

    fn grouped(&self) -> Option<String> {
        Some(self.conference_id.to_string())
    }

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Registration, Error> {
        if !ctx.actor.may_act_for(&self.organisation_id) {
            return Err(Error::Forbidden("An organisation acts only for itself."));
        }
        // Read, not locked: the caps are enforced by `capacity::reserve` at the end.
        let conference = conferences::ops::get(conn, &self.conference_id)?;
        let organisation = organisations::ops::named(conn, &self.organisation_id)?;
        deadlines::check_opening(
            ctx.now,
            conference.spec.timezone,
            conference.spec.registration_opens,
        )?;
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
        let privacy_notice_version = privacy::notices::accepted(
            conn,
            &ctx.actor,
            &conference.id,
            self.privacy_notice_version,
        )?;
        let people: Vec<&Person> = self.delegates.iter().map(|d| &d.person).collect();
        let repeated = repeated_people(conn, &conference.id, &people, None)?;
        let duplicates = allowed_duplicates(ctx, self.duplicate_override, repeated)?;
        let spec = &conference.spec;
        let kinds = rules::pass_kinds(&spec.prices, &self.delegates)?;
        let tier = spec
            .prices
            .tier_on(deadlines::local_date(ctx.now, spec.timezone));
        let room_bookings = self
            .delegates
            .iter()
            .enumerate()
            .map(|(i, d)| {
                d.room
                    .as_ref()
                    .map(|r| rooms::ops::quote(conn, ctx.now, &conference, i, r))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let priced: Vec<_> = self
            .delegates
            .into_iter()
            .zip(kinds)
            .map(|(d, kind)| rules::price(d, kind, tier))
            .collect();
        let fees = priced
            .iter()
            .zip(&room_bookings)
            .map(|(d, room)| {
                d.fee
                    .checked_add(room.as_ref().map_or(Money::ZERO, |r| r.fee))
            })
            .collect::<Option<Vec<Money>>>()
            .ok_or_else(|| Error::validation("delegates", "total is too large"))?;
        let places = priced.len() as u32;
        let dinners = priced.iter().filter(|d| d.dinner).count() as u32;
        let voting = priced.iter().filter(|d| d.pass_kind.votes).count() as u32;
        let total = fees
            .iter()
            .try_fold(Money::ZERO, |sum, fee| sum.checked_add(*fee))
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
            privacy_notice_version,
        };
        let delegates: Vec<DelegateRow> = priced
            .into_iter()
            .zip(&room_bookings)
            .enumerate()
            .map(|(i, (d, room))| DelegateRow {
                id: DelegateId::new(),
                registration_id: registration_id.clone(),
                conference_id: conference.id.clone(),
                position: i as i32,
                name: d.person.name,
                email_key: d.person.email.normalised(),
                region: d
                    .person
                    .region
                    .map_or_else(|| organisation.region.clone(), |r| r.into_inner()),
                duplicate_allowed: duplicates.contains(&i),
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
                room_block_id: room.as_ref().map(|r| r.room_block_id.clone()),
                room_arrival: room.as_ref().map(|r| r.stay.arrival),
                room_departure: room.as_ref().map(|r| r.stay.departure),
                room_fee_minor: room.as_ref().map_or(0, |r| r.fee.minor()),
                pass_kind: d.pass_kind.code,
                votes: d.pass_kind.votes,
            })
            .collect();
        store::insert(conn, &row, &delegates).map_err(person_taken)?;
        if !duplicates.is_empty() {
            audit::log(
                conn,
                &ctx.actor.user_id,
                AuditAction::DuplicateAllowed,
                Subject {
                    conference_id: Some(&conference.id),
                    organisation_id: Some(&organisation.id),
                    subject_id: Some(registration_id.as_str()),
                },
                json!({"delegates": duplicates.iter().map(|i| delegates[*i].id.clone()).collect::<Vec<_>>()}),
                ts,
            )?;
        }
        let registration = Registration { row, delegates };
        notice(&conference, &organisation, &registration, ts).registered(conn, &ctx.settings)?;
        for room in room_bookings.iter().flatten() {
            rooms::ops::book(conn, room)?;
        }
        capacity::reserve(conn, &conference.id, places, dinners)?;
        entitlements::ops::take(
            conn,
            ctx,
            Taking {
                conference_id: &conference.id,
                organisation_id: &organisation.id,
                registration_id: &registration.row.id,
                asked: voting,
                entitlement_override: self.entitlement_override,
            },
        )?;
        if registration.row.payment_method == PaymentMethod::Invoice {
            invoices::ops::issue(
                conn,
                ctx,
                &Billed {
                    conference: &conference,
                    organisation: &organisation,
                    registration: &registration,
                },
            )?;
        }
        Ok(registration)
    }
}

/// A person who already holds a place at the conference, found before
/// anything is written: in the request, or among its active delegates.
#[derive(Debug)]
struct Repeated {
    /// Positions (in the request) of the people who already hold a place.
    positions: Vec<usize>,
    detail: String,
}

/// Finds anyone in `people` who already holds a place at the conference
/// (the same email, however typed) or who appears twice in the request;
/// `except` is a place being handed to someone else. The detail names the
/// person as the request named them and leaves the other registration
/// unnamed.
fn repeated_people(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    people: &[&Person],
    except: Option<&DelegateId>,
) -> Result<Option<Repeated>, Error> {
    let keys: Vec<String> = people.iter().map(|p| p.email.normalised()).collect();
    let present = store::people_present(conn, conference_id, &keys, except)?;
    let mut positions: Vec<usize> = (0..keys.len())
        .filter(|i| present.iter().any(|(k, _)| *k == keys[*i]))
        .collect();
    let mut detail = positions.first().map(|i| {
        format!(
            "{} ({}) is already registered for this conference",
            people[*i].name, people[*i].email
        )
    });
    if let Some((earlier, later)) = rules::repeated_person(people) {
        positions.push(later);
        detail.get_or_insert_with(|| {
            format!(
                "{} ({}) is named twice in this registration (delegates {} and {})",
                people[later].name,
                people[later].email,
                earlier + 1,
                later + 1
            )
        });
    }
    Ok(detail.map(|detail| Repeated { positions, detail }))
}

/// A person holds one place at a conference unless staff allow a second:
/// refuses a repeated person, or (staff asking) returns the positions to
/// mark as allowed duplicates.
fn allowed_duplicates(
    ctx: &Ctx,
    duplicate_override: bool,
    repeated: Option<Repeated>,
) -> Result<Vec<usize>, Error> {
    let Some(repeated) = repeated else {
        return Ok(Vec::new());
    };
    if !duplicate_override {
        return Err(Error::Conflict(format!(
            "{}; a person holds one place at a conference{}",
            repeated.detail,
            if ctx.actor.is_staff() {
                " (staff may allow a second with duplicate_override)"
            } else {
                ""
            }
        )));
    }
    if !ctx.actor.is_staff() {
        return Err(Error::Forbidden("Only staff may register a person twice."));
    }
    Ok(repeated.positions)
}

/// The unique index behind [`repeated_people`], for a race between two
/// requests that both passed the check.
fn person_taken(e: diesel::result::Error) -> Error {
    if crate::db::is_unique_violation(&e) {
        Error::Conflict(
            "a delegate of this request is already registered for this conference".into(),
        )
    } else {
        e.into()
    }
}

/// A payment and the registration as it stands after it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payment {
    pub row: PaymentRow,
    pub registration: Registration,
}

/// A payment received against a registration (staff); the organisation's
/// contact is emailed a receipt. Refused when nothing is due, and above
/// the balance due unless staff record an overpayment on purpose
/// (audited). One conditional update takes the payment, so concurrent
/// payments never pay more than is due.
#[derive(Debug, Serialize)]
pub struct RecordPayment {
    pub registration_id: RegistrationId,
    pub amount: Money,
    pub method: PaymentChannel,
    /// Cheque number, transfer reference or payment id.
    pub reference: String,
    /// More than the balance due, on purpose.
    pub overpayment: bool,
}

impl Command for RecordPayment {
    type Output = Payment;
    const NAME: &'static str = "record_payment";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Payment, Error> {
        ctx.actor.require_staff()?;
        let now = ctx.now.naive_utc();
        let before = store::get(conn, &self.registration_id)?.ok_or(Error::NotFound)?;
        let amount = self.amount.minor();
        if !store::take_payment(conn, &self.registration_id, amount, self.overpayment, now)? {
            let r = store::get(conn, &self.registration_id)?.ok_or(Error::NotFound)?;
            let due = Money::from_minor(r.row.total_minor - r.row.amount_paid_minor);
            let currency = &r.row.currency;
            return Err(if due <= Money::ZERO {
                Error::Conflict(format!(
                    "Nothing is due on registration {}: the balance is {due} {currency}.",
                    r.row.reference
                ))
            } else {
                Error::validation(
                    "amount",
                    format!(
                        "is more than the balance due ({due} {currency}); to record an \
                         overpayment on purpose, set overpayment to true"
                    ),
                )
            });
        }
        let over = amount > before.row.total_minor - before.row.amount_paid_minor;
        let row = PaymentRow {
            id: PaymentId::new(),
            registration_id: self.registration_id.clone(),
            amount_minor: amount,
            method: self.method,
            reference: self.reference,
            recorded_by: ctx.actor.user_id.clone(),
            created_at: now,
            kind: PaymentKind::Payment,
        };
        store::insert_payment(conn, &row)?;
        let (registration, organisation) = reload(conn, &self.registration_id)?;
        if over {
            audit::log(
                conn,
                &ctx.actor.user_id,
                AuditAction::OverpaymentRecorded,
                Subject {
                    conference_id: Some(&registration.row.conference_id),
                    organisation_id: Some(&registration.row.organisation_id),
                    subject_id: Some(row.id.as_str()),
                },
                json!({
                    "registration_id": registration.row.id,
                    "amount": self.amount.to_string(),
                    "balance_after": Money::from_minor(
                        registration.row.total_minor - registration.row.amount_paid_minor
                    ).to_string(),
                }),
                now,
            )?;
        }
        let conference = conferences::ops::get(conn, &registration.row.conference_id)?;
        let receipt = invoices::ops::receipt(
            &ctx.settings,
            &conference,
            &organisation,
            &registration,
            &row,
        );
        notice(&conference, &organisation, &registration, now).payment_received(
            conn,
            self.amount,
            self.method.as_str(),
            receipt,
        )?;
        Ok(Payment { row, registration })
    }
}

/// Money returned to an organisation whose registration is in credit
/// (staff): never more than the credit, so a full refund brings the
/// registration from `refund_due` to `paid`. Audited; the organisation's
/// contact is emailed a refund receipt. One conditional update takes the
/// refund, so concurrent refunds never return more than was overpaid.
#[derive(Debug, Serialize)]
pub struct RecordRefund {
    pub registration_id: RegistrationId,
    pub amount: Money,
    pub method: PaymentChannel,
    /// The transfer reference or cheque number of the money sent back.
    pub reference: String,
}

impl Command for RecordRefund {
    type Output = Payment;
    const NAME: &'static str = "record_refund";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Payment, Error> {
        ctx.actor.require_staff()?;
        let now = ctx.now.naive_utc();
        let amount = self.amount.minor();
        if !store::take_refund(conn, &self.registration_id, amount, now)? {
            let r = store::get(conn, &self.registration_id)?.ok_or(Error::NotFound)?;
            let credit = Money::from_minor(r.row.amount_paid_minor - r.row.total_minor);
            let currency = &r.row.currency;
            return Err(if credit <= Money::ZERO {
                Error::Conflict(format!(
                    "No refund is due on registration {}: it is not in credit (balance {} {currency}).",
                    r.row.reference,
                    Money::from_minor(r.row.total_minor - r.row.amount_paid_minor)
                ))
            } else {
                Error::validation(
                    "amount",
                    format!("is more than the credit on this registration ({credit} {currency})"),
                )
            });
        }
        let row = PaymentRow {
            id: PaymentId::new(),
            registration_id: self.registration_id.clone(),
            amount_minor: amount,
            method: self.method,
            reference: self.reference,
            recorded_by: ctx.actor.user_id.clone(),
            created_at: now,
            kind: PaymentKind::Refund,
        };
        store::insert_payment(conn, &row)?;
        let (registration, organisation) = reload(conn, &self.registration_id)?;
        audit::log(
            conn,
            &ctx.actor.user_id,
            AuditAction::RefundRecorded,
            Subject {
                conference_id: Some(&registration.row.conference_id),
                organisation_id: Some(&registration.row.organisation_id),
                subject_id: Some(row.id.as_str()),
            },
            json!({
                "registration_id": registration.row.id,
                "amount": self.amount.to_string(),
                "method": self.method,
                "credit_after": Money::from_minor(
                    registration.row.amount_paid_minor - registration.row.total_minor
                ).to_string(),
            }),
            now,
        )?;
        let conference = conferences::ops::get(conn, &registration.row.conference_id)?;
        let receipt = invoices::ops::receipt(
            &ctx.settings,
            &conference,
            &organisation,
            &registration,
            &row,
        );
        notice(&conference, &organisation, &registration, now).refund_recorded(
            conn,
            self.amount,
            self.method.as_str(),
            receipt,
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
/// staff at any time. The newcomer must not already hold a place (staff
/// may allow it). Audited; the new delegate is emailed; CAC nominations of
/// the person who left are withdrawn.
#[derive(Debug, Serialize)]
pub struct Substitute {
    pub delegate_id: DelegateId,
    pub person: Person,
    /// Staff only: the newcomer already holds another place (audited).
    pub duplicate_override: bool,
}

impl Command for Substitute {
    type Output = DelegateRow;
    const NAME: &'static str = "substitute";

    fn grouped(&self) -> Option<String> {
        Some(String::new())
    }

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<DelegateRow, Error> {
        let (d, r) = delegate_for(conn, &ctx.actor, &self.delegate_id)?;
        let conference =
            conferences::store::lock_and_get(conn, &r.row.conference_id)?.ok_or(Error::NotFound)?;
        let closed = deadlines::check_substitution(
            ctx.now,
            conference.spec.timezone,
            conference.spec.starts_on,
        );
        let late = match closed {
            Ok(()) => false,
            Err(e) if !ctx.actor.is_staff() => return Err(Error::DeadlinePassed(e.to_string())),
            Err(_) => true,
        };
        if d.status != DelegateStatus::Active {
            return Err(Error::Conflict("The delegate has been cancelled.".into()));
        }
        let repeated = repeated_people(conn, &conference.id, &[&self.person], Some(&d.id))?;
        let duplicate = !allowed_duplicates(ctx, self.duplicate_override, repeated)?.is_empty();
        let organisation =
            organisations::store::get(conn, &r.row.organisation_id)?.ok_or(Error::NotFound)?;
        let now = ctx.now.naive_utc();
        let p = &self.person;
        let email_key = p.email.normalised();
        let region = p
            .region
            .as_ref()
            .map_or(organisation.region.as_str(), |r| r.as_str());
        let occupant = store::Occupant {
            name: &p.name,
            email: p.email.as_str(),
            email_key: &email_key,
            dietary_requirements: &p.dietary_requirements,
            access_requirements: &p.access_requirements,
            region,
            duplicate_allowed: duplicate,
        };
        if store::substitute(conn, &d.id, &occupant, now).map_err(person_taken)? == 0 {
            return Err(Error::Conflict("The delegate has been cancelled.".into()));
        }
        let mut detail = json!({"registration_id": r.row.id});
        if duplicate {
            detail["duplicate_allowed"] = json!(true);
        }
        if late {
            detail["late_override"] = json!(true);
            audit_delegate(
                conn,
                ctx,
                AuditAction::LateOverride,
                &r,
                &d,
                json!({"registration_id": r.row.id, "deadline": "substitution", "action": "substitution"}),
            )?;
        }
        audit_delegate(conn, ctx, AuditAction::DelegateSubstituted, &r, &d, detail)?;
        if email_key != d.email_key {
            submissions::ops::candidate_left(conn, ctx, &conference, &d.id)?;
        }
        let d = store::get_delegate(conn, &d.id)?.ok_or(Error::NotFound)?;
        let registration = store::get(conn, &r.row.id)?.ok_or(Error::NotFound)?;
        notice(&conference, &organisation, &registration, now).substituted(
            conn,
            &d,
            &ctx.settings,
        )?;
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

    fn grouped(&self) -> Option<String> {
        Some(String::new())
    }

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Registration, Error> {
        let (d, r) = delegate_for(conn, &ctx.actor, &self.delegate_id)?;
        let conference =
            conferences::store::lock_and_get(conn, &r.row.conference_id)?.ok_or(Error::NotFound)?;
        let outcome = enforce(
            conn,
            ctx,
            &conference,
            &r.row.organisation_id,
            Attempt {
                key: DeadlineKey::Registration,
                late_override: ctx.actor.is_staff(),
                action: "cancellation",
            },
        )?;
        let now = ctx.now.naive_utc();
        if store::cancel(conn, &d.id, now)? == 0 {
            return Err(Error::Conflict("The delegate is already cancelled.".into()));
        }
        capacity::release(conn, &conference.id, 1, u32::from(d.dinner))?;
        if d.votes {
            entitlements::ops::release(conn, &conference.id, &r.row.organisation_id)?;
        }
        if let (Some(block), Some(arrival), Some(departure)) =
            (&d.room_block_id, d.room_arrival, d.room_departure)
        {
            rooms::ops::free(conn, block, Stay { arrival, departure })?;
        }
        store::adjust_money(conn, &r.row.id, -d.charged_minor(), 0, now)?;
        audit_delegate(
            conn,
            ctx,
            AuditAction::DelegateCancelled,
            &r,
            &d,
            json!({
                "registration_id": r.row.id,
                "fee": Money::from_minor(d.charged_minor()).to_string(),
                "late_override": outcome == DeadlineOutcome::Overridden,
            }),
        )?;
        submissions::ops::candidate_left(conn, ctx, &conference, &d.id)?;
        let (registration, organisation) = reload(conn, &r.row.id)?;
        notice(&conference, &organisation, &registration, now).cancelled(conn, &d)?;
        invoices::ops::credit_cancellation(
            conn,
            ctx,
            &Billed {
                conference: &conference,
                organisation: &organisation,
                registration: &registration,
            },
            &d,
        )?;
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

/// An organisation's registrations across every conference, newest first
/// (`limit + 1` rows): its own users see theirs, staff any organisation's,
/// another organisation none.
pub fn of_organisation(
    conn: &mut DbConnection,
    actor: &Actor,
    organisation_id: &OrganisationId,
    limit: i64,
    cursor: Option<&RegistrationId>,
) -> Result<Vec<Registration>, Error> {
    if !actor.may_act_for(organisation_id) {
        return Ok(Vec::new());
    }
    Ok(store::of_organisation(
        conn,
        organisation_id,
        limit,
        cursor,
    )?)
}

/// A registration's payments, oldest first: staff, or the organisation
/// that made it (not found for anyone else).
pub fn payments(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &RegistrationId,
) -> Result<Vec<PaymentRow>, Error> {
    get(conn, actor, id)?;
    Ok(store::payments_of(conn, id)?)
}

/// Which of a conference's payments and refunds to list: recorded from
/// one day to another (both included, in the conference's zone), by one
/// method.
#[derive(Debug, Clone, Default)]
pub struct PaymentsFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub method: Option<PaymentChannel>,
}

/// A page of a conference's payments and refunds, and what all those the
/// filter selects add up to.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub conference: Conference,
    /// Oldest first; `limit + 1` rows (every row without a limit).
    pub entries: Vec<LedgerEntry>,
    pub totals: MoneyMoved,
}

/// A conference's payments and refunds, oldest first (the order of a bank
/// statement), after `cursor`: staff only.
pub fn ledger(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    filter: &PaymentsFilter,
    limit: Option<i64>,
    cursor: Option<&PaymentId>,
) -> Result<Ledger, Error> {
    actor.require_staff()?;
    let conference = conferences::ops::get(conn, conference_id)?;
    let (from, before) = rules::days_window(filter.from, filter.to, conference.spec.timezone);
    let window = LedgerFilter {
        from,
        before,
        method: filter.method,
    };
    let entries = store::ledger(conn, conference_id, &window, limit, cursor)?;
    let totals = MoneyMoved::of(store::ledger_amounts(conn, conference_id, &window)?);
    Ok(Ledger {
        conference,
        entries,
        totals,
    })
}

/// A delegate and their registration, for the actor allowed to act on them
/// (not found otherwise): what a substitution or cancellation would touch.
pub fn delegate(
    conn: &mut DbConnection,
    actor: &Actor,
    delegate_id: &DelegateId,
) -> Result<(DelegateRow, Registration), Error> {
    delegate_for(conn, actor, delegate_id)
}
