//! The credentials desk: badges as PDF, checking delegates in, the
//! attendance list.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::exports::{parse_filter, ExportQuery};
use super::extract::{Authed, Staff};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::checkin::ops::{self as checkin, Arrival, CheckIn, Presented};
use crate::documents;
use crate::ids::{ConferenceId, DelegateId};
use crate::ops::role;
use crate::ops::Error;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(badges_pdf)
        .service(check_in)
        .service(attendance_csv);
}

fn attachment(file_name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{file_name}\""),
    )
}

/// Badges for the conference's active delegates as PDF (staff; role
/// `credentials`).
///
/// One badge per active delegate the filters select (as for the delegate
/// list; `include_cancelled` is ignored: cancelled places get no badge),
/// in the list's order, eight to an A4 sheet for perforated badge stock
/// (2 across, 4 down, 90 × 55 mm each): name, organisation, pass, a dinner
/// mark, and a QR code carrying the delegate's check-in code.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), ExportQuery),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"{slug}-badges-{date}.pdf\""))),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/badges.pdf")]
pub async fn badges_pdf(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Credentials>,
    id: web::Path<uuid::Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let filter = parse_filter(req.query_string(), &state.settings.regions)?;
    let conference_id = ConferenceId::from(id.into_inner());
    let (now, settings) = (state.now(), state.settings.clone());
    let (sheet, file_name) = state
        .db(move |conn| checkin::badges(conn, &actor, &settings, &conference_id, filter, now))
        .await?;
    let pdf = web::block(move || documents::render_badges(&sheet))
        .await
        .map_err(|e| ApiError::from(Error::Internal(anyhow::anyhow!("{e}"))))?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(attachment(&file_name))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf))
}

/// What the desk was shown: a badge's `code`, or a booking `reference`
/// with the delegate's `name`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInInput {
    /// The check-in code from the badge's QR code (58 characters; case,
    /// spaces and hyphens do not matter).
    pub code: Option<String>,
    /// A booking reference, with `name`.
    #[schema(example = "PL-7K3M-9QXA")]
    pub reference: Option<String>,
    /// The delegate's name as on the booking (case and spacing do not
    /// matter), with `reference`.
    #[schema(example = "Ada Lovelace")]
    pub name: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInView {
    #[schema(value_type = String, format = Uuid)]
    pub delegate_id: DelegateId,
    pub name: String,
    pub organisation: String,
    #[schema(example = "Delegate")]
    pub pass_kind: String,
    pub dinner: bool,
    /// When the delegate first checked in.
    pub checked_in_at: DateTime<Utc>,
}

impl From<Arrival> for CheckInView {
    fn from(a: Arrival) -> Self {
        Self {
            delegate_id: a.delegate_id,
            name: a.name,
            organisation: a.organisation,
            pass_kind: a.pass_kind,
            dinner: a.dinner,
            checked_in_at: a.checked_in_at,
        }
    }
}

/// Check a delegate in (staff; role `credentials`).
///
/// With a badge's `code`, or a booking `reference` and the delegate's
/// `name`. 201 the first time; 200 with the time of the first check-in
/// after that. 409 `conflict` for a cancelled place, or a badge printed
/// for someone since substituted out (the reason in `detail`). 422
/// `validation_failed` for a code this server did not make (field `code`),
/// or a reference or name that matches no delegate at this conference
/// (field `reference` or `name`). Of concurrent check-ins of one delegate,
/// exactly one is 201.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    request_body = CheckInInput,
    responses(
        (status = 201, description = "Checked in now", body = CheckInView),
        (status = 200, description = "Already checked in, at `checked_in_at`", body = CheckInView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/check-ins")]
pub async fn check_in(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Credentials>, CheckInInput>,
) -> ApiResult<HttpResponse> {
    let Staff(actor, _) = request.who;
    let body = request.body;
    let command = CheckIn {
        conference_id: id.into_inner().into(),
        presented: Presented::from_fields(body.code, body.reference, body.name)
            .map_err(Error::from)?,
    };
    let arrival = state.run(&actor, command).await?;
    let status = if arrival.first {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(CheckInView::from(arrival)))
}

/// Attendance as CSV (staff; role `credentials`).
///
/// Every active delegate, by organisation then name: `name`,
/// `organisation`, `pass`, `dinner`, `reference` and `checked_in_at`
/// (RFC 3339 in the conference's zone; empty for those not yet arrived).
/// UTF-8 with a byte-order mark.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"{slug}-attendance-{date}.csv\""))),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[get("/conferences/{id}/attendance.csv")]
pub async fn attendance_csv(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Credentials>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let (bytes, file_name) = state
        .db(move |conn| checkin::attendance_csv(conn, &actor, &conference_id, now))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(&file_name))
        .body(bytes))
}
