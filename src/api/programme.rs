//! A conference's programme: items (staff add, change and remove them),
//! the programme as anyone reads it, and its iCalendar feed.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::ids::{ConferenceId, ProgrammeItemId};
use crate::ops::role;
use crate::programme::ops::{
    self as programme, AddItem, ChangeItem, ItemChange, ItemInput, ProgrammeItem, RemoveItem,
};
use crate::programme::rules::LOCAL_FORMAT;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(add_item)
        .service(list_items)
        .service(programme_ics)
        .service(change_item)
        .service(remove_item);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ProgrammeItemInput)]
pub struct ItemBody {
    #[schema(example = "Conference dinner")]
    pub title: String,
    /// The conference's wall clock, `YYYY-MM-DDTHH:MM`.
    #[schema(example = "2016-09-10T19:30")]
    pub starts_at: String,
    /// The conference's wall clock, `YYYY-MM-DDTHH:MM`; after the start.
    #[schema(example = "2016-09-10T23:00")]
    pub ends_at: String,
    #[schema(example = "City Hall, Cardiff")]
    pub place: String,
    /// Bought with a registration (the dinner).
    #[serde(default)]
    pub ticketed: bool,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ProgrammeItemChange)]
pub struct ChangeBody {
    pub title: Option<String>,
    /// `YYYY-MM-DDTHH:MM`, the conference's wall clock.
    pub starts_at: Option<String>,
    /// `YYYY-MM-DDTHH:MM`, the conference's wall clock.
    pub ends_at: Option<String>,
    pub place: Option<String>,
    pub ticketed: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ProgrammeItem)]
pub struct ItemView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub conference_id: String,
    pub title: String,
    /// The conference's wall clock, `YYYY-MM-DDTHH:MM`.
    #[schema(example = "2016-09-10T19:30")]
    pub starts_at: String,
    #[schema(example = "2016-09-10T23:00")]
    pub ends_at: String,
    /// The instant `starts_at` names in the conference's zone.
    pub starts_utc: DateTime<Utc>,
    pub ends_utc: DateTime<Utc>,
    pub place: String,
    pub ticketed: bool,
    /// Goes up with every change (the feed's `SEQUENCE`).
    pub revision: u32,
}

impl From<ProgrammeItem> for ItemView {
    fn from(i: ProgrammeItem) -> Self {
        Self {
            id: i.id.to_string(),
            conference_id: i.conference_id.to_string(),
            title: i.title,
            starts_at: i.starts_at.format(LOCAL_FORMAT).to_string(),
            ends_at: i.ends_at.format(LOCAL_FORMAT).to_string(),
            starts_utc: i.starts_utc,
            ends_utc: i.ends_utc,
            place: i.place,
            ticketed: i.ticketed,
            revision: i.revision,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Programme)]
pub struct ProgrammeView {
    /// The conference's IANA zone, whose wall clock the local times are.
    #[schema(example = "Europe/London")]
    pub timezone: String,
    /// Every item, in the order they happen (a programme is one page).
    pub items: Vec<ItemView>,
    /// Always null: the whole programme is one page.
    pub next_cursor: Option<String>,
}

/// Add an item to a conference's programme (staff). Role: `conference`.
#[utoipa::path(
    tag = "programme",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = ItemBody,
    responses(
        (status = 201, body = ItemView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/programme")]
pub async fn add_item(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Conference>, ItemBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let command = AddItem {
        conference_id: id.into_inner().into(),
        item: ItemInput {
            title: b.title,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            place: b.place,
            ticketed: b.ticketed,
        },
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, ItemView::from))
}

/// A conference's programme, in the order things happen. No token needed.
#[utoipa::path(
    tag = "programme",
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, body = ProgrammeView),
        NotFound,
    )
)]
#[get("/conferences/{id}/programme")]
pub async fn list_items(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<ProgrammeView>> {
    let id = ConferenceId::from(id.into_inner());
    let p = state
        .db(move |conn| programme::programme(conn, &id))
        .await?;
    Ok(web::Json(ProgrammeView {
        timezone: p.conference.spec.timezone.name().to_owned(),
        items: p.items.into_iter().map(ItemView::from).collect(),
        next_cursor: None,
    }))
}

/// The programme as an iCalendar feed (RFC 5545) to subscribe to. No token
/// needed. One event per item, its UID stable for the item's life and its
/// `SEQUENCE` the item's revision, so a changed item replaces the one a
/// calendar holds; times are UTC instants worked out in the conference's
/// zone.
#[utoipa::path(
    tag = "programme",
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar; charset=utf-8", body = String),
        NotFound,
    )
)]
#[get("/conferences/{id}/programme.ics")]
pub async fn programme_ics(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let id = ConferenceId::from(id.into_inner());
    let body = state.db(move |conn| programme::feed(conn, &id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(body))
}

/// Change a programme item (staff); what the body leaves out stays. Role:
/// `conference`.
#[utoipa::path(
    tag = "programme",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("item_id" = uuid::Uuid, Path, description = "Programme item"),
    ),
    request_body = ChangeBody,
    responses(
        (status = 200, body = ItemView),
        BadRequest, Unauthenticated, Forbidden, NotFound, UnsupportedMediaType, Unprocessable,
    )
)]
#[patch("/conferences/{id}/programme/{item_id}")]
pub async fn change_item(
    state: web::Data<AppState>,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
    request: Authed<Staff<role::Conference>, ChangeBody>,
) -> ApiResult<web::Json<ItemView>> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let (conference_id, item_id) = path.into_inner();
    let command = ChangeItem {
        conference_id: conference_id.into(),
        item_id: ProgrammeItemId::from(item_id),
        change: ItemChange {
            title: b.title,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            place: b.place,
            ticketed: b.ticketed,
        },
    };
    let item = state.run(&actor, command).await?;
    Ok(web::Json(item.into()))
}

/// Remove a programme item (staff). Role: `conference`.
#[utoipa::path(
    tag = "programme",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("item_id" = uuid::Uuid, Path, description = "Programme item"),
    ),
    responses(
        (status = 204, description = "Removed"),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[delete("/conferences/{id}/programme/{item_id}")]
pub async fn remove_item(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Conference>,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
) -> ApiResult<HttpResponse> {
    let (conference_id, item_id) = path.into_inner();
    let command = RemoveItem {
        conference_id: conference_id.into(),
        item_id: ProgrammeItemId::from(item_id),
    };
    state.run(&actor, command).await?;
    Ok(HttpResponse::NoContent().finish())
}
