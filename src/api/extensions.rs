//! Late-submission extensions and the audit log (staff).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{self, Page, PageQuery};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::audit::{self, AuditAction, AuditRow, ListFilter};
use crate::deadlines::ops::{self as deadlines, ExtensionRow, GrantExtension};
use crate::deadlines::rules::DeadlineKey;
use crate::ids::{AuditId, ConferenceId, ExtensionId, OrganisationId, UserId};
use crate::ops::role;
use crate::ops::Error;
use crate::state::AppState;
use crate::values::{self, Problems};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(grant_extension)
        .service(list_extensions)
        .service(list_audit);
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = GrantExtension)]
pub struct GrantExtensionBody {
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub deadline: DeadlineKey,
    /// The organisation's new last day (inclusive, conference-local).
    #[schema(value_type = String, format = Date, example = "2016-08-29")]
    pub until: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExtensionView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub conference_id: String,
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub deadline: String,
    pub until: NaiveDate,
    #[schema(format = Uuid)]
    pub granted_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<ExtensionRow> for ExtensionView {
    fn from(e: ExtensionRow) -> Self {
        Self {
            id: e.id.to_string(),
            conference_id: e.conference_id.to_string(),
            organisation_id: e.organisation_id.to_string(),
            deadline: e.deadline.as_str().to_owned(),
            until: e.until,
            granted_by: e.granted_by.to_string(),
            created_at: e.created_at.and_utc(),
        }
    }
}

/// Grant one organisation a later date for one deadline of a conference.
/// A new grant for the same organisation and deadline replaces the old one.
/// Audited. 409 `not_open` when the conference has no such deadline.
#[utoipa::path(
    tag = "extensions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = GrantExtensionBody,
    responses(
        (status = 201, body = ExtensionView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/extensions")]
pub async fn grant_extension(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Conference>, GrantExtensionBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let mut p = Problems::default();
    let organisation_id = p.take("organisation_id", OrganisationId::parse(&b.organisation_id));
    let until = p.take("until", values::date(&b.until));
    p.into_result().map_err(Error::from)?;
    let command = GrantExtension {
        conference_id: id.into_inner().into(),
        organisation_id: organisation_id.expect("checked"),
        deadline: b.deadline,
        until: until.expect("checked"),
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, ExtensionView::from))
}

/// A conference's extensions, newest first (staff).
#[utoipa::path(
    tag = "extensions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), PageQuery),
    responses(
        (status = 200, body = Page<ExtensionView>),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/extensions")]
pub async fn list_extensions(
    state: web::Data<AppState>,
    _staff: Staff<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ExtensionView>>> {
    let (limit, cursor) = query.parse::<ExtensionId>()?;
    let conference_id = ConferenceId::from(id.into_inner());
    let rows = state
        .db(move |conn| deadlines::list(conn, &conference_id, limit, cursor.as_ref()))
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |e| e.id.clone(),
        ExtensionView::from,
    )))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    #[schema(format = Uuid)]
    pub id: String,
    /// The user who acted.
    #[schema(format = Uuid)]
    pub actor_id: String,
    /// e.g. `extension_granted`, `late_override`, `delegate_cancelled`.
    pub action: String,
    pub conference_id: Option<String>,
    pub organisation_id: Option<String>,
    pub subject_id: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<AuditRow> for AuditView {
    fn from(a: AuditRow) -> Self {
        Self {
            id: a.id.to_string(),
            actor_id: a.actor_id.to_string(),
            action: a.action.as_str().to_owned(),
            conference_id: a.conference_id.map(|c| c.to_string()),
            organisation_id: a.organisation_id.map(|o| o.to_string()),
            subject_id: a.subject_id,
            detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
            created_at: a.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Only entries about this conference.
    pub conference_id: Option<String>,
    /// Only this action, e.g. `late_override`.
    pub action: Option<String>,
    /// Only what this user did.
    pub actor_id: Option<String>,
}

/// The audit log of staff actions, newest first (staff), optionally by
/// conference, action and person.
#[utoipa::path(
    tag = "extensions",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, body = Page<AuditView>),
        Unauthenticated, Forbidden, Unprocessable,
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Admin>,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditView>>> {
    let q = query.into_inner();
    let (limit, cursor) = pagination::parse::<AuditId>(q.limit, q.cursor.as_deref())?;
    let mut p = Problems::default();
    let filter = ListFilter {
        conference_id: q
            .conference_id
            .as_deref()
            .and_then(|c| p.take("conference_id", ConferenceId::parse(c))),
        action: q.action.as_deref().and_then(|a| {
            p.take(
                "action",
                AuditAction::parse(a)
                    .ok_or_else(|| format!("must be one of: {}", AuditAction::choices())),
            )
        }),
        actor_id: q
            .actor_id
            .as_deref()
            .and_then(|u| p.take("actor_id", UserId::parse(u))),
        subjects: Vec::new(),
    };
    p.into_result().map_err(Error::from)?;
    let rows = state
        .db(move |conn| audit::list(conn, &actor, &filter, limit, cursor.as_ref()))
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |a| a.id.clone(),
        AuditView::from,
    )))
}
