//! Data protection requests (staff): subject access and erasure.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::responses::{
    BadRequest, Conflict, Forbidden, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::ops::role;
use crate::ops::Error;
use crate::privacy::ops::{Erase, Erased, SubjectAccess, SubjectAccessFile};
use crate::privacy::rules::Keep;
use crate::state::AppState;
use crate::values::{self, EmailAddress, Problems};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(subject_access).service(erase);
}

/// The longest reason an erasure takes.
const REASON_MAX: usize = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubjectAccessQuery {
    /// The person's email address (compared without regard to case).
    pub email: String,
}

/// Everything Plenary holds about the person with this email address: as
/// delegate (every place, cancelled ones too, with requirements and the
/// booking's money), account, organisation contact, nominee, in emails,
/// in stored retry replies, on invoices and in the audit log. The request
/// is audited with a digest of the address and the counts found.
/// Role: `data_protection`.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(SubjectAccessQuery),
    responses(
        (status = 200, body = SubjectAccessFile),
        Unauthenticated, Forbidden, Unprocessable,
    )
)]
#[get("/subject-access")]
pub async fn subject_access(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::DataProtection>,
    query: web::Query<SubjectAccessQuery>,
) -> ApiResult<web::Json<SubjectAccessFile>> {
    let email = EmailAddress::parse(&query.email).map_err(|e| Error::validation("email", e))?;
    let file = state.run(&actor, SubjectAccess { email }).await?;
    Ok(web::Json(file))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ErasureRequest)]
pub struct ErasureBody {
    /// The person's email address.
    pub email: String,
    /// Why (kept in the audit log: write no personal data in it).
    pub reason: String,
    /// What to leave in place where the law keeps it (see the 409 answer).
    #[serde(default)]
    pub keep: Vec<Keep>,
}

/// Erase the person with this email address: names become "Erased
/// person", addresses unique undeliverable placeholders, requirements,
/// statements and email contents are removed, accounts disabled and signed
/// out, standing nominations withdrawn; fees, payments and invoices are
/// kept. 409 `conflict`, changing nothing, when the address is the billing
/// contact of an unpaid invoice: send `"keep": ["organisation_contacts"]`
/// to erase the rest. An address Plenary does not hold answers 200 with
/// every count zero. Audited with a digest of the address and the counts.
/// Role: `data_protection`.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = ErasureBody,
    responses(
        (status = 200, body = Erased),
        BadRequest, Unauthenticated, Forbidden, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/erasures")]
pub async fn erase(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    request: Authed<Staff<role::DataProtection>, ErasureBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let mut p = Problems::default();
    let email = p.take("email", EmailAddress::parse(&b.email));
    let reason = p.take("reason", values::line(&b.reason, REASON_MAX));
    p.into_result().map_err(Error::from)?;
    let mut keep = b.keep;
    keep.sort();
    keep.dedup();
    let command = Erase {
        email: email.expect("checked"),
        reason: reason.expect("checked"),
        keep,
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::OK, outcome, |e| e))
}
