//! Conferences, their rules and price quotes.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{Page, PageQuery};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::conferences::ops::{
    self as conferences, ClosedReason, CreateConference, PatchConference, Quote,
};
use crate::conferences::spec::{ConferenceInput, ConferencePatch};
use crate::conferences::Conference;
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::state::AppState;
use crate::values::money::Money;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_conference)
        .service(list_conferences)
        .service(get_conference)
        .service(patch_conference)
        .service(quote);
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PriceTierView {
    pub code: String,
    pub name: String,
    pub until: Option<NaiveDate>,
    /// The fee of the first voting pass kind (for clients written before
    /// pass kinds; `pass_fees` has every kind's).
    pub pass_fee: Money,
    /// The fee of each pass kind, by kind code.
    #[schema(value_type = BTreeMap<String, String>, example = json!({"delegate": "90.00", "visitor": "40.00"}))]
    pub pass_fees: BTreeMap<String, Money>,
    pub dinner_fee: Money,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PassKindView {
    pub code: String,
    pub name: String,
    /// Whether the holder votes (counts against the organisation's
    /// entitlement; may stand for CAC).
    pub votes: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CacView {
    pub vacancies: u32,
    pub excluded_regions: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConferenceView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ConferenceId,
    pub slug: String,
    pub name: String,
    pub venue: String,
    pub timezone: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub currency: String,
    /// The first local date registration is accepted (null: from creation).
    pub registration_opens: Option<NaiveDate>,
    /// The deadlines the conference has, each a local date (inclusive); a
    /// kind without one is not taken.
    #[schema(value_type = BTreeMap<String, NaiveDate>)]
    pub deadlines: BTreeMap<String, String>,
    /// The kinds of pass offered; a person who names none gets the first
    /// voting kind.
    pub pass_kinds: Vec<PassKindView>,
    pub price_tiers: Vec<PriceTierView>,
    pub capacity: Option<u32>,
    pub dinner_capacity: Option<u32>,
    /// Active delegates' places.
    pub places_taken: u32,
    /// Places left under `capacity` (null: no cap).
    pub places_left: Option<u32>,
    /// Active delegates dining.
    pub dinner_seats_taken: u32,
    /// Dinner seats left under `dinner_capacity` (null: no cap).
    pub dinner_seats_left: Option<u32>,
    pub motion_word_limit: Option<u32>,
    pub amendment_word_limit: Option<u32>,
    pub policy_word_limit: Option<u32>,
    /// The CAC election (null: the conference holds none).
    pub cac: Option<CacView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Conference> for ConferenceView {
    fn from(c: Conference) -> Self {
        let s = c.spec;
        let taken = c.taken;
        Self {
            id: c.id,
            places_taken: taken.places,
            places_left: s.capacity.map(|cap| cap.saturating_sub(taken.places)),
            dinner_seats_taken: taken.dinners,
            dinner_seats_left: s
                .dinner_capacity
                .map(|cap| cap.saturating_sub(taken.dinners)),
            deadlines: s.deadlines.to_map(),
            price_tiers: s
                .prices
                .tiers()
                .iter()
                .map(|t| PriceTierView {
                    code: t.code.clone(),
                    name: t.name.clone(),
                    until: t.until,
                    pass_fee: t.pass_fee(s.prices.default_kind()),
                    pass_fees: t.pass_fees.clone(),
                    dinner_fee: t.dinner_fee,
                })
                .collect(),
            pass_kinds: s
                .prices
                .into_parts()
                .kinds
                .into_iter()
                .map(|k| PassKindView {
                    code: k.code,
                    name: k.name,
                    votes: k.votes,
                })
                .collect(),
            slug: s.slug,
            name: s.name,
            venue: s.venue,
            timezone: s.timezone.name().to_owned(),
            starts_on: s.starts_on,
            ends_on: s.ends_on,
            currency: s.currency,
            registration_opens: s.registration_opens,
            capacity: s.capacity,
            dinner_capacity: s.dinner_capacity,
            motion_word_limit: s.motion_word_limit,
            amendment_word_limit: s.amendment_word_limit,
            policy_word_limit: s.policy_word_limit,
            cac: s.cac_vacancies.map(|vacancies| CacView {
                vacancies,
                excluded_regions: s.cac_excluded_regions,
            }),
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
        }
    }
}

/// Create a conference with its deadlines, prices and limits.
#[utoipa::path(
    tag = "conferences",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)")),
    request_body = ConferenceInput,
    responses(
        (status = 201, body = ConferenceView),
        BadRequest, Unauthenticated, Forbidden, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences")]
pub async fn create_conference(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    request: Authed<Staff<role::Conference>, ConferenceInput>,
) -> ApiResult<HttpResponse> {
    let Staff(actor, _) = request.who;
    let spec = request
        .body
        .parse(&state.settings.regions, state.now().date_naive())?;
    let outcome = state
        .run_once(&actor, key.0.as_ref(), CreateConference { spec })
        .await?;
    Ok(answer(StatusCode::CREATED, outcome, ConferenceView::from))
}

/// Change any of a conference's fields; the result is validated as a whole.
/// Registrations already made keep the price they were given.
///
/// The body is a JSON merge patch (RFC 7386; `application/json` or
/// `application/merge-patch+json`): a member left out is unchanged; `null`
/// removes an optional value (a cap, a word limit) and is refused (422) for
/// a required one; `deadlines` and `cac` merge member by member, so
/// `{"deadlines": {"cac_nominations": "2027-08-08"}}` moves one deadline;
/// `price_tiers` and `cac.excluded_regions` replace the whole list. The
/// currency cannot change once anything is registered (409), and a cap
/// cannot fall below what is already taken (422).
#[utoipa::path(
    tag = "conferences",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    request_body = ConferencePatch,
    responses(
        (status = 200, body = ConferenceView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[patch("/conferences/{id}")]
pub async fn patch_conference(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Conference>, ConferencePatch>,
) -> ApiResult<web::Json<ConferenceView>> {
    let Staff(actor, _) = request.who;
    let command = PatchConference {
        id: id.into_inner().into(),
        patch: request.body,
    };
    let conference = state.run(&actor, command).await?;
    Ok(web::Json(conference.into()))
}

/// One conference. No token needed.
#[utoipa::path(
    tag = "conferences",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = ConferenceView),
        NotFound,
    )
)]
#[get("/conferences/{id}")]
pub async fn get_conference(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<ConferenceView>> {
    let id = ConferenceId::from(id.into_inner());
    let c = state.db(move |conn| conferences::get(conn, &id)).await?;
    Ok(web::Json(c.into()))
}

/// List conferences, newest first. No token needed.
#[utoipa::path(
    tag = "conferences",
    params(PageQuery),
    responses(
        (status = 200, body = Page<ConferenceView>),
        Unprocessable,
    )
)]
#[get("/conferences")]
pub async fn list_conferences(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ConferenceView>>> {
    let (limit, cursor) = query.parse::<ConferenceId>()?;
    let rows = state
        .db(move |conn| conferences::list(conn, limit, cursor.as_ref()))
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |c| c.id.clone(),
        ConferenceView::from,
    )))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteQuery {
    /// Include the conference dinner.
    #[serde(default)]
    pub dinner: bool,
    /// The pass kind's code (default: the first voting kind).
    pub pass_kind: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuoteView {
    /// Code of the price tier in force now.
    pub tier: String,
    /// The pass kind quoted.
    pub pass_kind: String,
    pub pass_fee: Money,
    /// The dinner fee charged: "0.00" without the dinner.
    pub dinner_fee: Money,
    pub total: Money,
    pub currency: String,
    pub dinner: bool,
    /// The local date the price was judged on, in the conference's zone.
    pub as_of: NaiveDate,
    /// Whether one place (with the dinner, if asked) can be registered now:
    /// before the registration deadline, with a place left under
    /// `capacity` and, with `dinner=true`, a seat left under
    /// `dinner_capacity`.
    pub registration_open: bool,
    /// Why registration is closed, or null while it is open: `not_open`
    /// (before `registration_opens`), `deadline_passed` (the registration deadline has passed),
    /// `places_full` (every place under `capacity` is taken) or
    /// `dinner_full` (asked with `dinner=true`: every seat under
    /// `dinner_capacity` is taken; a place without the dinner may remain).
    pub closed_reason: Option<ClosedReason>,
}

impl From<Quote> for QuoteView {
    fn from(q: Quote) -> Self {
        Self {
            tier: q.tier,
            pass_kind: q.pass_kind,
            pass_fee: q.pass_fee,
            dinner_fee: q.dinner_fee,
            total: q.total,
            currency: q.currency,
            dinner: q.dinner,
            as_of: q.as_of,
            registration_open: q.registration_open,
            closed_reason: q.closed_reason,
        }
    }
}

/// The price of one place of a pass kind now, in the conference's time
/// zone (an unknown `pass_kind` is 422).
#[utoipa::path(
    tag = "conferences",
    params(("id" = uuid::Uuid, Path), QuoteQuery),
    responses(
        (status = 200, body = QuoteView),
        NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/quote")]
pub async fn quote(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<QuoteQuery>,
) -> ApiResult<web::Json<QuoteView>> {
    let id = ConferenceId::from(id.into_inner());
    let now = state.now();
    let QuoteQuery { dinner, pass_kind } = query.into_inner();
    let q = state
        .db(move |conn| conferences::quote(conn, &id, now, pass_kind.as_deref(), dinner))
        .await?;
    Ok(web::Json(q.into()))
}
