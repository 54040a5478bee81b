//! The email outbox, for staff: what was sent, what is waiting, what failed.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::Staff;
use super::pagination::{Page, PageQuery};
use crate::app::AppState;
use crate::email::outbox::{self, ListFilter, OutboxRow, Status};

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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    _staff: Staff,
    page: web::Query<PageQuery>,
    filter: web::Query<OutboxFilter>,
) -> ApiResult<web::Json<Page<OutboxEmailView>>> {
    let (limit, cursor) = page.parse()?;
    let filter = filter.into_inner();
    let conference_id = match filter.conference_id {
        None => None,
        Some(id) => Some(
            uuid::Uuid::parse_str(&id)
                .map_err(|_| ApiError::validation("conference_id", "must be a UUID"))?
                .to_string(),
        ),
    };
    let filter = ListFilter {
        status: filter.status,
        conference_id,
    };
    let rows = state
        .db(move |conn| Ok(outbox::list(conn, &filter, limit, cursor.as_deref())?))
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
    params(("id" = String, Path, format = Uuid, description = "Email id")),
    responses(
        (status = 200, body = OutboxEmailView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/outbox/{id}/retry")]
pub async fn retry_email(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<String>,
) -> ApiResult<web::Json<OutboxEmailView>> {
    let id = uuid::Uuid::parse_str(&path.into_inner())
        .map_err(|_| ApiError::NotFound)?
        .to_string();
    let now = state.now().naive_utc();
    let row = state
        .tx(move |conn| {
            let row = outbox::get(conn, &id)?.ok_or(ApiError::NotFound)?;
            if !outbox::retry(conn, &id, now)? {
                return Err(ApiError::Conflict(format!(
                    "Only a failed email can be retried; this one is {}.",
                    row.status()
                )));
            }
            outbox::get(conn, &id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(web::Json(row.into()))
}
