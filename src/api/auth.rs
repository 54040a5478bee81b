//! Signing in and out.

use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Caller, JsonBody};
use super::responses::{BadRequest, TooManyRequests, Unauthenticated, UnsupportedMediaType};
use crate::accounts::ops as accounts;
use crate::accounts::throttle::ClientAddress;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login).service(logout);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    #[schema(example = "staff@party.example")]
    pub email: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Bearer token for the `Authorization` header.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Exchange an email and password for a bearer token.
///
/// The same 401 answers an unknown email and a wrong password. A client
/// address with repeated failures (whatever the emails), or one that failed
/// on an email that has since been locked by failures, gets 429 with
/// `Retry-After` until its failures expire; the right password from a
/// client that has not failed on a locked email still signs in.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        BadRequest, Unauthenticated, UnsupportedMediaType, TooManyRequests,
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientAddress,
    JsonBody(body): JsonBody<LoginRequest>,
) -> ApiResult<web::Json<LoginResponse>> {
    let LoginRequest { email, password } = body;
    let session = accounts::login(&state, &email, password, &client).await?;
    Ok(web::Json(LoginResponse {
        token: session.token,
        expires_at: session.expires_at,
    }))
}

/// Revoke the token used for this request.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Token revoked"),
        Unauthenticated,
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    state
        .tx(move |conn| accounts::logout(conn, &caller.token_hash))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
