//! Money returned and money reconciled: refunds recorded against a
//! registration in credit, and a conference's payments and refunds as a
//! list and as a CSV for the bank statement (staff).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination;
use super::registrations::PaymentView;
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::exports::ops as exports;
use crate::ids::{ConferenceId, OrganisationId, PaymentId, RegistrationId, UserId};
use crate::ops::role;
use crate::registrations::ops::{self as registrations, LedgerEntry, PaymentsFilter, RecordRefund};
use crate::registrations::rules::{MoneyMoved, PaymentChannel, PaymentKind};
use crate::state::AppState;
use crate::values::money::Money;
use crate::values::{self, Problems};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(record_refund)
        .service(list_payments)
        .service(payments_csv);
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RecordRefund)]
pub struct RecordRefundBody {
    /// At most the registration's credit (amount paid minus total).
    #[schema(value_type = String, example = "45.00")]
    pub amount: String,
    /// How the money went back: the same methods as payments.
    pub method: PaymentChannel,
    /// The transfer reference or cheque number of the refund.
    pub reference: String,
}

/// Record a refund to an organisation whose registration is in credit
/// (staff, role `finance`).
///
/// Only a registration with `payment_status` `refund_due` takes a refund
/// (409 `conflict` otherwise), and never more than its credit (422 on
/// `amount`, naming the credit). A full refund brings it back to `paid`.
/// Audited; the organisation's contact is emailed a refund receipt (PDF).
/// Send an `Idempotency-Key`, so a retry never refunds twice.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Registration"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = RecordRefundBody,
    responses(
        (status = 201, body = PaymentView, description = "The refund (`kind` `refund`) and the registration after it"),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/registrations/{id}/refunds")]
pub async fn record_refund(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Finance>, RecordRefundBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let mut p = Problems::default();
    let amount = p.take("amount", Money::parse_non_negative(&b.amount));
    if amount == Some(Money::ZERO) {
        p.push("amount", "must be greater than zero");
    }
    let reference = p.take("reference", values::line(&b.reference, 200));
    p.into_result().map_err(crate::ops::Error::from)?;
    let command = RecordRefund {
        registration_id: id.into_inner().into(),
        amount: amount.expect("checked"),
        method: b.method,
        reference: reference.expect("checked"),
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, PaymentView::from))
}

/// Filters of a conference's payments; all combine.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentsQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Recorded on or after this day (`YYYY-MM-DD`, conference's zone).
    pub from: Option<String>,
    /// Recorded on or before this day (`YYYY-MM-DD`, conference's zone).
    pub to: Option<String>,
    /// `online`, `cheque`, `invoice` or `bank_transfer`.
    pub method: Option<String>,
}

fn day(p: &mut Problems, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    value.and_then(|v| {
        p.take(
            field,
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map_err(|_| "must be a date YYYY-MM-DD"),
        )
    })
}

fn parse_filter(q: &PaymentsQuery) -> Result<PaymentsFilter, ApiError> {
    let mut p = Problems::default();
    let from = day(&mut p, "from", q.from.as_deref());
    let to = day(&mut p, "to", q.to.as_deref());
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            p.push("to", "must not be before from");
        }
    }
    let method = q.method.as_deref().and_then(|m| {
        p.take(
            "method",
            PaymentChannel::parse(m).ok_or("must be online, cheque, invoice or bank_transfer"),
        )
    });
    p.into_result().map_err(crate::ops::Error::from)?;
    Ok(PaymentsFilter { from, to, method })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerEntryView {
    #[schema(value_type = String, format = Uuid)]
    pub id: PaymentId,
    pub kind: PaymentKind,
    /// The day it was recorded, in the conference's zone.
    pub date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    #[schema(value_type = String, format = Uuid)]
    pub registration_id: RegistrationId,
    #[schema(example = "PL-7K3M-9QXA")]
    pub booking_reference: String,
    #[schema(value_type = String, format = Uuid)]
    pub organisation_id: OrganisationId,
    pub organisation: String,
    pub method: PaymentChannel,
    /// Cheque number, transfer reference or payment id.
    pub reference: String,
    /// Signed: a refund is negative.
    pub amount: Money,
    pub currency: String,
    #[schema(value_type = String, format = Uuid)]
    pub recorded_by: UserId,
    /// The staff member's name.
    pub recorded_by_name: String,
}

fn entry_view(e: LedgerEntry, zone: chrono_tz::Tz) -> LedgerEntryView {
    let at = e.payment.created_at.and_utc();
    LedgerEntryView {
        amount: Money::from_minor(e.payment.signed_minor()),
        id: e.payment.id,
        kind: e.payment.kind,
        date: at.with_timezone(&zone).date_naive(),
        recorded_at: at,
        registration_id: e.payment.registration_id,
        booking_reference: e.booking_reference,
        organisation_id: e.organisation_id,
        organisation: e.organisation_name,
        method: e.payment.method,
        reference: e.payment.reference,
        currency: e.currency,
        recorded_by: e.payment.recorded_by,
        recorded_by_name: e.recorded_by_name,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MoneyTotalsView {
    pub payments: Money,
    pub refunds: Money,
    /// Payments minus refunds: with no filter, the sum of the
    /// registrations' `amount_paid`.
    pub net: Money,
}

impl From<MoneyMoved> for MoneyTotalsView {
    fn from(m: MoneyMoved) -> Self {
        Self {
            payments: m.payments,
            refunds: m.refunds,
            net: m.net(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentList {
    /// Oldest first, as on a bank statement.
    pub items: Vec<LedgerEntryView>,
    pub next_cursor: Option<String>,
    /// Of every payment and refund the filters select (all pages).
    pub totals: MoneyTotalsView,
}

/// A conference's payments and refunds, oldest first (staff, role
/// `finance`), with the totals of all those the filters select.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), PaymentsQuery),
    responses(
        (status = 200, body = PaymentList),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/payments")]
pub async fn list_payments(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Finance>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<PaymentsQuery>,
) -> ApiResult<web::Json<PaymentList>> {
    let q = query.into_inner();
    let (limit, cursor) = pagination::parse::<PaymentId>(q.limit, q.cursor.as_deref())?;
    let filter = parse_filter(&q)?;
    let conference_id = ConferenceId::from(id.into_inner());
    let ledger = state
        .db(move |conn| {
            registrations::ledger(
                conn,
                &actor,
                &conference_id,
                &filter,
                Some(limit),
                cursor.as_ref(),
            )
        })
        .await?;
    let zone = ledger.conference.spec.timezone;
    let (entries, next) = crate::ops::page(ledger.entries, limit, |e| e.payment.id.clone());
    Ok(web::Json(PaymentList {
        items: entries.into_iter().map(|e| entry_view(e, zone)).collect(),
        next_cursor: next.map(|c| c.to_string()),
        totals: ledger.totals.into(),
    }))
}

/// A conference's payments and refunds as CSV, for reconciliation against
/// the bank statement (staff, role `finance`).
///
/// Oldest first, one row per payment or refund; `amount` is signed (a
/// refund negative), so the column sums to the net received. The same
/// filters as the list (`limit` and `cursor` aside). UTF-8 with a
/// byte-order mark, RFC 4180 quoting, formula cells neutralised with `'`.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), PaymentsQuery),
    responses(
        (status = 200, description = "The payments", content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"{slug}-payments-{date}.csv\""))),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/payments.csv")]
pub async fn payments_csv(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Finance>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<PaymentsQuery>,
) -> ApiResult<HttpResponse> {
    let filter = parse_filter(&query)?;
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let file = state
        .db(move |conn| exports::payments_csv(conn, &actor, &conference_id, &filter, now))
        .await?;
    Ok(super::exports::csv_download(file))
}
