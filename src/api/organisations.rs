//! Organisations: local parties and co-operative societies.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Authed, Caller, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{Page, PageQuery};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::ids::OrganisationId;
use crate::organisations::ops::{self as organisations, CreateOrganisation};
use crate::organisations::rules::NewOrganisation;
use crate::organisations::{OrganisationKind, OrganisationRow};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_organisation)
        .service(list_organisations)
        .service(get_organisation);
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateOrganisation)]
pub struct CreateOrganisationBody {
    #[schema(example = "Cardiff Co-operative Party")]
    pub name: String,
    pub kind: OrganisationKind,
    /// One of the configured regions.
    #[schema(example = "Wales")]
    pub region: String,
    #[schema(example = "secretary@cardiff.example")]
    pub contact_email: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub region: String,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
}

impl From<OrganisationRow> for OrganisationView {
    fn from(o: OrganisationRow) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind,
            region: o.region,
            contact_email: o.contact_email,
            created_at: o.created_at.and_utc(),
        }
    }
}

/// Create an organisation.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)")),
    request_body = CreateOrganisationBody,
    responses(
        (status = 201, body = OrganisationView),
        BadRequest, Unauthenticated, Forbidden, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    request: Authed<Staff, CreateOrganisationBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor), b) = (request.who, request.body);
    let new = NewOrganisation::parse(
        &b.name,
        b.kind,
        &b.region,
        &b.contact_email,
        &state.settings.regions,
    )?;
    let outcome = state
        .run_once(&actor, key.0.as_ref(), CreateOrganisation(new))
        .await?;
    Ok(answer(StatusCode::CREATED, outcome, OrganisationView::from))
}

/// List organisations: staff see all, an organisation user sees its own.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<OrganisationView>),
        Unauthenticated, Unprocessable,
    )
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<OrganisationView>>> {
    let (limit, cursor) = query.parse::<OrganisationId>()?;
    let rows = state
        .db(move |conn| organisations::list(conn, &caller.actor, limit, cursor.as_ref()))
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |o| o.id.clone(),
        OrganisationView::from,
    )))
}

/// One organisation: staff, or the organisation's own users (404 for others).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = OrganisationView),
        Unauthenticated, NotFound,
    )
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<OrganisationView>> {
    let id = OrganisationId::from(id.into_inner());
    let row = state
        .db(move |conn| organisations::get(conn, &caller.actor, &id))
        .await?;
    Ok(web::Json(row.into()))
}
