//! Invoices and credit notes: listed per registration, downloaded as PDF,
//! issued on request by staff.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::extract::{Caller, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::responses::{Conflict, Forbidden, NotFound, Unauthenticated};
use crate::documents;
use crate::ids::{InvoiceId, RegistrationId};
use crate::invoices::ops::{self as invoices, IssueInvoice};
use crate::invoices::rules::InvoiceKind;
use crate::invoices::InvoiceRow;
use crate::ops::role;
use crate::state::AppState;
use crate::values::money::Money;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_invoices)
        .service(issue_invoice)
        .service(invoice_pdf);
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceView {
    #[schema(value_type = String, format = Uuid)]
    pub id: InvoiceId,
    /// Sequential per conference and kind, with no gaps.
    pub number: i32,
    /// As printed: `INV-0001`, `CN-0001`.
    #[schema(example = "INV-0001")]
    pub label: String,
    pub kind: InvoiceKind,
    #[schema(value_type = String, format = Uuid)]
    pub registration_id: RegistrationId,
    /// A credit note's invoice.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub credits_invoice_id: Option<InvoiceId>,
    pub total: Money,
    pub currency: String,
    pub issued_on: NaiveDate,
    /// When payment is due (invoices).
    pub due_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl From<InvoiceRow> for InvoiceView {
    fn from(r: InvoiceRow) -> Self {
        Self {
            label: r.kind.label(r.number),
            id: r.id,
            number: r.number,
            kind: r.kind,
            registration_id: r.registration_id,
            credits_invoice_id: r.credits_invoice_id,
            total: Money::from_minor(r.total_minor),
            currency: r.currency,
            issued_on: r.issued_on,
            due_on: r.due_on,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceList {
    /// Newest first.
    pub items: Vec<InvoiceView>,
    /// Always null: a registration's documents come in one page.
    pub next_cursor: Option<String>,
}

/// A registration's invoices and credit notes, newest first: staff, or the
/// organisation that made it (404 for others).
#[utoipa::path(
    tag = "invoices",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Registration")),
    responses((status = 200, body = InvoiceList), Unauthenticated, NotFound)
)]
#[get("/registrations/{id}/invoices")]
pub async fn list_invoices(
    state: web::Data<AppState>,
    caller: Caller<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<InvoiceList>> {
    let id = RegistrationId::from(id.into_inner());
    let rows = state
        .db(move |conn| invoices::list(conn, &caller.actor, &id))
        .await?;
    Ok(web::Json(InvoiceList {
        items: rows.into_iter().map(InvoiceView::from).collect(),
        next_cursor: None,
    }))
}

/// Issue an invoice for a registration paid by any method (staff); emailed
/// to the organisation as a PDF. 409 `conflict` when it already has one
/// (invoice-paid registrations get theirs when made).
#[utoipa::path(
    tag = "invoices",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Registration"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses((status = 201, body = InvoiceView), Unauthenticated, Forbidden, NotFound, Conflict)
)]
#[post("/registrations/{id}/invoices")]
pub async fn issue_invoice(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    Staff(actor, _): Staff<role::Finance>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let command = IssueInvoice {
        registration_id: id.into_inner().into(),
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, InvoiceView::from))
}

/// An invoice or credit note as PDF: staff, or the organisation it was
/// issued to (404 for others). It never changes once issued.
#[utoipa::path(
    tag = "invoices",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Invoice or credit note")),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>,
            headers(("Content-Disposition" = String, description = "inline; filename=\"INV-0001.pdf\""))),
        Unauthenticated, NotFound,
    )
)]
#[get("/invoices/{id}.pdf")]
pub async fn invoice_pdf(
    state: web::Data<AppState>,
    caller: Caller<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let id = InvoiceId::from(id.into_inner());
    let document = state
        .db(move |conn| invoices::document(conn, &caller.actor, &id))
        .await?;
    let file_name = document.file_name();
    let pdf = web::block(move || documents::render_invoice(&document))
        .await
        .map_err(|e| ApiError::from(crate::ops::Error::Internal(anyhow::anyhow!("{e}"))))?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{file_name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf))
}
