//! Invoice operations: an invoice issued with an invoice-paid registration
//! (or on request by staff), a credit note when a cancellation lowers an
//! invoiced total, receipts for payments; listing and reading them.

use serde::Serialize;
use serde_json::json;

use super::rules::{self, InvoiceKind, Place};
use super::store::{self, InvoiceRow};
use crate::audit::{self, AuditAction, Subject};
use crate::conferences::{self, Conference};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::deadlines::rules::local_date;
use crate::documents::{DocumentKind, InvoiceDocument, Issuer, Line, ReceiptDocument};
use crate::email::notify;
use crate::ids::{InvoiceId, RegistrationId};
use crate::ops::{Actor, Command, Ctx, Error};
use crate::organisations::{self, OrganisationRow};
use crate::registrations::rules::{DelegateStatus, PaymentKind};
use crate::registrations::{DelegateRow, PaymentRow, Registration};
use crate::values::money::Money;

/// The party issuing documents, from the settings.
pub fn issuer(settings: &Settings) -> Issuer {
    Issuer {
        name: settings.invoice_party_name.clone(),
        address: settings.invoice_party_address.trim().to_owned(),
        payment_details: settings.invoice_payment_details.trim().to_owned(),
    }
}

fn tier_name(conference: &Conference, code: &str) -> String {
    conference
        .spec
        .prices
        .tiers()
        .iter()
        .find(|t| t.code == code)
        .map_or_else(|| code.to_owned(), |t| t.name.clone())
}

fn place<'a>(conference: &'a Conference, d: &'a DelegateRow) -> Place<'a> {
    Place {
        name: &d.name,
        pass: conference.spec.prices.kind_name(&d.pass_kind),
        pass_fee: Money::from_minor(d.pass_fee_minor),
        dinner: d.dinner,
        dinner_fee: Money::from_minor(d.dinner_fee_minor),
        room: d
            .room_arrival
            .zip(d.room_departure)
            .map(|(a, b)| ((b - a).num_days(), Money::from_minor(d.room_fee_minor))),
    }
}

/// Who an invoice is about.
pub struct Billed<'a> {
    pub conference: &'a Conference,
    pub organisation: &'a OrganisationRow,
    pub registration: &'a Registration,
}

/// Numbers, stores and emails a document in the caller's transaction.
fn store_and_send(
    conn: &mut DbConnection,
    ctx: &Ctx,
    b: &Billed<'_>,
    kind: InvoiceKind,
    credits: Option<&InvoiceRow>,
    document: impl FnOnce(String) -> InvoiceDocument,
) -> Result<InvoiceRow, Error> {
    let number = store::next_number(conn, &b.conference.id, kind)?;
    let document = document(kind.label(number));
    let row = InvoiceRow {
        id: InvoiceId::new(),
        conference_id: b.conference.id.clone(),
        registration_id: b.registration.row.id.clone(),
        organisation_id: b.organisation.id.clone(),
        kind,
        number,
        credits_invoice_id: credits.map(|c| c.id.clone()),
        currency: document.currency.clone(),
        total_minor: document.total.minor(),
        issued_on: document.issued_on,
        due_on: document.due_on,
        document: serde_json::to_string(&document)
            .map_err(|e| Error::Internal(anyhow::anyhow!("invoice document: {e}")))?,
        created_by: ctx.actor.user_id.clone(),
        created_at: ctx.now.naive_utc(),
    };
    store::insert(conn, &row)?;
    notify::Context {
        conference: b.conference,
        organisation: b.organisation,
        registration: b.registration,
        now: ctx.now.naive_utc(),
    }
    .invoice(conn, document)?;
    Ok(row)
}

/// An invoice for the registration as it stands (its active places),
/// issued today in the conference's zone; the organisation is emailed it.
pub fn issue(conn: &mut DbConnection, ctx: &Ctx, b: &Billed<'_>) -> Result<InvoiceRow, Error> {
    let spec = &b.conference.spec;
    let issued_on = local_date(ctx.now, spec.timezone);
    let tier = tier_name(b.conference, &b.registration.row.tier_code);
    let places: Vec<Place<'_>> = b
        .registration
        .delegates
        .iter()
        .filter(|d| d.status == DelegateStatus::Active)
        .map(|d| place(b.conference, d))
        .collect();
    let lines = rules::lines(&places, &tier);
    let total = Money::from_minor(b.registration.row.total_minor);
    let paid = Money::from_minor(b.registration.row.amount_paid_minor);
    store_and_send(conn, ctx, b, InvoiceKind::Invoice, None, |number| {
        InvoiceDocument {
            kind: DocumentKind::Invoice,
            number,
            issuer: issuer(&ctx.settings),
            organisation_name: b.organisation.name.clone(),
            billing_address: b.organisation.billing_address.clone(),
            conference_name: spec.name.clone(),
            reference: b.registration.row.reference.clone(),
            lines,
            currency: b.registration.row.currency.clone(),
            total,
            amount_paid: Some(paid),
            balance: Some(total.checked_sub(paid).unwrap_or(Money::ZERO)),
            issued_on,
            due_on: Some(rules::due_on(
                issued_on,
                ctx.settings.invoice_due_days,
                spec.starts_on,
            )),
            credits: None,
        }
    })
}

/// After a place is cancelled: a credit note against the registration's
/// latest invoice for the place's fee (no more than the invoice has left
/// uncredited), emailed to the organisation. None when nothing was
/// invoiced.
pub fn credit_cancellation(
    conn: &mut DbConnection,
    ctx: &Ctx,
    b: &Billed<'_>,
    cancelled: &DelegateRow,
) -> Result<Option<InvoiceRow>, Error> {
    let documents = store::of_registration(conn, &b.registration.row.id)?;
    let Some(invoice) = documents
        .iter()
        .find(|d| d.kind == InvoiceKind::Invoice)
        .cloned()
    else {
        return Ok(None);
    };
    let credited = documents
        .iter()
        .filter(|d| d.credits_invoice_id.as_ref() == Some(&invoice.id))
        .map(|d| d.total_minor)
        .sum();
    let Some(amount) = rules::credit(
        Money::from_minor(cancelled.charged_minor()),
        Money::from_minor(invoice.total_minor),
        Money::from_minor(credited),
    ) else {
        return Ok(None);
    };
    let tier = tier_name(b.conference, &b.registration.row.tier_code);
    let mut lines: Vec<Line> = rules::lines(&[place(b.conference, cancelled)], &tier)
        .into_iter()
        .map(|l| Line {
            description: format!("Cancelled: {}", l.description),
            ..l
        })
        .collect();
    if rules::total(&lines) != Some(amount) {
        lines = vec![Line {
            description: format!("Cancelled: {}'s place (rest of invoice)", cancelled.name),
            tier,
            amount,
        }];
    }
    let spec = &b.conference.spec;
    let credits = invoice.kind.label(invoice.number);
    store_and_send(
        conn,
        ctx,
        b,
        InvoiceKind::CreditNote,
        Some(&invoice),
        |number| InvoiceDocument {
            kind: DocumentKind::CreditNote,
            number,
            issuer: issuer(&ctx.settings),
            organisation_name: b.organisation.name.clone(),
            billing_address: b.organisation.billing_address.clone(),
            conference_name: spec.name.clone(),
            reference: b.registration.row.reference.clone(),
            lines,
            currency: b.registration.row.currency.clone(),
            total: amount,
            amount_paid: None,
            balance: None,
            issued_on: local_date(ctx.now, spec.timezone),
            due_on: None,
            credits: Some(credits),
        },
    )
    .map(Some)
}

/// A receipt for a payment or refund just recorded.
pub fn receipt(
    settings: &Settings,
    conference: &Conference,
    organisation: &OrganisationRow,
    registration: &Registration,
    payment: &PaymentRow,
) -> ReceiptDocument {
    let total = Money::from_minor(registration.row.total_minor);
    let paid = Money::from_minor(registration.row.amount_paid_minor);
    ReceiptDocument {
        refund: payment.kind == PaymentKind::Refund,
        issuer: issuer(settings),
        organisation_name: organisation.name.clone(),
        conference_name: conference.spec.name.clone(),
        reference: registration.row.reference.clone(),
        received_on: payment
            .created_at
            .and_utc()
            .with_timezone(&conference.spec.timezone)
            .date_naive(),
        amount: Money::from_minor(payment.amount_minor),
        method: payment.method.as_str().replace('_', " "),
        payment_reference: payment.reference.clone(),
        currency: registration.row.currency.clone(),
        total,
        amount_paid: paid,
        balance: total.checked_sub(paid).unwrap_or(Money::ZERO),
    }
}

/// An invoice for a registration on request (staff), for one paid by any
/// method; refused when it already has one (its credit notes follow
/// cancellations). Audited.
#[derive(Debug, Serialize)]
pub struct IssueInvoice {
    pub registration_id: RegistrationId,
}

impl Command for IssueInvoice {
    type Output = InvoiceRow;
    const NAME: &'static str = "issue_invoice";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<InvoiceRow, Error> {
        ctx.actor.require_staff()?;
        let registration = crate::registrations::store::get(conn, &self.registration_id)?
            .ok_or(Error::NotFound)?;
        if let Some(existing) = store::of_registration(conn, &registration.row.id)?
            .into_iter()
            .find(|d| d.kind == InvoiceKind::Invoice)
        {
            return Err(Error::Conflict(format!(
                "Registration {} already has invoice {}.",
                registration.row.reference,
                existing.kind.label(existing.number)
            )));
        }
        let conference = conferences::ops::get(conn, &registration.row.conference_id)?;
        let organisation = organisations::store::get(conn, &registration.row.organisation_id)?
            .ok_or(Error::NotFound)?;
        let row = issue(
            conn,
            ctx,
            &Billed {
                conference: &conference,
                organisation: &organisation,
                registration: &registration,
            },
        )?;
        audit::log(
            conn,
            &ctx.actor.user_id,
            AuditAction::InvoiceIssued,
            Subject {
                conference_id: Some(&conference.id),
                organisation_id: Some(&organisation.id),
                subject_id: Some(row.id.as_str()),
            },
            json!({"registration_id": registration.row.id, "number": row.number}),
            ctx.now.naive_utc(),
        )?;
        Ok(row)
    }
}

/// A registration's invoices and credit notes, newest first: staff, or the
/// organisation that made it (not found for others).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    registration_id: &RegistrationId,
) -> Result<Vec<InvoiceRow>, Error> {
    let registration =
        crate::registrations::store::get(conn, registration_id)?.ok_or(Error::NotFound)?;
    if !actor.may_act_for(&registration.row.organisation_id) {
        return Err(Error::NotFound);
    }
    Ok(store::of_registration(conn, &registration.row.id)?)
}

/// What an invoice or credit note prints: staff, or its organisation
/// (not found for others).
pub fn document(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &InvoiceId,
) -> Result<InvoiceDocument, Error> {
    let row = store::get(conn, id)?.ok_or(Error::NotFound)?;
    if !actor.may_act_for(&row.organisation_id) {
        return Err(Error::NotFound);
    }
    serde_json::from_str(&row.document)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored invoice {id}: {e}")))
}
