//! Data protection: subject access and erasure (staff), and each
//! conference's privacy notice (staff publish it; anyone reads it).

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::ops::Error;
use crate::privacy::notices::{self, Notice, PublishNotice};
use crate::privacy::ops::{Erase, Erased, SubjectAccess, SubjectAccessFile};
use crate::privacy::rules::Keep;
use crate::state::AppState;
use crate::values::{self, EmailAddress, Problems};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(subject_access)
        .service(erase)
        .service(publish_notice)
        .service(current_notice)
        .service(notice_version);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeBody {
    /// The notice's text: plain text, paragraphs separated by a blank line
    /// (at most 100,000 characters).
    #[schema(example = "The Co-operative Party holds each delegate's name and email …")]
    pub text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PrivacyNotice)]
pub struct NoticeView {
    #[schema(format = Uuid)]
    pub conference_id: String,
    /// 1 for the first publication, one more for each change.
    pub version: i32,
    pub text: String,
    pub published_at: DateTime<Utc>,
    /// The page that shows this version to people.
    #[schema(example = "/conferences/6f1c…/privacy-notice/1")]
    pub page: String,
}

impl From<Notice> for NoticeView {
    fn from(n: Notice) -> Self {
        Self {
            page: notices::page_path(&n.conference_id, n.version),
            conference_id: n.conference_id.to_string(),
            version: n.version,
            text: n.text,
            published_at: n.published_at,
        }
    }
}

/// Publish the conference's privacy notice: 201 with a new version when
/// the text differs from the current version's, 200 with the current
/// version when it is the same (so a repeat changes nothing). Versions
/// never change once published; registrations record the version their
/// organisation accepted. Audited (`privacy_notice_published`). Role:
/// `conference`.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    request_body = NoticeBody,
    responses(
        (status = 201, body = NoticeView, description = "A new version"),
        (status = 200, body = NoticeView, description = "The same text as the current version"),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType,
        Unprocessable,
    )
)]
#[put("/conferences/{id}/privacy-notice")]
pub async fn publish_notice(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Conference>, NoticeBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), body) = (request.who, request.body);
    let command = PublishNotice {
        conference_id: id.into_inner().into(),
        text: body.text,
    };
    let published = state.run(&actor, command).await?;
    let status = if published.new_version {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(NoticeView::from(published.notice)))
}

/// The conference's current privacy notice (404 when it has none). No
/// token needed: a secretary reads it before registering, a delegate from
/// their confirmation.
#[utoipa::path(
    tag = "privacy",
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses((status = 200, body = NoticeView), NotFound)
)]
#[get("/conferences/{id}/privacy-notice")]
pub async fn current_notice(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<NoticeView>> {
    let id = ConferenceId::from(id.into_inner());
    let notice = state.db(move |conn| notices::current(conn, &id)).await?;
    Ok(web::Json(notice.into()))
}

/// One version of the conference's privacy notice, as it was published.
#[utoipa::path(
    tag = "privacy",
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("version" = i32, Path, description = "Version"),
    ),
    responses((status = 200, body = NoticeView), NotFound)
)]
#[get("/conferences/{id}/privacy-notice/{version}")]
pub async fn notice_version(
    state: web::Data<AppState>,
    path: web::Path<(uuid::Uuid, i32)>,
) -> ApiResult<web::Json<NoticeView>> {
    let (id, version) = path.into_inner();
    let id = ConferenceId::from(id);
    let notice = state
        .db(move |conn| notices::version(conn, &id, version))
        .await?;
    Ok(web::Json(notice.into()))
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
