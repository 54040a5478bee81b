//! Organisations: local parties and co-operative societies.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{Authed, Caller, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{self, Page};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::ids::OrganisationId;
use crate::ops::role;
use crate::organisations::ops::{
    self as organisations, CreateOrganisation, ImportOrganisations, ListFilter, OrganisationPatch,
    SetActive, UpdateOrganisation,
};
use crate::organisations::rules::{billing_address, ImportRow, NewOrganisation};
use crate::organisations::{OrganisationKind, OrganisationRow};
use crate::state::AppState;
use crate::values::{FieldError, Problems, Region};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_organisation)
        .service(list_organisations)
        .service(get_organisation)
        .service(update_organisation)
        .service(deactivate_organisation)
        .service(reactivate_organisation)
        .service(import_organisations);
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
    /// Postal address printed on invoices (lines separated by newlines).
    #[serde(default)]
    pub billing_address: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub region: String,
    pub contact_email: String,
    /// Postal address printed on invoices.
    pub billing_address: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When staff deactivated it (its users cannot sign in; nobody
    /// registers or submits for it).
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl From<OrganisationRow> for OrganisationView {
    fn from(o: OrganisationRow) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind,
            region: o.region,
            contact_email: o.contact_email,
            billing_address: o.billing_address,
            created_at: o.created_at.and_utc(),
            deactivated_at: o.deactivated_at.map(|t| t.and_utc()),
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
    request: Authed<Staff<role::Conference>, CreateOrganisationBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let mut p = Problems::default();
    let billing_address = b
        .billing_address
        .as_deref()
        .and_then(|a| p.take("billing_address", billing_address(a)))
        .flatten();
    let new = NewOrganisation::parse(
        &b.name,
        b.kind,
        &b.region,
        &b.contact_email,
        &state.settings.regions,
    );
    let new = match (new, p.into_result()) {
        (Ok(new), Ok(())) => NewOrganisation {
            billing_address,
            ..new
        },
        (Ok(_), Err(e)) => return Err(crate::ops::Error::from(e).into()),
        (Err(mut e), address) => {
            e.extend(address.err().unwrap_or_default());
            return Err(crate::ops::Error::from(e).into());
        }
    };
    let outcome = state
        .run_once(&actor, key.0.as_ref(), CreateOrganisation(new))
        .await?;
    Ok(answer(StatusCode::CREATED, outcome, OrganisationView::from))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Staff: names containing this text (any case).
    pub q: Option<String>,
    /// Staff: `local_party` or `society`.
    pub kind: Option<OrganisationKind>,
    /// Staff: one region.
    pub region: Option<String>,
    /// Staff: deactivated organisations too.
    #[serde(default)]
    pub include_inactive: bool,
}

/// List organisations: staff see all (searched by name, filtered by kind
/// and region; active ones unless `include_inactive`), an organisation
/// user sees its own.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(OrganisationQuery),
    responses(
        (status = 200, body = Page<OrganisationView>),
        Unauthenticated, Unprocessable,
    )
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    caller: Caller<role::ConferenceOrFinance>,
    query: web::Query<OrganisationQuery>,
) -> ApiResult<web::Json<Page<OrganisationView>>> {
    let q = query.into_inner();
    let (limit, cursor) = pagination::parse::<OrganisationId>(q.limit, q.cursor.as_deref())?;
    let region = q
        .region
        .map(|r| Region::parse(&r, &state.settings.regions).map(Region::into_inner))
        .transpose()
        .map_err(|e| ApiError::validation("region", e))?;
    let filter = ListFilter {
        only: None,
        name: q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
        kind: q.kind,
        region,
        include_inactive: q.include_inactive,
    };
    let rows = state
        .db(move |conn| organisations::list(conn, &caller.actor, filter, limit, cursor.as_ref()))
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
    caller: Caller<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<OrganisationView>> {
    let id = OrganisationId::from(id.into_inner());
    let row = state
        .db(move |conn| organisations::get(conn, &caller.actor, &id))
        .await?;
    Ok(web::Json(row.into()))
}

/// Change an organisation (staff): any of its fields, checked as for a new
/// one.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    request_body = OrganisationPatch,
    responses(
        (status = 200, body = OrganisationView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[patch("/organisations/{id}")]
pub async fn update_organisation(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Conference>, OrganisationPatch>,
) -> ApiResult<web::Json<OrganisationView>> {
    let Staff(actor, _) = request.who;
    let command = UpdateOrganisation {
        id: id.into_inner().into(),
        patch: request.body,
    };
    Ok(web::Json(state.run(&actor, command).await?.into()))
}

async fn set_active(
    state: &AppState,
    actor: &crate::ops::Actor,
    id: uuid::Uuid,
    active: bool,
) -> ApiResult<web::Json<OrganisationView>> {
    let command = SetActive {
        id: id.into(),
        active,
    };
    Ok(web::Json(state.run(actor, command).await?.into()))
}

/// Deactivate an organisation (staff): its users can no longer sign in and
/// nobody registers or submits for it; what it has is kept.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = OrganisationView),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[post("/organisations/{id}/deactivate")]
pub async fn deactivate_organisation(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<OrganisationView>> {
    set_active(&state, &actor, id.into_inner(), false).await
}

/// Reactivate a deactivated organisation (staff).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = OrganisationView),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[post("/organisations/{id}/reactivate")]
pub async fn reactivate_organisation(
    state: web::Data<AppState>,
    Staff(actor, _): Staff<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<OrganisationView>> {
    set_active(&state, &actor, id.into_inner(), true).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The file: a header line naming `name, kind, region, contact_email`
    /// (any order, any case), then one organisation per line. `kind` takes
    /// `local_party`/`society` or "Local party"/"Co-operative society".
    pub csv: String,
    /// Check only: nothing is saved.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportRowView {
    /// The file's line (the header is line 1).
    pub line: usize,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub contact_email: String,
    /// Empty when the row is good.
    pub errors: Vec<FieldError>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportView {
    /// Every row with its problems.
    pub rows: Vec<ImportRowView>,
    /// Whether the organisations were saved (never on a dry run, never
    /// when any row is wrong).
    pub saved: bool,
    /// The organisations created.
    pub created: Vec<OrganisationView>,
}

/// Import organisations from a CSV file (staff).
///
/// Every row is checked (fields, a name twice in the file, a name taken
/// already) and reported; the organisations are saved only when every row
/// is good and `dry_run` is false — all of them or none. A file with a
/// wrong row answers 422 with the rows, so a client can show each row's
/// errors beside it.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    request_body = ImportRequest,
    responses(
        (status = 200, description = "Checked (dry run), nothing saved", body = ImportView),
        (status = 201, description = "Every row saved", body = ImportView),
        (status = 422, description = "Nothing saved: some row is wrong (each row with its errors), or the file itself is (a problem naming `csv`)", content(
            (ImportView = "application/json"),
            (Problem = "application/problem+json"),
        )),
        BadRequest, Unauthenticated, Forbidden, Conflict, UnsupportedMediaType,
    )
)]
#[post("/organisations/import")]
pub async fn import_organisations(
    state: web::Data<AppState>,
    request: Authed<Staff<role::Conference>, ImportRequest>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), body) = (request.who, request.body);
    let regions = state.settings.regions.clone();
    let reader = actor.clone();
    let csv = body.csv;
    let rows = state
        .db(move |conn| organisations::preview_import(conn, &reader, &csv, &regions))
        .await?;
    let good = rows.iter().all(|r| r.errors.is_empty());
    let view_rows = |rows: Vec<ImportRow>| -> Vec<ImportRowView> {
        rows.into_iter()
            .map(|r| ImportRowView {
                line: r.line,
                name: r.name,
                kind: r.kind,
                region: r.region,
                contact_email: r.contact_email,
                errors: r.errors,
            })
            .collect()
    };
    if body.dry_run || !good || rows.is_empty() {
        let status = if good && !rows.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok(HttpResponse::build(status).json(ImportView {
            rows: view_rows(rows),
            saved: false,
            created: Vec::new(),
        }));
    }
    let organisations = rows.iter().filter_map(|r| r.parsed.clone()).collect();
    let created = state
        .run(&actor, ImportOrganisations { organisations })
        .await?;
    Ok(HttpResponse::Created().json(ImportView {
        rows: view_rows(rows),
        saved: true,
        created: created.into_iter().map(OrganisationView::from).collect(),
    }))
}
