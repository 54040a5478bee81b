//! The email outbox, for staff: what was sent, what is waiting, what failed.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::extract::{IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{Page, PageQuery};
use super::responses::{Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable};
use crate::email::ops::{self as outbox_ops, RetryEmail};
use crate::email::outbox::{ListFilter, OutboxRow, Status};
use crate::ids::{ConferenceId, EmailId};
use crate::ops::role;
use crate::ops::Error;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_outbox).service(retry_email);
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxFilter {
    /// Only emails in this state.
    pub status: Option<Status>,
    /// Only emails about this conference.
    #[param(value_type = Option<String>, format = Uuid)]
    pub conference_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OutboxEmailView {
    #[schema(format = Uuid)]
    pub id: String,
    /// What the email is, e.g. `registration_confirmation`.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: Status,
    /// Delivery attempts made so far.
    pub attempts: i32,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When the email is (or was) due to be tried.
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[schema(format = Uuid)]
    pub conference_id: Option<String>,
    #[schema(format = Uuid)]
    pub registration_id: Option<String>,
    #[schema(format = Uuid)]
    pub submission_id: Option<String>,
}

impl From<OutboxRow> for OutboxEmailView {
    fn from(r: OutboxRow) -> Self {
        Self {
            status: r.status(),
            id: r.id,
            kind: r.kind,
            recipient: r.recipient,
            subject: r.subject,
            attempts: r.attempts,
            last_error: r.last_error,
            next_attempt_at: r.next_attempt_at.and_utc(),
            sent_at: r.sent_at.map(|t| t.and_utc()),
            created_at: r.created_at.and_utc(),
            conference_id: r.conference_id,
            registration_id: r.registration_id,
            submission_id: r.submission_id,
        }
    }
}

/// List emails, newest first, optionally by status and conference.
#[utoipa::path(
    tag = "outbox",
    security(("bearer" = [])),
    params(PageQuery, OutboxFilter),
    responses(
        (status = 200, body = Page<OutboxEmailView>),
        Unauthenticated, Forbidden, Unprocessable,
    )
)]
#[get("/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Admin>,
    page: web::Query<PageQuery>,
    filter: web::Query<OutboxFilter>,
) -> ApiResult<web::Json<Page<OutboxEmailView>>> {
    let (limit, cursor) = page.parse::<EmailId>()?;
    let filter = filter.into_inner();
    let conference_id = filter
        .conference_id
        .map(|id| {
            ConferenceId::parse(&id)
                .map(|c| c.to_string())
                .map_err(|e| ApiError::validation("conference_id", e.to_string()))
        })
        .transpose()?;
    let filter = ListFilter {
        status: filter.status,
        conference_id,
    };
    let rows = state
        .db(move |conn| outbox_ops::list(conn, &actor, &filter, limit, cursor.as_ref()))
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |r| r.id.clone(),
        OutboxEmailView::from,
    )))
}

/// Queue a failed email again, due now. Its attempt count starts afresh,
/// so it gets the full number of attempts; `last_error` is kept until the
/// next attempt. Only a `failed` email can be retried.
#[utoipa::path(
    tag = "outbox",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Email id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 200, body = OutboxEmailView),
        Unauthenticated, Forbidden, NotFound, Conflict,
    )
)]
#[post("/outbox/{id}/retry")]
pub async fn retry_email(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Admin>,
    key: IdempotencyHeader,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = EmailId::parse(&path.into_inner()).map_err(|_| Error::NotFound)?;
    let outcome = state
        .run_once(&actor, key.0.as_ref(), RetryEmail { id })
        .await?;
    Ok(answer(StatusCode::OK, outcome, OutboxEmailView::from))
}
