//! Organisations: local parties and co-operative societies.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{Caller, Staff};
use super::pagination::{Page, PageQuery};
use crate::app::AppState;
use crate::db;
use crate::db::organisations::OrganisationRow;
use crate::domain::values::{self, EmailAddress, Region};
use crate::domain::Problems;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_organisation)
        .service(list_organisations)
        .service(get_organisation);
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    LocalParty,
    Society,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::LocalParty => "local_party",
            OrganisationKind::Society => "society",
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
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
    #[schema(format = Uuid)]
    pub id: String,
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
            kind: if o.kind == "society" {
                OrganisationKind::Society
            } else {
                OrganisationKind::LocalParty
            },
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
    responses(
        (status = 201, body = OrganisationView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<CreateOrganisation>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let mut p = Problems::default();
    let name = p.take("name", values::line(&b.name, 200));
    let region = p.take("region", Region::parse(&b.region, &state.settings.regions));
    let contact_email = p.take("contact_email", EmailAddress::parse(&b.contact_email));
    p.into_result()?;
    let row = OrganisationRow {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.expect("checked"),
        kind: b.kind.as_str().to_owned(),
        region: region.expect("checked").into_inner(),
        contact_email: contact_email.expect("checked").into_inner(),
        created_at: state.now().naive_utc(),
    };
    let row = state
        .db(move |conn| match db::organisations::insert(conn, &row) {
            Ok(()) => Ok(row),
            Err(e) if db::is_unique_violation(&e) => Err(ApiError::Conflict(
                "An organisation with this name already exists.".into(),
            )),
            Err(e) => Err(e.into()),
        })
        .await?;
    Ok(HttpResponse::Created().json(OrganisationView::from(row)))
}

/// List organisations: staff see all, an organisation user sees its own.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<OrganisationView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<OrganisationView>>> {
    let (limit, cursor) = query.parse()?;
    let only = if caller.is_staff() {
        None
    } else {
        caller.organisation_id.clone()
    };
    let rows = state
        .db(move |conn| {
            Ok(db::organisations::list(
                conn,
                only.as_deref(),
                limit,
                cursor.as_deref(),
            )?)
        })
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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<OrganisationView>> {
    let id = id.into_inner().to_string();
    if !caller.may_act_for(&id) {
        return Err(ApiError::NotFound);
    }
    let row = state
        .db(move |conn| db::organisations::get(conn, &id)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(web::Json(row.into()))
}
