//! `/staff/conferences/{id}/rooms`: a conference's hotel room blocks with
//! the rooms left each night, a form to add a block (the API's
//! `CreateRoomBlock`, the same rooms every night from the first night to
//! the last), and the rooming list per hotel as CSV or Excel.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use super::encode;
use crate::exports::ops::{self as exports, CsvFile};
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::ops::Error;
use crate::rooms::ops::{self as rooms, BlockInput, CreateRoomBlock, RoomBlock};
use crate::state::AppState;
use crate::values;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Problems};
use crate::web::format;
use crate::web::pages::{render, render_refused, run_form, see_other, Chrome, Done, Input};
use crate::web::session::{self, Posted, SignedIn, StaffUser};

const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The most nights one block may span when typed as first and last night.
const NIGHTS_MAX: i64 = 31;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/conferences/{id}/rooms", web::get().to(show))
        .route("/staff/conferences/{id}/rooms", web::post().to(add))
        .route(
            "/staff/conferences/{id}/rooming-list.csv",
            web::get().to(rooming_csv),
        )
        .route(
            "/staff/conferences/{id}/rooming-list.xlsx",
            web::get().to(rooming_xlsx),
        );
}

pub struct NightLine {
    pub night: String,
    pub left: u32,
    pub rooms: u32,
}

pub struct BlockLine {
    pub hotel: String,
    pub hotel_address: String,
    pub room_type: String,
    pub rate: String,
    pub release_on: String,
    pub offered: bool,
    pub nights: Vec<NightLine>,
}

pub struct HotelLinks {
    pub hotel: String,
    pub csv: String,
    pub xlsx: String,
}

#[derive(Template)]
#[template(path = "web/staff/rooms.html")]
struct RoomsPage {
    chrome: Chrome,
    problems: Problems,
    done: bool,
    id: String,
    conference_name: String,
    blocks: Vec<BlockLine>,
    hotels: Vec<HotelLinks>,
    hotel: Input,
    hotel_address: Input,
    room_type: Input,
    nightly_rate: Input,
    first_night: Input,
    last_night: Input,
    rooms: Input,
    release_on: Input,
    key: String,
}

#[derive(Default)]
struct Typed {
    hotel: String,
    hotel_address: String,
    room_type: String,
    nightly_rate: String,
    first_night: String,
    last_night: String,
    rooms: String,
    release_on: String,
}

async fn load(
    state: &AppState,
    id: ConferenceId,
) -> Result<(crate::conferences::Conference, Vec<RoomBlock>), PageError> {
    let now = state.now();
    Ok(state.db(move |conn| rooms::list(conn, &id, now)).await?)
}

fn page(
    session: &SignedIn,
    (conference, blocks): (crate::conferences::Conference, Vec<RoomBlock>),
    t: &Typed,
    problems: Problems,
    done: bool,
) -> RoomsPage {
    let id = conference.id.to_string();
    let mut hotels: Vec<String> = blocks.iter().map(|b| b.hotel.clone()).collect();
    hotels.dedup();
    let title = if problems.is_empty() {
        "Hotel rooms"
    } else {
        "Error: Hotel rooms"
    };
    RoomsPage {
        chrome: Chrome::signed_in(title, session),
        done,
        hotels: hotels
            .into_iter()
            .map(|h| HotelLinks {
                csv: format!(
                    "/staff/conferences/{id}/rooming-list.csv?hotel={}",
                    encode(&h)
                ),
                xlsx: format!(
                    "/staff/conferences/{id}/rooming-list.xlsx?hotel={}",
                    encode(&h)
                ),
                hotel: h,
            })
            .collect(),
        blocks: blocks
            .into_iter()
            .map(|b| BlockLine {
                rate: format::money(b.nightly_rate, &b.currency),
                release_on: format::date(b.release_on),
                offered: b.offered,
                nights: b
                    .nights
                    .iter()
                    .map(|n| NightLine {
                        night: format::date(n.night),
                        left: n.left,
                        rooms: n.rooms,
                    })
                    .collect(),
                hotel: b.hotel,
                hotel_address: b.hotel_address,
                room_type: b.room_type,
            })
            .collect(),
        conference_name: conference.spec.name,
        id,
        hotel: Input::new("hotel", "Hotel", &t.hotel, &problems),
        hotel_address: Input::new("hotel_address", "Hotel address", &t.hotel_address, &problems),
        room_type: Input::new("room_type", "Room type", &t.room_type, &problems)
            .hint("For example, Double for single use, with breakfast."),
        nightly_rate: Input::new("nightly_rate", "Nightly rate", &t.nightly_rate, &problems)
            .hint("The price of one night, for example 89.00.")
            .width("width-10"),
        first_night: Input::new("first_night", "First night", &t.first_night, &problems)
            .hint("The evening of the first night, for example 2016-09-09.")
            .width("width-10"),
        last_night: Input::new("last_night", "Last night", &t.last_night, &problems)
            .hint("The evening of the last night, for example 2016-09-10.")
            .width("width-10"),
        rooms: Input::new("rooms", "Rooms each night", &t.rooms, &problems)
            .kind("number")
            .width("width-5"),
        release_on: Input::new("release_on", "Release date", &t.release_on, &problems)
            .hint("The last day rooms are offered; the hotel has the rest back after it. For example, 2016-08-12.")
            .width("width-10"),
        problems,
        key: new_idempotency_key(),
    }
}

async fn show(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let loaded = load(&state, id.into_inner().into()).await?;
    render(&page(
        &session,
        loaded,
        &Typed::default(),
        Problems::default(),
        query.done.is_some(),
    ))
}

fn describe(field: &str, message: &str) -> String {
    let label = match field {
        "hotel" => "Hotel",
        "hotel_address" => "Hotel address",
        "room_type" => "Room type",
        "nightly_rate" => "Nightly rate",
        "release_on" => "Release date",
        f if f.starts_with("nights") => "Each night",
        _ => return sentence(message),
    };
    sentence(&format!("{label} {message}"))
}

/// The nights typed as a first and last night with the same rooms each.
fn nights(t: &Typed, problems: &mut Problems) -> Option<BTreeMap<String, u32>> {
    let first = values::date(&t.first_night)
        .map_err(|m| problems.field("first_night", format!("First night {m}")))
        .ok();
    let last = values::date(&t.last_night)
        .map_err(|m| problems.field("last_night", format!("Last night {m}")))
        .ok();
    let rooms = t
        .rooms
        .parse::<u32>()
        .map_err(|_| problems.field("rooms", "Rooms each night must be a whole number"))
        .ok();
    let (first, last, rooms) = (first?, last?, rooms?);
    if last < first || last - first >= Duration::days(NIGHTS_MAX) {
        problems.field(
            "last_night",
            format!("Last night must be on or after the first night, and at most {NIGHTS_MAX} nights on"),
        );
        return None;
    }
    Some(
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|d| (d.to_string(), rooms))
            .collect(),
    )
}

async fn add(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let conference_id = ConferenceId::from(id.into_inner());
    let field = |name: &str| form.get(name).trim().to_owned();
    let t = Typed {
        hotel: field("hotel"),
        hotel_address: field("hotel_address"),
        room_type: field("room_type"),
        nightly_rate: field("nightly_rate"),
        first_night: field("first_night"),
        last_night: field("last_night"),
        rooms: field("rooms"),
        release_on: field("release_on"),
    };
    let loaded = load(&state, conference_id.clone()).await?;
    let mut problems = Problems::default();
    let Some(nights) = nights(&t, &mut problems) else {
        return render_refused(&page(&session, loaded, &t, problems, false));
    };
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || {
        CreateRoomBlock {
            conference_id: conference_id.clone(),
            block: BlockInput {
                hotel: t.hotel.clone(),
                hotel_address: t.hotel_address.clone(),
                room_type: t.room_type.clone(),
                nightly_rate: t.nightly_rate.clone(),
                nights: nights.clone(),
                release_on: t.release_on.clone(),
            },
        }
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/conferences/{conference_id}/rooms?done=1"
        ))),
        Err(Error::Validation(errors)) => {
            let inputs = [
                "hotel",
                "hotel_address",
                "room_type",
                "nightly_rate",
                "release_on",
            ]
            .map(str::to_owned);
            let mut problems = Problems::from_fields(&errors, &inputs, describe);
            for e in errors.iter().filter(|e| e.field.starts_with("nights")) {
                problems.field("first_night", describe(&e.field, &e.message));
            }
            render_refused(&page(&session, loaded, &t, problems, false))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct HotelQuery {
    hotel: Option<String>,
}

async fn rooming_list(
    req: &HttpRequest,
    session: &SignedIn,
    id: uuid::Uuid,
    hotel: Option<String>,
) -> Result<exports::RoomingList, PageError> {
    let state = session::state(req)?;
    let actor = session.actor().clone();
    let conference_id = ConferenceId::from(id);
    let now = state.now();
    Ok(state
        .db(move |conn| exports::rooming_list(conn, &actor, &conference_id, hotel.as_deref(), now))
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

async fn rooming_csv(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<HotelQuery>,
) -> Result<HttpResponse, PageError> {
    let list = rooming_list(&req, &session, id.into_inner(), query.into_inner().hotel).await?;
    Ok(download(list.csv()?, CSV_TYPE))
}

async fn rooming_xlsx(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<HotelQuery>,
) -> Result<HttpResponse, PageError> {
    let list = rooming_list(&req, &session, id.into_inner(), query.into_inner().hotel).await?;
    Ok(download(list.xlsx()?, XLSX_TYPE))
}
