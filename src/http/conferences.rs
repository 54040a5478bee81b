//! Conferences, their rules and price quotes.

use std::collections::BTreeMap;

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::Staff;
use super::pagination::{Page, PageQuery};
use crate::app::AppState;
use crate::db;
use crate::db::conferences::Conference;
use crate::domain::conference::{ConferenceInput, ConferencePatch};
use crate::domain::deadlines;
use crate::domain::money::Money;

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
    pub pass_fee: Money,
    pub dinner_fee: Money,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CacView {
    pub vacancies: u32,
    pub excluded_regions: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConferenceView {
    #[schema(format = Uuid)]
    pub id: String,
    pub slug: String,
    pub name: String,
    pub venue: String,
    pub timezone: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub currency: String,
    /// The six deadlines, each a local date (inclusive).
    #[schema(value_type = BTreeMap<String, NaiveDate>)]
    pub deadlines: BTreeMap<String, String>,
    pub price_tiers: Vec<PriceTierView>,
    pub capacity: Option<u32>,
    pub dinner_capacity: Option<u32>,
    pub motion_word_limit: Option<u32>,
    pub amendment_word_limit: Option<u32>,
    pub policy_word_limit: Option<u32>,
    pub cac: CacView,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Conference> for ConferenceView {
    fn from(c: Conference) -> Self {
        let s = c.spec;
        Self {
            id: c.id,
            deadlines: s.deadlines.to_map(),
            price_tiers: s
                .prices
                .into_tiers()
                .into_iter()
                .map(|t| PriceTierView {
                    code: t.code,
                    name: t.name,
                    until: t.until,
                    pass_fee: t.pass_fee,
                    dinner_fee: t.dinner_fee,
                })
                .collect(),
            slug: s.slug,
            name: s.name,
            venue: s.venue,
            timezone: s.timezone.name().to_owned(),
            starts_on: s.starts_on,
            ends_on: s.ends_on,
            currency: s.currency,
            capacity: s.capacity,
            dinner_capacity: s.dinner_capacity,
            motion_word_limit: s.motion_word_limit,
            amendment_word_limit: s.amendment_word_limit,
            policy_word_limit: s.policy_word_limit,
            cac: CacView {
                vacancies: s.cac_vacancies,
                excluded_regions: s.cac_excluded_regions,
            },
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
        }
    }
}

fn slug_taken(e: diesel::result::Error) -> ApiError {
    if db::is_unique_violation(&e) {
        ApiError::Conflict("A conference with this slug already exists.".into())
    } else {
        e.into()
    }
}

/// Create a conference with its deadlines, prices and limits.
#[utoipa::path(
    tag = "conferences",
    security(("bearer" = [])),
    responses(
        (status = 201, body = ConferenceView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conferences")]
pub async fn create_conference(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<ConferenceInput>,
) -> ApiResult<HttpResponse> {
    let spec = body.into_inner().parse(&state.settings.regions)?;
    let now = state.now().naive_utc();
    let conference = state
        .tx(move |conn| {
            let id = uuid::Uuid::now_v7().to_string();
            db::conferences::insert(conn, &id, &spec, now).map_err(slug_taken)
        })
        .await?;
    Ok(HttpResponse::Created().json(ConferenceView::from(conference)))
}

/// Change any of a conference's fields; the result is validated as a whole.
/// Registrations already made keep the price they were given.
#[utoipa::path(
    tag = "conferences",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    request_body = ConferencePatch,
    responses(
        (status = 200, body = ConferenceView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/conferences/{id}")]
pub async fn patch_conference(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
    body: web::Json<ConferencePatch>,
) -> ApiResult<web::Json<ConferenceView>> {
    let id = id.into_inner().to_string();
    let patch = body.into_inner();
    let regions = state.settings.regions.clone();
    let now = state.now().naive_utc();
    let conference = state
        .tx(move |conn| {
            let existing = db::conferences::lock_and_get(conn, &id)?.ok_or(ApiError::NotFound)?;
            let spec = existing.spec.patched(patch, &regions)?;
            db::conferences::update(conn, &existing, &spec, now).map_err(slug_taken)
        })
        .await?;
    Ok(web::Json(conference.into()))
}

/// One conference. No token needed.
#[utoipa::path(
    tag = "conferences",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = ConferenceView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}")]
pub async fn get_conference(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<ConferenceView>> {
    let id = id.into_inner().to_string();
    let c = state
        .db(move |conn| db::conferences::get(conn, &id)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(web::Json(c.into()))
}

/// List conferences, newest first. No token needed.
#[utoipa::path(
    tag = "conferences",
    params(PageQuery),
    responses(
        (status = 200, body = Page<ConferenceView>),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences")]
pub async fn list_conferences(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ConferenceView>>> {
    let (limit, cursor) = query.parse()?;
    let rows = state
        .db(move |conn| Ok(db::conferences::list(conn, limit, cursor.as_deref())?))
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
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuoteView {
    /// Code of the price tier in force now.
    pub tier: String,
    pub pass_fee: Money,
    /// The dinner fee charged: "0.00" without the dinner.
    pub dinner_fee: Money,
    pub total: Money,
    pub currency: String,
    pub dinner: bool,
    /// The local date the price was judged on, in the conference's zone.
    pub as_of: NaiveDate,
    /// Whether registration is still open (before its deadline).
    pub registration_open: bool,
}

/// The price of one delegate place now, in the conference's time zone.
#[utoipa::path(
    tag = "conferences",
    params(("id" = uuid::Uuid, Path), QuoteQuery),
    responses(
        (status = 200, body = QuoteView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/quote")]
pub async fn quote(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<QuoteQuery>,
) -> ApiResult<web::Json<QuoteView>> {
    let id = id.into_inner().to_string();
    let c = state
        .db(move |conn| db::conferences::get(conn, &id)?.ok_or(ApiError::NotFound))
        .await?;
    let now = state.now();
    let tz = c.spec.timezone;
    let today = deadlines::local_date(now, tz);
    let q = c.spec.prices.quote(today, query.dinner);
    Ok(web::Json(QuoteView {
        tier: q.tier_code,
        pass_fee: q.pass_fee,
        dinner_fee: q.dinner_fee,
        total: q.total,
        currency: c.spec.currency,
        dinner: query.dinner,
        as_of: today,
        registration_open: deadlines::is_open(
            now,
            tz,
            c.spec.deadlines.get(deadlines::DeadlineKey::Registration),
        ),
    }))
}
