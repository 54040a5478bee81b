//! Staff exports: delegate lists as CSV (streamed as the query runs) and
//! XLSX, and a conference summary.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono_tz::Tz;
use futures_util::stream::{self, Stream, StreamExt};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::Staff;
use crate::app::AppState;
use crate::db::exports::{self as q, ExportFilter, ExportRecord};
use crate::db::{self, DbConnection};
use crate::domain::export::{self, ExportRow, ListName, MoneyTotals, COLUMNS};
use crate::domain::money::Money;
use crate::domain::registration::PaymentStatus;
use crate::domain::values::Region;
use crate::domain::{deadlines, Problems};

/// CSV bytes gathered before they are handed to the response.
const CSV_CHUNK_BYTES: usize = 64 * 1024;
/// CSV chunks queued between the database thread and a slow client: with
/// [`CSV_CHUNK_BYTES`], what bounds the memory of an export.
const CSV_CHUNKS_QUEUED: usize = 4;
const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Column widths of the XLSX export, in characters, in column order.
const XLSX_WIDTHS: [f64; COLUMNS.len()] = [
    38.0, 28.0, 32.0, 30.0, 16.0, 24.0, 8.0, 28.0, 28.0, 12.0, 12.0, 10.0, 15.0, 16.0, 20.0, 11.0,
];

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(delegates_csv)
        .service(delegates_xlsx)
        .service(summary);
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
fn parse_filter(query_string: &str, regions: &[String]) -> Result<ExportFilter, ApiError> {
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
    let organisation_id = query.organisation_id.as_deref().and_then(|s| {
        p.take(
            "organisation_id",
            uuid::Uuid::parse_str(s).map_err(|_| "must be a UUID"),
        )
    });
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
    p.into_result()?;
    Ok(ExportFilter {
        organisation_id: organisation_id.map(|u| u.to_string()),
        region: region.map(Region::into_inner),
        dinner,
        payment_status,
        include_cancelled: include_cancelled.unwrap_or(false),
    })
}

/// What writing one export needs.
struct Export {
    conference_id: String,
    filter: ExportFilter,
    timezone: Tz,
    currency: String,
    file_name: String,
}

/// Checks the conference and filter before any byte is sent, so that
/// errors still get a proper status.
async fn start(
    state: &AppState,
    req: &HttpRequest,
    id: uuid::Uuid,
    extension: &'static str,
) -> ApiResult<Export> {
    let filter = parse_filter(req.query_string(), &state.settings.regions)?;
    let conference_id = id.to_string();
    let now = state.now();
    state
        .db(move |conn| {
            let conference =
                db::conferences::get(conn, &conference_id)?.ok_or(ApiError::NotFound)?;
            if let Some(org) = &filter.organisation_id {
                if !q::organisation_exists(conn, org)? {
                    return Err(ApiError::validation(
                        "organisation_id",
                        "no such organisation",
                    ));
                }
            }
            let spec = conference.spec;
            let file_name = export::file_name(
                &spec.slug,
                ListName::for_dinner_filter(filter.dinner),
                deadlines::local_date(now, spec.timezone),
                extension,
            );
            Ok(Export {
                conference_id,
                filter,
                timezone: spec.timezone,
                currency: spec.currency,
                file_name,
            })
        })
        .await
}

fn attachment(file_name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{file_name}\""),
    )
}

type Chunk = Result<Bytes, ApiError>;

/// A CSV writer into a buffer for one chunk that starts with `prefix`.
fn csv_writer(prefix: &[u8]) -> csv::Writer<Vec<u8>> {
    // The writer hands over its own 8 KiB buffer when full, so a chunk ends
    // at most that far past CSV_CHUNK_BYTES.
    let mut out = Vec::with_capacity(CSV_CHUNK_BYTES + 16 * 1024);
    out.extend_from_slice(prefix);
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

fn csv_bytes(w: csv::Writer<Vec<u8>>) -> Result<Bytes, ApiError> {
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("CSV buffer: {e}")))
}

/// Writes the whole CSV (BOM, header, rows) into `chunks` as the query
/// runs, about [`CSV_CHUNK_BYTES`] at a time, waiting while the queue is
/// full. Stops early, and quietly, when the client has gone (the queue is
/// closed).
fn write_csv(
    conn: &mut DbConnection,
    export: &Export,
    chunks: &mpsc::Sender<Chunk>,
) -> Result<(), ApiError> {
    let csv_error = |e: csv::Error| ApiError::Internal(e.into());
    let mut w = csv_writer("\u{feff}".as_bytes());
    w.write_record(COLUMNS).map_err(csv_error)?;
    for rec in q::records(conn, &export.conference_id, &export.filter)? {
        w.write_record(ExportRow::from(rec?).cells(export.timezone))
            .map_err(csv_error)?;
        if w.get_ref().len() >= CSV_CHUNK_BYTES {
            let full = std::mem::replace(&mut w, csv_writer(&[]));
            if chunks.blocking_send(Ok(csv_bytes(full)?)).is_err() {
                return Ok(());
            }
        }
    }
    // A closed queue here too means the client has gone: nothing to do.
    let _ = chunks.blocking_send(Ok(csv_bytes(w)?));
    Ok(())
}

/// The CSV body: written on a blocking thread with one connection and one
/// query, and handed over through a short queue, so memory stays flat and
/// a slow client slows the query down rather than filling memory. Waits
/// for the first chunk, so that a failing query is still a proper error
/// response; a failure later ends the body with an error, which aborts the
/// transfer rather than sending a file that looks complete.
async fn csv_body(state: AppState, export: Export) -> ApiResult<impl Stream<Item = Chunk>> {
    let (tx, mut rx) = mpsc::channel::<Chunk>(CSV_CHUNKS_QUEUED);
    actix_web::rt::spawn(async move {
        let chunks = tx.clone();
        if let Err(e) = state
            .db(move |conn| write_csv(conn, &export, &chunks))
            .await
        {
            tracing::error!(error = %e, "CSV export stopped");
            // A closed queue means the client has gone: nobody to tell.
            let _ = tx.send(Err(e)).await;
        }
    });
    let first = rx
        .recv()
        .await
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("CSV export ended unwritten")))??;
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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/delegates.csv")]
pub async fn delegates_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let export = start(&state, &req, id.into_inner(), "csv").await?;
    let disposition = attachment(&export.file_name);
    let body = csv_body(state.get_ref().clone(), export).await?;
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

fn xlsx_error(e: XlsxError) -> ApiError {
    ApiError::Internal(e.into())
}

/// A fee as an Excel number (a double, as every spreadsheet number is).
fn fee_number(fee: Money) -> f64 {
    fee.amount().to_f64().unwrap_or_default()
}

fn write_xlsx_row(
    sheet: &mut Worksheet,
    row: u32,
    export: &Export,
    rec: ExportRecord,
    money: &Format,
    datetime: &Format,
) -> Result<(), XlsxError> {
    let r = ExportRow::from(rec);
    let local = r.registered_local(export.timezone);
    for (col, cell) in r.cells(export.timezone).iter().enumerate() {
        let col = col as u16;
        match col as usize {
            export::FEE_COLUMN => {
                sheet.write_number_with_format(row, col, fee_number(r.fee), money)?
            }
            export::DINNER_COLUMN => sheet.write_boolean(row, col, r.dinner)?,
            export::REGISTERED_AT_COLUMN => {
                sheet.write_datetime_with_format(row, col, local, datetime)?
            }
            _ => sheet.write_string(row, col, cell)?,
        };
    }
    Ok(())
}

/// The whole workbook, written from one query as it runs, in a blocking
/// task; the sheet is kept on disk while it is written.
fn build_xlsx(conn: &mut DbConnection, export: &Export) -> Result<Vec<u8>, ApiError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(export::money_format(&export.currency));
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name("Delegates").map_err(xlsx_error)?;
    for (col, width) in XLSX_WIDTHS.iter().enumerate() {
        sheet
            .set_column_width(col as u16, *width)
            .map_err(xlsx_error)?;
    }
    for (col, name) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *name, &bold)
            .map_err(xlsx_error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    let mut row = 0u32;
    for rec in q::records(conn, &export.conference_id, &export.filter)? {
        row += 1;
        write_xlsx_row(sheet, row, export, rec?, &money, &datetime).map_err(xlsx_error)?;
    }
    sheet
        .autofilter(0, 0, row, (COLUMNS.len() - 1) as u16)
        .map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/delegates.xlsx")]
pub async fn delegates_xlsx(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let export = start(&state, &req, id.into_inner(), "xlsx").await?;
    let disposition = attachment(&export.file_name);
    let bytes = state.db(move |conn| build_xlsx(conn, &export)).await?;
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
    /// Over all active delegates, most frequent first; none excluded.
    pub dietary_requirements: Vec<DietaryCount>,
    /// The same, over those dining only (for the caterer).
    pub dinner_dietary_requirements: Vec<DietaryCount>,
    pub money: MoneySummary,
}

fn dietary_counts(groups: impl IntoIterator<Item = (String, i64)>) -> Vec<DietaryCount> {
    export::group_dietary(groups)
        .into_iter()
        .map(|(requirement, delegates)| DietaryCount {
            requirement,
            delegates,
        })
        .collect()
}

fn load_summary(conn: &mut DbConnection, conference_id: &str) -> ApiResult<ConferenceSummary> {
    let conference = db::conferences::get(conn, conference_id)?.ok_or(ApiError::NotFound)?;
    let by_organisation = q::delegates_by_organisation(conn, conference_id)?
        .into_iter()
        .map(
            |(organisation_id, name, region, delegates)| OrganisationCount {
                organisation_id,
                name,
                region,
                delegates,
            },
        )
        .collect();
    let by_region = q::delegates_by_region(conn, conference_id)?
        .into_iter()
        .map(|(region, delegates)| RegionCount { region, delegates })
        .collect();
    let tiers = conference.spec.prices.tiers();
    let mut by_tier: Vec<TierCount> = q::delegates_by_tier(conn, conference_id)?
        .into_iter()
        .map(|(tier, delegates)| TierCount { tier, delegates })
        .collect();
    by_tier.sort_by_key(|t| tiers.iter().position(|p| p.code == t.tier));
    let groups = q::delegates_by_dietary_and_dinner(conn, conference_id)?;
    let delegates = groups.iter().map(|g| g.2).sum();
    let dinners = groups.iter().filter(|g| g.1).map(|g| g.2).sum();
    let dinner_dietary = dietary_counts(
        groups
            .iter()
            .filter(|g| g.1)
            .map(|(text, _, n)| (text.clone(), *n)),
    );
    let dietary = dietary_counts(groups.into_iter().map(|(text, _, n)| (text, n)));
    let mut totals = MoneyTotals::default();
    q::for_each_balance(conn, conference_id, |total, paid| totals.add(total, paid))?;
    Ok(ConferenceSummary {
        conference_id: conference.id,
        delegates,
        dinners,
        by_organisation,
        by_region,
        by_tier,
        dietary_requirements: dietary,
        dinner_dietary_requirements: dinner_dietary,
        money: MoneySummary {
            currency: conference.spec.currency,
            registered: Money::from_minor(totals.registered),
            paid: Money::from_minor(totals.paid),
            outstanding: Money::from_minor(totals.outstanding),
            refunds_due: Money::from_minor(totals.refunds_due),
        },
    })
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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<ConferenceSummary>> {
    let conference_id = id.into_inner().to_string();
    let s = state
        .db(move |conn| load_summary(conn, &conference_id))
        .await?;
    Ok(web::Json(s))
}
