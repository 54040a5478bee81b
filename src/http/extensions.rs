//! Late-submission extensions and the audit log (staff).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::Staff;
use super::idempotency::{self, IdempotencyKey};
use super::pagination::{Page, PageQuery};
use crate::app::AppState;
use crate::db;
use crate::db::audit::{AuditRow, ExtensionRow, Subject};
use crate::domain::deadlines::DeadlineKey;
use crate::domain::{values, Problems};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(grant_extension)
        .service(list_extensions)
        .service(list_audit);
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantExtension {
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
            id: e.id,
            conference_id: e.conference_id,
            organisation_id: e.organisation_id,
            deadline: e.deadline,
            until: e.until,
            granted_by: e.granted_by,
            created_at: e.created_at.and_utc(),
        }
    }
}

/// Grant one organisation a later date for one deadline of a conference.
/// A new grant for the same organisation and deadline replaces the old one.
/// Audited.
#[utoipa::path(
    tag = "extensions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = ExtensionView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conferences/{id}/extensions")]
pub async fn grant_extension(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    key: IdempotencyKey,
    id: web::Path<uuid::Uuid>,
    body: web::Json<GrantExtension>,
) -> ApiResult<HttpResponse> {
    let conference_id = id.into_inner().to_string();
    let body = body.into_inner();
    let mut p = Problems::default();
    let organisation_id = p.take("organisation_id", values::uuid(&body.organisation_id));
    let until = p.take("until", values::date(&body.until));
    p.into_result()?;
    let (organisation_id, until) = (organisation_id.expect("checked"), until.expect("checked"));
    let now = state.now().naive_utc();
    let scope = format!("POST /conferences/{conference_id}/extensions");
    let actor = caller.user_id.clone();
    let deadline = body.deadline;
    idempotency::respond(
        &state,
        &caller,
        key,
        scope,
        &body,
        StatusCode::CREATED,
        move |conn| {
            let conference =
                db::conferences::get(conn, &conference_id)?.ok_or(ApiError::NotFound)?;
            if db::organisations::get(conn, &organisation_id)?.is_none() {
                return Err(ApiError::validation("organisation_id", "no such organisation"));
            }
            let own = conference.spec.deadlines.get(deadline);
            if until <= own {
                return Err(ApiError::validation(
                    "until",
                    format!("must be after the conference's {} deadline ({own})", deadline.as_str()),
                ));
            }
            let row = ExtensionRow {
                id: uuid::Uuid::now_v7().to_string(),
                conference_id: conference.id.clone(),
                organisation_id: organisation_id.clone(),
                deadline: deadline.as_str().to_owned(),
                until,
                granted_by: actor.clone(),
                created_at: now,
            };
            db::audit::grant_extension(conn, &row)?;
            db::audit::log(
                conn,
                &actor,
                "extension_granted",
                Subject {
                    conference_id: Some(&conference.id),
                    organisation_id: Some(&organisation_id),
                    subject_id: Some(&row.id),
                },
                json!({"deadline": deadline.as_str(), "until": until.to_string(), "was": own.to_string()}),
                now,
            )?;
            Ok(ExtensionView::from(row))
        },
    )
    .await
}

/// A conference's extensions, newest first (staff).
#[utoipa::path(
    tag = "extensions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), PageQuery),
    responses(
        (status = 200, body = Page<ExtensionView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/extensions")]
pub async fn list_extensions(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ExtensionView>>> {
    let (limit, cursor) = query.parse()?;
    let conference_id = id.into_inner().to_string();
    let rows = state
        .db(move |conn| {
            if db::conferences::get(conn, &conference_id)?.is_none() {
                return Err(ApiError::NotFound);
            }
            Ok(db::audit::list_extensions(
                conn,
                &conference_id,
                limit,
                cursor.as_deref(),
            )?)
        })
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
            id: a.id,
            actor_id: a.actor_id,
            action: a.action,
            conference_id: a.conference_id,
            organisation_id: a.organisation_id,
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
}

/// The audit log of staff actions, newest first (staff).
#[utoipa::path(
    tag = "extensions",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, body = Page<AuditView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditView>>> {
    let q = query.into_inner();
    let (limit, cursor) = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let conference_id = match q.conference_id {
        None => None,
        Some(c) => Some(values::uuid(&c).map_err(|e| ApiError::validation("conference_id", e))?),
    };
    let rows = state
        .db(move |conn| {
            Ok(db::audit::list(
                conn,
                conference_id.as_deref(),
                limit,
                cursor.as_deref(),
            )?)
        })
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |a| a.id.clone(),
        AuditView::from,
    )))
}
