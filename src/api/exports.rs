//! Staff exports: delegate lists as CSV (streamed as the query runs) and
//! XLSX, the conference summary, and the motions and CAC nominations CSVs.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use futures_util::stream::{self, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::extract::Staff;
use super::responses::{Forbidden, NotFound, Unauthenticated, Unprocessable};
use crate::exports::ops::{self as exports, CsvFile, DelegateList, ExportFilter, Summary};
use crate::exports::rules::MoneyTotals;
use crate::ids::{ConferenceId, OrganisationId};
use crate::ops::role;
use crate::ops::{Actor, Error};
use crate::registrations::rules::PaymentStatus;
use crate::state::AppState;
use crate::values::money::Money;
use crate::values::{Problems, Region};

/// CSV chunks queued between the database thread and a slow client: with
/// [`exports::CSV_CHUNK_BYTES`], what bounds the memory of an export.
const CSV_CHUNKS_QUEUED: usize = 4;
const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(delegates_csv)
        .service(delegates_xlsx)
        .service(summary)
        .service(dashboard)
        .service(export_motions)
        .service(export_cac_nominations);
}

/// Filters of a delegate export; all combine, any bad value is refused.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// One organisation's delegates.
    #[param(format = Uuid)]
    pub organisation_id: Option<String>,
    /// Delegates of organisations in this region (one of the configured regions).
    pub region: Option<String>,
    /// `true`: the dinner list; `false`: those not dining.
    pub dinner: Option<String>,
    /// `unpaid`, `part_paid`, `paid` or `refund_due` (of the registration).
    pub payment_status: Option<String>,
    /// `true`: cancelled delegates too (see the `status` column).
    pub include_cancelled: Option<String>,
}

const QUERY_PARAMS: [&str; 5] = [
    "organisation_id",
    "region",
    "dinner",
    "payment_status",
    "include_cancelled",
];

fn parse_bool(p: &mut Problems, field: &str, value: Option<&str>) -> Option<bool> {
    match value? {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            p.push(field, "must be true or false");
            None
        }
    }
}

/// The filter a query string asks for, or a 422 naming each bad parameter.
pub(super) fn parse_filter(
    query_string: &str,
    regions: &[String],
) -> Result<ExportFilter, ApiError> {
    let query = web::Query::<ExportQuery>::from_query(query_string)
        .map_err(|e| {
            let unknown = web::Query::<Vec<(String, String)>>::from_query(query_string)
                .ok()
                .and_then(|pairs| {
                    pairs
                        .into_inner()
                        .into_iter()
                        .map(|(k, _)| k)
                        .find(|k| !QUERY_PARAMS.contains(&k.as_str()))
                });
            match unknown {
                Some(name) => ApiError::validation(&name, "is not a query parameter of this list"),
                None => ApiError::validation("query", e.to_string()),
            }
        })?
        .into_inner();
    let mut p = Problems::default();
    let organisation_id = query
        .organisation_id
        .as_deref()
        .and_then(|s| p.take("organisation_id", OrganisationId::parse(s)));
    let region = query
        .region
        .as_deref()
        .and_then(|s| p.take("region", Region::parse(s, regions)));
    let dinner = parse_bool(&mut p, "dinner", query.dinner.as_deref());
    let payment_status = query.payment_status.as_deref().and_then(|s| {
        p.take(
            "payment_status",
            PaymentStatus::parse(s).ok_or("must be unpaid, part_paid, paid or refund_due"),
        )
    });
    let include_cancelled = parse_bool(
        &mut p,
        "include_cancelled",
        query.include_cancelled.as_deref(),
    );
    p.into_result().map_err(Error::from)?;
    Ok(ExportFilter {
        organisation_id,
        region: region.map(Region::into_inner),
        dinner,
        payment_status,
        include_cancelled: include_cancelled.unwrap_or(false),
    })
}

/// Checks the conference and filter before any byte is sent, so that
/// errors still get a proper status.
async fn start(
    state: &AppState,
    actor: Actor,
    req: &HttpRequest,
    id: uuid::Uuid,
    extension: &'static str,
) -> ApiResult<DelegateList> {
    let filter = parse_filter(req.query_string(), &state.settings.regions)?;
    let conference_id = ConferenceId::from(id);
    let now = state.now();
    Ok(state
        .db(move |conn| {
            exports::delegate_list(conn, &actor, &conference_id, filter, now, extension)
        })
        .await?)
}

fn attachment(file_name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{file_name}\""),
    )
}

type Chunk = Result<Bytes, ApiError>;

/// The CSV body: written on a blocking thread with one connection and one
/// query, and handed over through a short queue, so memory stays flat and
/// a slow client slows the query down rather than filling memory. Waits
/// for the first chunk, so that a failing query is still a proper error
/// response; a failure later ends the body with an error, which aborts the
/// transfer rather than sending a file that looks complete.
async fn csv_body(state: AppState, list: DelegateList) -> ApiResult<impl Stream<Item = Chunk>> {
    let (tx, mut rx) = mpsc::channel::<Chunk>(CSV_CHUNKS_QUEUED);
    actix_web::rt::spawn(async move {
        let chunks = tx.clone();
        let written = state
            .db(move |conn| {
                exports::write_delegates_csv(conn, &list, |bytes| {
                    // A closed queue means the client has gone.
                    chunks.blocking_send(Ok(Bytes::from(bytes))).is_ok()
                })
            })
            .await;
        if let Err(e) = written {
            tracing::error!(error = %e, "CSV export stopped");
            // A closed queue means the client has gone: nobody to tell.
            let _ = tx.send(Err(e.into())).await;
        }
    });
    let first = rx
        .recv()
        .await
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("CSV export ended unwritten")))??;
    Ok(stream::once(async { Ok(first) }).chain(stream::poll_fn(move |cx| rx.poll_recv(cx))))
}

/// Delegate list as CSV (staff).
///
/// UTF-8 with a byte-order mark, RFC 4180 quoting, one row per active
/// delegate (cancelled ones too with `include_cancelled=true`), ordered by
/// organisation then name. Cells that a spreadsheet would run as a formula
/// are prefixed with `'`. Streamed: any size of list in flat memory.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), ExportQuery),
    responses(
        (status = 200, description = "The list", content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"{slug}-delegates-{date}.csv\""))),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/delegates.csv")]
pub async fn delegates_csv(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::ConferenceOrCredentials>,
    id: web::Path<uuid::Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let list = start(&state, actor, &req, id.into_inner(), "csv").await?;
    let disposition = attachment(&list.file_name);
    let body = csv_body(state.get_ref().clone(), list).await?;
    Ok(HttpResponse::Ok()
        .content_type(CSV_TYPE)
        .insert_header(disposition)
        .streaming(body))
}

/// An Excel workbook, in the API document: a binary string.
pub struct XlsxFile;

impl utoipa::PartialSchema for XlsxFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("An Office Open XML workbook"))
            .into()
    }
}

impl utoipa::ToSchema for XlsxFile {}

/// Delegate list as an Excel workbook (staff).
///
/// The same rows and filters as the CSV; bold frozen header with an
/// autofilter, fees as numbers in the conference's currency, registration
/// times as Excel date-times on the conference's local clock.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), ExportQuery),
    responses(
        (status = 200, description = "The workbook",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = XlsxFile,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"{slug}-delegates-{date}.xlsx\""))),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/delegates.xlsx")]
pub async fn delegates_xlsx(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::ConferenceOrCredentials>,
    id: web::Path<uuid::Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let list = start(&state, actor, &req, id.into_inner(), "xlsx").await?;
    let disposition = attachment(&list.file_name);
    let bytes = state
        .db(move |conn| exports::delegates_xlsx(conn, &list))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX_TYPE)
        .insert_header(disposition)
        .body(bytes))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationCount {
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub name: String,
    pub region: String,
    pub delegates: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegionCount {
    pub region: String,
    pub delegates: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TierCount {
    /// Price tier code.
    pub tier: String,
    pub delegates: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PassKindCount {
    /// The pass kind's code.
    pub pass_kind: String,
    pub name: String,
    /// Active people holding it.
    pub delegates: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DietaryCount {
    /// The requirement, trimmed and lower-cased (texts differing only in
    /// case are counted together).
    pub requirement: String,
    pub delegates: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MoneySummary {
    pub currency: String,
    /// Sum of the registrations' totals (active delegates' fees).
    pub registered: Money,
    /// Sum of payments received.
    pub paid: Money,
    /// Still owed: the sum of positive balances.
    pub outstanding: Money,
    /// Overpayments to return: the sum of negative balances.
    pub refunds_due: Money,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConferenceSummary {
    #[schema(format = Uuid)]
    pub conference_id: String,
    /// Active delegates.
    pub delegates: i64,
    /// Active delegates dining.
    pub dinners: i64,
    pub by_organisation: Vec<OrganisationCount>,
    pub by_region: Vec<RegionCount>,
    /// In the order of the conference's price table.
    pub by_tier: Vec<TierCount>,
    /// Every pass kind offered, in the conference's order (then any kind
    /// no longer offered that people hold).
    pub by_pass_kind: Vec<PassKindCount>,
    /// Over all active delegates, most frequent first; none excluded.
    pub dietary_requirements: Vec<DietaryCount>,
    /// The same, over those dining only (for the caterer).
    pub dinner_dietary_requirements: Vec<DietaryCount>,
    /// Money in the conference's currency.
    pub money: MoneySummary,
    /// Money per currency registrations were taken in: never added across
    /// currencies (normally one entry, the conference's).
    pub money_by_currency: Vec<MoneySummary>,
}

fn money_summary(currency: String, t: MoneyTotals) -> MoneySummary {
    MoneySummary {
        currency,
        registered: Money::from_minor(t.registered),
        paid: Money::from_minor(t.paid),
        outstanding: Money::from_minor(t.outstanding),
        refunds_due: Money::from_minor(t.refunds_due),
    }
}

fn dietary_counts(groups: Vec<(String, i64)>) -> Vec<DietaryCount> {
    groups
        .into_iter()
        .map(|(requirement, delegates)| DietaryCount {
            requirement,
            delegates,
        })
        .collect()
}

impl From<Summary> for ConferenceSummary {
    fn from(s: Summary) -> Self {
        Self {
            conference_id: s.conference_id.to_string(),
            delegates: s.delegates,
            dinners: s.dinners,
            by_organisation: s
                .by_organisation
                .into_iter()
                .map(|(id, name, region, delegates)| OrganisationCount {
                    organisation_id: id.to_string(),
                    name,
                    region,
                    delegates,
                })
                .collect(),
            by_region: s
                .by_region
                .into_iter()
                .map(|(region, delegates)| RegionCount { region, delegates })
                .collect(),
            by_tier: s
                .by_tier
                .into_iter()
                .map(|(tier, delegates)| TierCount { tier, delegates })
                .collect(),
            by_pass_kind: s
                .by_pass_kind
                .into_iter()
                .map(|(pass_kind, name, delegates)| PassKindCount {
                    pass_kind,
                    name,
                    delegates,
                })
                .collect(),
            dietary_requirements: dietary_counts(s.dietary),
            dinner_dietary_requirements: dietary_counts(s.dinner_dietary),
            money: money_summary(s.currency, s.money),
            money_by_currency: s
                .money_by_currency
                .into_iter()
                .map(|(c, t)| money_summary(c, t))
                .collect(),
        }
    }
}

/// Conference summary (staff): active delegates by organisation, region and
/// tier, dinners, dietary requirements, and money registered, paid,
/// outstanding and to refund.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, body = ConferenceSummary),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[get("/conferences/{id}/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<ConferenceSummary>> {
    let conference_id = ConferenceId::from(id.into_inner());
    let s = state
        .db(move |conn| exports::summary(conn, &actor, &conference_id))
        .await?;
    Ok(web::Json(s.into()))
}

/// A finished CSV file as a download.
pub(super) fn csv_download(file: CsvFile) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CSV_TYPE)
        .insert_header(attachment(&file.file_name))
        .body(file.bytes)
}

/// Motions and their amendments as CSV (staff), in agenda order: each
/// motion followed by its amendments, with word counts and status.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[get("/conferences/{id}/motions.csv")]
pub async fn export_motions(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let file = state
        .db(move |conn| exports::motions_csv(conn, &actor, &conference_id, now))
        .await?;
    Ok(csv_download(file))
}

/// CAC nominations as CSV (staff), one row per nomination, grouped by
/// candidate.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[get("/conferences/{id}/cac-nominations.csv")]
pub async fn export_cac_nominations(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let file = state
        .db(move |conn| exports::cac_nominations_csv(conn, &actor, &conference_id, now))
        .await?;
    Ok(csv_download(file))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayView {
    /// A conference-local date.
    pub date: chrono::NaiveDate,
    /// Active delegates registered that day.
    pub registered: i64,
    /// All active delegates registered up to that day.
    pub cumulative: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MoneyByTier {
    pub tier: String,
    #[serde(flatten)]
    pub money: MoneySummary,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MoneyByMethod {
    pub payment_method: crate::registrations::rules::PaymentMethod,
    #[serde(flatten)]
    pub money: MoneySummary,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionCount {
    pub kind: crate::submissions::rules::SubmissionKind,
    pub status: crate::submissions::rules::SubmissionStatus,
    pub count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadlineAheadView {
    pub deadline: crate::deadlines::rules::DeadlineKey,
    pub date: chrono::NaiveDate,
    /// Whole days left after today in the conference's zone (0: today).
    pub days_left: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DashboardView {
    #[schema(format = Uuid)]
    pub conference_id: String,
    /// The conference-local date the figures are for.
    pub today: chrono::NaiveDate,
    pub places_taken: u32,
    /// Null: no cap.
    pub places_left: Option<u32>,
    pub dinner_seats_taken: u32,
    /// Null: no cap.
    pub dinner_seats_left: Option<u32>,
    /// Active delegates the credentials desk has checked in.
    pub arrived: i64,
    /// Active delegates by the local day they registered.
    pub registered_over_time: Vec<DayView>,
    /// Money in the conference's currency: charged, paid, outstanding.
    pub money: MoneySummary,
    pub money_by_tier: Vec<MoneyByTier>,
    pub money_by_method: Vec<MoneyByMethod>,
    pub submissions: Vec<SubmissionCount>,
    pub deadlines_ahead: Vec<DeadlineAheadView>,
    /// Emails waiting to be sent (or being sent) about this conference.
    pub emails_pending: i64,
    /// Emails given up on: they need a look (and a retry).
    pub emails_failed: i64,
}

/// The conference at a glance (staff): delegates registered over time,
/// places and dinner seats left, arrivals, money by tier and by payment method,
/// submissions by kind and status, deadlines ahead, emails pending and
/// failed.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, body = DashboardView),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[get("/conferences/{id}/dashboard")]
pub async fn dashboard(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<DashboardView>> {
    let conference_id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let d = state
        .db(move |conn| crate::exports::dashboard::dashboard(conn, &actor, &conference_id, now))
        .await?;
    let currency = d.conference.spec.currency.clone();
    let spec = &d.conference.spec;
    let taken = d.conference.taken;
    Ok(web::Json(DashboardView {
        conference_id: d.conference.id.to_string(),
        today: d.today,
        places_taken: taken.places,
        places_left: spec.capacity.map(|c| c.saturating_sub(taken.places)),
        dinner_seats_taken: taken.dinners,
        dinner_seats_left: spec
            .dinner_capacity
            .map(|c| c.saturating_sub(taken.dinners)),
        arrived: d.arrivals,
        registered_over_time: d
            .registered_over_time
            .iter()
            .map(|day| DayView {
                date: day.date,
                registered: day.registered,
                cumulative: day.cumulative,
            })
            .collect(),
        money: money_summary(currency.clone(), d.money),
        money_by_tier: d
            .money_by_tier
            .into_iter()
            .map(|(tier, t)| MoneyByTier {
                tier,
                money: money_summary(currency.clone(), t),
            })
            .collect(),
        money_by_method: d
            .money_by_method
            .into_iter()
            .map(|(payment_method, t)| MoneyByMethod {
                payment_method,
                money: money_summary(currency.clone(), t),
            })
            .collect(),
        submissions: d
            .submissions
            .into_iter()
            .map(|(kind, status, count)| SubmissionCount {
                kind,
                status,
                count,
            })
            .collect(),
        deadlines_ahead: d
            .deadlines_ahead
            .into_iter()
            .map(|a| DeadlineAheadView {
                deadline: a.key,
                date: a.date,
                days_left: a.days_left,
            })
            .collect(),
        emails_pending: d.emails_pending,
        emails_failed: d.emails_failed,
    }))
}
