//! `/staff/conferences/{id}/payments`: a conference's payments and
//! refunds, oldest first as on a bank statement, with their totals and the
//! CSV for reconciliation (`payments.csv`, served here with the staff
//! session by the same export operation as the API's download).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::downloads::csv_download;
use crate::exports::ops as exports;
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::registrations::ops::{self as registrations, PaymentsFilter};
use crate::registrations::rules::PaymentKind;
use crate::values::money::Money;
use crate::web::error::PageError;
use crate::web::format;
use crate::web::pages::{render, Chrome};
use crate::web::session::{self, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/conferences/{id}/payments", web::get().to(page))
        .route(
            "/staff/conferences/{id}/payments.csv",
            web::get().to(payments_csv),
        );
}

/// Payments and refunds shown on the page (the oldest); the CSV has all.
const PAGE: i64 = 500;

pub struct Line {
    pub when: String,
    pub registration_id: String,
    pub reference: String,
    pub organisation: String,
    pub refund: bool,
    pub method: &'static str,
    pub payment_reference: String,
    pub amount: String,
    pub recorded_by: String,
}

#[derive(Template)]
#[template(path = "web/staff/payments.html")]
struct PaymentsPage {
    chrome: Chrome,
    id: String,
    conference: String,
    lines: Vec<Line>,
    more: bool,
    payments: String,
    refunds: String,
    net: String,
}

/// The conference's payments page (role `finance`).
async fn page(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Finance>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id.into_inner());
    let ledger = state
        .db(move |conn| {
            registrations::ledger(
                conn,
                &actor,
                &conference_id,
                &PaymentsFilter::default(),
                Some(PAGE),
                None,
            )
        })
        .await?;
    let c = &ledger.conference;
    let tz = c.spec.timezone;
    let currency = c.spec.currency.as_str();
    let more = ledger.entries.len() as i64 > PAGE;
    let lines = ledger
        .entries
        .iter()
        .take(PAGE as usize)
        .map(|e| {
            let p = &e.payment;
            Line {
                when: format::instant(p.created_at.and_utc(), tz),
                registration_id: p.registration_id.to_string(),
                reference: e.booking_reference.clone(),
                organisation: e.organisation_name.clone(),
                refund: p.kind == PaymentKind::Refund,
                method: format::payment_channel(p.method),
                payment_reference: p.reference.clone(),
                amount: format::money(Money::from_minor(p.signed_minor()), &e.currency),
                recorded_by: e.recorded_by_name.clone(),
            }
        })
        .collect();
    render(&PaymentsPage {
        chrome: Chrome::signed_in("Payments", &session),
        id: c.id.to_string(),
        conference: c.spec.name.clone(),
        lines,
        more,
        payments: format::money(ledger.totals.payments, currency),
        refunds: format::money(ledger.totals.refunds, currency),
        net: format::money(ledger.totals.net(), currency),
    })
}

/// The payments CSV (role `finance`).
async fn payments_csv(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Finance>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let file = state
        .db(move |conn| {
            exports::payments_csv(
                conn,
                &actor,
                &conference_id,
                &PaymentsFilter::default(),
                now,
            )
        })
        .await?;
    Ok(csv_download(file))
}
