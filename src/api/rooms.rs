//! Hotel room blocks (staff set them up; anyone reads what is left) and
//! the rooming list sent to each hotel (staff).

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::exports::XlsxFile;
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::responses::{
    BadRequest, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::exports::ops::{self as exports, CsvFile};
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::rooms::ops::{self as rooms, BlockInput, CreateRoomBlock, RoomBlock};
use crate::state::AppState;
use crate::values::money::Money;

const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_block)
        .service(list_blocks)
        .service(rooming_list_csv)
        .service(rooming_list_xlsx);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RoomBlockInput)]
pub struct BlockBody {
    #[schema(example = "Park Inn by Radisson Cardiff City Centre")]
    pub hotel: String,
    #[schema(example = "Mary Ann Street, Cardiff CF10 2JH")]
    pub hotel_address: String,
    #[schema(example = "Double for single use, with breakfast")]
    pub room_type: String,
    /// The price of one night, in the conference's currency.
    #[schema(example = "89.00")]
    pub nightly_rate: String,
    /// Rooms held each night: `{"2016-09-09": 20, "2016-09-10": 20}`.
    #[schema(value_type = Object, example = json!({"2016-09-09": 20, "2016-09-10": 20}))]
    pub nights: BTreeMap<String, u32>,
    /// The last day the block is offered (the conference's zone); the
    /// hotel has the rooms left back after it. No later than the first night.
    #[schema(example = "2016-08-12")]
    pub release_on: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RoomNight)]
pub struct NightView {
    pub night: NaiveDate,
    /// Rooms held that night.
    pub rooms: u32,
    /// Rooms not yet booked.
    pub left: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RoomBlock)]
pub struct BlockView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub conference_id: String,
    pub hotel: String,
    pub hotel_address: String,
    pub room_type: String,
    pub nightly_rate: Money,
    pub currency: String,
    pub release_on: NaiveDate,
    /// Still offered (its release date has not passed).
    pub offered: bool,
    pub nights: Vec<NightView>,
}

impl From<RoomBlock> for BlockView {
    fn from(b: RoomBlock) -> Self {
        Self {
            id: b.id.to_string(),
            conference_id: b.conference_id.to_string(),
            hotel: b.hotel,
            hotel_address: b.hotel_address,
            room_type: b.room_type,
            nightly_rate: b.nightly_rate,
            currency: b.currency,
            release_on: b.release_on,
            offered: b.offered,
            nights: b
                .nights
                .into_iter()
                .map(|n| NightView {
                    night: n.night,
                    rooms: n.rooms,
                    left: n.left,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RoomBlocks)]
pub struct BlocksView {
    /// By hotel, then room type (a conference has a handful).
    pub items: Vec<BlockView>,
    /// Always null: every block is on one page.
    pub next_cursor: Option<String>,
}

/// Set up a block of hotel rooms for a conference (staff). Role:
/// `conference`.
#[utoipa::path(
    tag = "rooms",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = BlockBody,
    responses(
        (status = 201, body = BlockView),
        BadRequest, Unauthenticated, Forbidden, NotFound, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/room-blocks")]
pub async fn create_block(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Conference>, BlockBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let command = CreateRoomBlock {
        conference_id: id.into_inner().into(),
        block: BlockInput {
            hotel: b.hotel,
            hotel_address: b.hotel_address,
            room_type: b.room_type,
            nightly_rate: b.nightly_rate,
            nights: b.nights,
            release_on: b.release_on,
        },
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, BlockView::from))
}

/// A conference's room blocks with the rooms left each night. No token
/// needed: a secretary sees what is offered before registering.
#[utoipa::path(
    tag = "rooms",
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, body = BlocksView),
        NotFound,
    )
)]
#[get("/conferences/{id}/room-blocks")]
pub async fn list_blocks(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<BlocksView>> {
    let id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let (_, blocks) = state.db(move |conn| rooms::list(conn, &id, now)).await?;
    Ok(web::Json(BlocksView {
        items: blocks.into_iter().map(BlockView::from).collect(),
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomingQuery {
    /// Only this hotel's guests (the block's `hotel`, exactly).
    pub hotel: Option<String>,
}

async fn rooming_list(
    state: &AppState,
    actor: crate::ops::Actor,
    id: uuid::Uuid,
    query: RoomingQuery,
) -> ApiResult<exports::RoomingList> {
    let conference_id = ConferenceId::from(id);
    let now = state.now();
    Ok(state
        .db(move |conn| {
            exports::rooming_list(conn, &actor, &conference_id, query.hotel.as_deref(), now)
        })
        .await?)
}

fn download(file: CsvFile, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.file_name),
        ))
        .body(file.bytes)
}

/// The rooming list as CSV, to send to a hotel (staff): one row per active
/// delegate with a room (guest, organisation, reference, hotel, room
/// type, arrival, departure, nights, requirements), by hotel and arrival.
/// Role: `conference`.
#[utoipa::path(
    tag = "rooms",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), RoomingQuery),
    responses(
        (status = 200, description = "The list", content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"{slug}-rooming-list-{date}.csv\""))),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/rooming-list.csv")]
pub async fn rooming_list_csv(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<RoomingQuery>,
) -> ApiResult<HttpResponse> {
    let list = rooming_list(&state, actor, id.into_inner(), query.into_inner()).await?;
    Ok(download(list.csv()?, CSV_TYPE))
}

/// The rooming list as an Excel workbook (staff): the same rows, dates as
/// dates and nights as numbers. Role: `conference`.
#[utoipa::path(
    tag = "rooms",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), RoomingQuery),
    responses(
        (status = 200, description = "The workbook",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = XlsxFile,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"{slug}-rooming-list-{date}.xlsx\""))),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/rooming-list.xlsx")]
pub async fn rooming_list_xlsx(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<RoomingQuery>,
) -> ApiResult<HttpResponse> {
    let list = rooming_list(&state, actor, id.into_inner(), query.into_inner()).await?;
    Ok(download(list.xlsx()?, XLSX_TYPE))
}
