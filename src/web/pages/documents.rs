//! `/documents/invoices/{id}.pdf`: an invoice or credit note as PDF for a
//! signed-in browser (staff, or the organisation it was issued to; not
//! found for anyone else), by the same operation as the API's
//! `GET /api/v1/invoices/{id}.pdf`, which takes a bearer token a browser
//! does not hold. Also the links the registration pages show.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::documents;
use crate::ids::InvoiceId;
use crate::invoices::ops as invoices;
use crate::invoices::rules::InvoiceKind;
use crate::invoices::InvoiceRow;
use crate::ops::role::{self, Needs};
use crate::ops::Error;
use crate::values::money::Money;
use crate::web::error::PageError;
use crate::web::format;
use crate::web::session::{self, SignedIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/documents/invoices/{id}.pdf", web::get().to(invoice_pdf));
}

/// One invoice or credit note as a link on a registration's page.
#[derive(Debug, Clone)]
pub struct DocumentLink {
    pub href: String,
    /// `INV-0001`.
    pub label: String,
    /// "Invoice" or "Credit note".
    pub title: &'static str,
    pub issued_on: String,
    pub total: String,
}

/// A registration's invoices and credit notes, newest first, as links.
pub fn links(rows: &[InvoiceRow]) -> Vec<DocumentLink> {
    rows.iter()
        .map(|r| DocumentLink {
            href: format!("/documents/invoices/{}.pdf", r.id),
            label: r.kind.label(r.number),
            title: match r.kind {
                InvoiceKind::Invoice => "Invoice",
                InvoiceKind::CreditNote => "Credit note",
            },
            issued_on: format::short_date(r.issued_on),
            total: format::money(Money::from_minor(r.total_minor), &r.currency),
        })
        .collect()
}

async fn invoice_pdf(
    req: HttpRequest,
    session: SignedIn,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let actor = session.actor().clone();
    // Staff read invoices with the roles the API's invoice download admits.
    if actor
        .staff_roles()
        .is_some_and(|r| !r.permit_any(role::ConferenceOrFinance::ROLES))
    {
        return Err(Error::Forbidden("Invoices are for the conference and finance roles.").into());
    }
    let id = InvoiceId::from(id.into_inner());
    let document = state
        .db(move |conn| invoices::document(conn, &actor, &id))
        .await?;
    let file_name = document.file_name();
    let pdf = web::block(move || documents::render_invoice(&document))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{file_name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf))
}
