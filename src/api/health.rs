//! Liveness and readiness probes.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;

use super::error::ApiResult;
use super::responses::ServerError;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = Health),
        ServerError,
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state.db(|conn| Ok(crate::db::ping(conn)?)).await?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}
