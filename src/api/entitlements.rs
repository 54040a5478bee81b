//! Entitlements: how many voting passes each organisation may hold at a
//! conference (staff set them; staff read every organisation's figures,
//! an organisation user its own).

use std::collections::BTreeMap;

use actix_web::{get, put, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Authed, Caller, Staff};
use super::responses::{
    BadRequest, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::entitlements::ops::{self as entitlements, EntitlementsView, SetEntitlements};
use crate::entitlements::rules;
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(set_entitlements).service(get_entitlements);
}

/// Body of `PUT /conferences/{id}/entitlements`: the whole setting.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EntitlementsInput)]
pub struct EntitlementsBody {
    /// Voting passes each organisation may hold unless named below; null:
    /// no limit.
    #[schema(example = 3)]
    pub default: Option<i64>,
    /// Organisations with their own figure, by organisation id; the rest
    /// fall back to `default`.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, i64>, example = json!({"0190f1c2-7d3e-7a41-9c55-2b7d1e0f4a10": 5}))]
    pub organisations: BTreeMap<String, i64>,
}

/// One organisation's figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = EntitlementUsage)]
pub struct UsageView {
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub organisation: String,
    /// Voting passes it may hold (its own figure, else the default); null:
    /// no limit.
    pub entitlement: Option<u32>,
    /// Voting passes it holds (active people on a voting pass).
    pub used: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Entitlements)]
pub struct EntitlementsOut {
    #[schema(format = Uuid)]
    pub conference_id: String,
    pub default: Option<u32>,
    /// Organisations with their own figure (an organisation user sees only
    /// its own).
    #[schema(value_type = BTreeMap<String, u32>)]
    pub organisations: BTreeMap<String, u32>,
    /// Staff: every organisation with a figure of its own or voting passes
    /// held, by name; an organisation user: its own alone.
    pub usage: Vec<UsageView>,
}

impl From<EntitlementsView> for EntitlementsOut {
    fn from(v: EntitlementsView) -> Self {
        Self {
            conference_id: v.conference_id.to_string(),
            default: v.set.default,
            organisations: v
                .set
                .organisations
                .into_iter()
                .map(|(id, n)| (id.to_string(), n))
                .collect(),
            usage: v
                .usage
                .into_iter()
                .map(|u| UsageView {
                    organisation_id: u.organisation_id.to_string(),
                    organisation: u.organisation,
                    entitlement: u.entitlement,
                    used: u.used,
                })
                .collect(),
        }
    }
}

/// Set how many voting passes each organisation may hold at a conference
/// (staff). Replaces the whole setting: organisations not named fall back
/// to `default`. Passes already held are kept. Only voting passes count;
/// a registration that would exceed an organisation's entitlement is 409
/// `entitlement_exceeded`. Role: `conference`.
#[utoipa::path(
    tag = "entitlements",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    request_body = EntitlementsBody,
    responses(
        (status = 200, body = EntitlementsOut),
        BadRequest, Unauthenticated, Forbidden, NotFound, UnsupportedMediaType, Unprocessable,
    )
)]
#[put("/conferences/{id}/entitlements")]
pub async fn set_entitlements(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Conference>, EntitlementsBody>,
) -> ApiResult<web::Json<EntitlementsOut>> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let command = SetEntitlements {
        conference_id: id.into_inner().into(),
        entitlements: rules::parse(b.default, &b.organisations)?,
    };
    let view = state.run(&actor, command).await?;
    Ok(web::Json(view.into()))
}

/// A conference's entitlements and what each organisation has used: staff
/// see every organisation's, an organisation user only its own. Role:
/// `conference`.
#[utoipa::path(
    tag = "entitlements",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, body = EntitlementsOut),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[get("/conferences/{id}/entitlements")]
pub async fn get_entitlements(
    state: web::Data<AppState>,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<EntitlementsOut>> {
    let actor = caller.actor;
    let id = ConferenceId::from(id.into_inner());
    let view = state
        .db(move |conn| entitlements::read(conn, &actor, &id))
        .await?;
    Ok(web::Json(view.into()))
}
