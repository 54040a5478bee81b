//! Staff exports: delegate lists as CSV (streamed page by page) and XLSX,
//! and a conference summary.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono_tz::Tz;
use futures_util::stream::{self, Stream};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::Staff;
use crate::app::AppState;
use crate::db::exports::{self as q, Cursor, ExportFilter, ExportRecord};
use crate::db::{self, DbConnection};
use crate::domain::export::{self, ExportRow, ListName, MoneyTotals, COLUMNS};
use crate::domain::money::Money;
use crate::domain::registration::PaymentStatus;
use crate::domain::values::Region;
use crate::domain::{deadlines, Problems};

/// Rows fetched from the database per page.
const PAGE_SIZE: i64 = 1000;
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

/// What every page of one export needs.
struct Export {
    conference_id: String,
    filter: ExportFilter,
    timezone: Tz,
    currency: String,
    file_name: String,
}

/// Checks the conference and filter, and reads the first page (so that
/// errors still get a proper status before any byte is sent).
async fn start(
    state: &AppState,
    req: &HttpRequest,
    id: uuid::Uuid,
    extension: &'static str,
) -> ApiResult<(Export, Vec<ExportRecord>)> {
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
            let first = q::page(conn, &conference_id, &filter, None, PAGE_SIZE)?;
            Ok((
                Export {
                    conference_id,
                    filter,
                    timezone: spec.timezone,
                    currency: spec.currency,
                    file_name,
                },
                first,
            ))
        })
        .await
}

fn attachment(file_name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{file_name}\""),
    )
}

/// The next cursor, if the page was full (there may be more).
fn next_after(rows: &[ExportRecord]) -> Option<Cursor> {
    (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(ExportRecord::cursor))
        .flatten()
}

fn csv_chunk(
    export: &Export,
    rows: Vec<ExportRecord>,
    with_header: bool,
) -> Result<Bytes, ApiError> {
    let mut out = Vec::with_capacity(rows.len() * 256 + 256);
    if with_header {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let csv_error = |e: csv::Error| ApiError::Internal(e.into());
    if with_header {
        w.write_record(COLUMNS).map_err(csv_error)?;
    }
    for rec in rows {
        w.write_record(ExportRow::from(rec).cells(export.timezone))
            .map_err(csv_error)?;
    }
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("CSV buffer: {e}")))
}

enum Step {
    First(Vec<ExportRecord>),
    After(Cursor),
    Done,
}

/// The CSV body: the BOM and header with the first page, then one chunk
/// per page, each page read when the client is ready for it.
fn csv_body(
    state: AppState,
    export: Export,
    first: Vec<ExportRecord>,
) -> impl Stream<Item = Result<Bytes, ApiError>> {
    let export = Arc::new(export);
    stream::unfold(Step::First(first), move |step| {
        let (state, export) = (state.clone(), export.clone());
        async move {
            let (rows, with_header) = match step {
                Step::Done => return None,
                Step::First(rows) => (rows, true),
                Step::After(cursor) => {
                    let e = export.clone();
                    let page = state
                        .db(move |conn| {
                            Ok(q::page(
                                conn,
                                &e.conference_id,
                                &e.filter,
                                Some(&cursor),
                                PAGE_SIZE,
                            )?)
                        })
                        .await;
                    match page {
                        Ok(rows) => (rows, false),
                        Err(e) => {
                            tracing::error!(error = %e, "CSV export stopped");
                            return Some((Err(e), Step::Done));
                        }
                    }
                }
            };
            let next = next_after(&rows).map_or(Step::Done, Step::After);
            Some((csv_chunk(&export, rows, with_header), next))
        }
    })
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
    let (export, first) = start(&state, &req, id.into_inner(), "csv").await?;
    let disposition = attachment(&export.file_name);
    let body = csv_body(state.get_ref().clone(), export, first);
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

/// The whole workbook, written page by page on one connection in a
/// blocking task; the sheet is kept on disk while it is written.
fn build_xlsx(
    conn: &mut DbConnection,
    export: &Export,
    first: Vec<ExportRecord>,
) -> Result<Vec<u8>, ApiError> {
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
    let mut rows = first;
    loop {
        let next = next_after(&rows);
        for rec in rows {
            row += 1;
            write_xlsx_row(sheet, row, export, rec, &money, &datetime).map_err(xlsx_error)?;
        }
        let Some(cursor) = next else { break };
        rows = q::page(
            conn,
            &export.conference_id,
            &export.filter,
            Some(&cursor),
            PAGE_SIZE,
        )?;
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
    let (export, first) = start(&state, &req, id.into_inner(), "xlsx").await?;
    let disposition = attachment(&export.file_name);
    let bytes = state
        .db(move |conn| build_xlsx(conn, &export, first))
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
