//! `/staff/conferences/{id}/downloads`: the delegate list and the dinner
//! list as CSV and Excel (with the API's filters: organisation, region,
//! dinner, payment status), the motions and the CAC nominations as CSV,
//! the badges as PDF (with the same filters) and the attendance list.
//! The files are served here with the staff session, by the same export
//! operations the API's bearer-token downloads call.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pick;
use crate::checkin::ops as checkin;
use crate::documents;
use crate::exports::ops::{self as exports, CsvFile, DelegateList};
use crate::exports::store::ExportFilter;
use crate::ids::{ConferenceId, OrganisationId};
use crate::ops::role;
use crate::registrations::rules::PaymentStatus;
use crate::state::AppState;
use crate::values::Region;
use crate::web::error::PageError;
use crate::web::fields::Problems;
use crate::web::format;
use crate::web::pages::{render, render_refused, Choice, Choices, Chrome};
use crate::web::session::{self, SignedIn, StaffUser};

const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/conferences/{id}/downloads", web::get().to(page))
        .route(
            "/staff/conferences/{id}/delegates.csv",
            web::get().to(delegates_csv),
        )
        .route(
            "/staff/conferences/{id}/delegates.xlsx",
            web::get().to(delegates_xlsx),
        )
        .route(
            "/staff/conferences/{id}/motions.csv",
            web::get().to(motions_csv),
        )
        .route(
            "/staff/conferences/{id}/cac-nominations.csv",
            web::get().to(cac_csv),
        )
        .route(
            "/staff/conferences/{id}/badges.pdf",
            web::get().to(badges_pdf),
        )
        .route(
            "/staff/conferences/{id}/attendance.csv",
            web::get().to(attendance_csv),
        );
}

#[derive(Debug, Default, Deserialize)]
struct FilterQuery {
    organisation_id: Option<String>,
    region: Option<String>,
    dinner: Option<String>,
    payment_status: Option<String>,
}

/// The filter asked for, with a problem beside each bad value.
fn parse(q: &FilterQuery, regions: &[String], problems: &mut Problems) -> ExportFilter {
    let organisation_id = match pick::value(&q.organisation_id) {
        "" => None,
        o => OrganisationId::parse(o).ok().or_else(|| {
            problems.field("organisation_id", "Choose an organisation from the list");
            None
        }),
    };
    let region = match pick::value(&q.region) {
        "" => None,
        r => Region::parse(r, regions)
            .map(Region::into_inner)
            .map_err(|_| problems.field("region", "Choose a region from the list"))
            .ok(),
    };
    let dinner = match pick::value(&q.dinner) {
        "" => None,
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            problems.field("dinner", "Choose dining, not dining or everyone");
            None
        }
    };
    let payment_status = match pick::value(&q.payment_status) {
        "" => None,
        s => PaymentStatus::parse(s).or_else(|| {
            problems.field("payment_status", "Choose a payment status from the list");
            None
        }),
    };
    ExportFilter {
        organisation_id,
        region,
        dinner,
        payment_status,
        include_cancelled: false,
    }
}

/// The query string of a filter, for the download links.
fn query_of(q: &FilterQuery, dinner: Option<&str>) -> String {
    let pairs = [
        ("organisation_id", pick::value(&q.organisation_id)),
        ("region", pick::value(&q.region)),
        ("dinner", dinner.unwrap_or(pick::value(&q.dinner))),
        ("payment_status", pick::value(&q.payment_status)),
    ];
    let set: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencoding(v)))
        .collect();
    if set.is_empty() {
        String::new()
    } else {
        format!("?{}", set.join("&"))
    }
}

/// Percent-encodes a query value.
fn urlencoding(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "web/staff/downloads.html")]
struct DownloadsPage {
    chrome: Chrome,
    problems: Problems,
    id: String,
    conference: String,
    organisation: Choices,
    region: Choices,
    dinner: Choices,
    payment_status: Choices,
    delegates_query: String,
    dinner_query: String,
    filtered: bool,
}

async fn page(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::ConferenceOrCredentials>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<FilterQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let q = query.into_inner();
    let mut problems = Problems::default();
    parse(&q, &state.settings.regions, &mut problems);
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id.into_inner());
    let (conference, organisations) = state
        .db(move |conn| {
            Ok((
                crate::conferences::ops::get(conn, &conference_id)?,
                pick::organisations(conn, &actor)?,
            ))
        })
        .await?;
    let region_value = pick::value(&q.region);
    let mut regions = vec![Choice::new("", "Any region", region_value)];
    regions.extend(
        state
            .settings
            .regions
            .iter()
            .map(|r| Choice::new(r, r, region_value)),
    );
    let dinner_value = pick::value(&q.dinner);
    let status_value = pick::value(&q.payment_status);
    let mut statuses = vec![Choice::new("", "Any", status_value)];
    statuses.extend(
        PaymentStatus::ALL
            .iter()
            .map(|s| Choice::new(s.as_str(), format::payment_status(*s), status_value)),
    );
    let title = if problems.is_empty() {
        "Downloads"
    } else {
        "Error: Downloads"
    };
    let p = DownloadsPage {
        chrome: Chrome::signed_in(title, &session),
        id: conference.id.to_string(),
        conference: conference.spec.name.clone(),
        organisation: pick::organisation_choices(
            &organisations,
            "organisation_id",
            "Organisation",
            "Every organisation",
            pick::value(&q.organisation_id),
            &problems,
        ),
        region: Choices::new("region", "Region", regions, &problems),
        dinner: Choices::new(
            "dinner",
            "Conference dinner",
            vec![
                Choice::new("", "Everyone", dinner_value),
                Choice::new("true", "Dining only", dinner_value),
                Choice::new("false", "Not dining only", dinner_value),
            ],
            &problems,
        ),
        payment_status: Choices::new("payment_status", "Payment status", statuses, &problems),
        delegates_query: query_of(&q, None),
        dinner_query: query_of(&q, Some("true")),
        filtered: !query_of(&q, None).is_empty(),
        problems,
    };
    if p.problems.is_empty() {
        render(&p)
    } else {
        render_refused(&p)
    }
}

fn attachment(file_name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{file_name}\""),
    )
}

/// The delegate list a download asks for, checked (422 for a bad filter).
async fn list_for(
    state: &AppState,
    session: &SignedIn,
    id: uuid::Uuid,
    q: &FilterQuery,
    extension: &'static str,
) -> Result<DelegateList, PageError> {
    let mut problems = Problems::default();
    let filter = parse(q, &state.settings.regions, &mut problems);
    if let Some(p) = problems.0.first() {
        return Err(PageError::Refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}.", p.message),
        ));
    }
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id);
    let now = state.now();
    Ok(state
        .db(move |conn| {
            exports::delegate_list(conn, &actor, &conference_id, filter, now, extension)
        })
        .await?)
}

async fn delegates_csv(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::ConferenceOrCredentials>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<FilterQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let list = list_for(&state, &session, id.into_inner(), &query, "csv").await?;
    let disposition = attachment(&list.file_name);
    let bytes = state
        .db(move |conn| {
            let mut all = Vec::new();
            exports::write_delegates_csv(conn, &list, |chunk| {
                all.extend(chunk);
                true
            })?;
            Ok(all)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(CSV_TYPE)
        .insert_header(disposition)
        .body(bytes))
}

async fn delegates_xlsx(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::ConferenceOrCredentials>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<FilterQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let list = list_for(&state, &session, id.into_inner(), &query, "xlsx").await?;
    let disposition = attachment(&list.file_name);
    let bytes = state
        .db(move |conn| exports::delegates_xlsx(conn, &list))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX_TYPE)
        .insert_header(disposition)
        .body(bytes))
}

pub fn csv_download(file: CsvFile) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CSV_TYPE)
        .insert_header(attachment(&file.file_name))
        .body(file.bytes)
}

async fn motions_csv(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let file = state
        .db(move |conn| exports::motions_csv(conn, &actor, &conference_id, now))
        .await?;
    Ok(csv_download(file))
}

async fn cac_csv(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let file = state
        .db(move |conn| exports::cac_nominations_csv(conn, &actor, &conference_id, now))
        .await?;
    Ok(csv_download(file))
}

/// Badges as PDF, with the page's filters (staff; role `credentials`).
async fn badges_pdf(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Credentials>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<FilterQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let mut problems = Problems::default();
    let filter = parse(&query, &state.settings.regions, &mut problems);
    if let Some(p) = problems.0.first() {
        return Err(PageError::Refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}.", p.message),
        ));
    }
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id.into_inner());
    let (now, settings) = (state.now(), state.settings.clone());
    let (sheet, file_name) = state
        .db(move |conn| checkin::badges(conn, &actor, &settings, &conference_id, filter, now))
        .await?;
    let pdf = web::block(move || documents::render_badges(&sheet))
        .await
        .map_err(|e| PageError::from(crate::ops::Error::Internal(anyhow::anyhow!("{e}"))))?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(attachment(&file_name))
        .body(pdf))
}

/// The attendance list (staff; role `credentials`).
async fn attendance_csv(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Credentials>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let (bytes, file_name) = state
        .db(move |conn| checkin::attendance_csv(conn, &actor, &conference_id, now))
        .await?;
    Ok(csv_download(CsvFile { bytes, file_name }))
}
