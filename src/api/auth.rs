//! Signing in and out.

use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::extract::{Caller, JsonBody};
use super::responses::{
    BadRequest, Conflict, NotFound, TooManyRequests, Unauthenticated, Unprocessable,
    UnsupportedMediaType,
};
use crate::accounts::ops as accounts;
use crate::accounts::throttle::ClientAddress;
use crate::ops::role;
use crate::ops::Error;
use crate::security;
use crate::state::AppState;
use crate::values::EmailAddress;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(logout)
        .service(request_password_reset)
        .service(reset_password);
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
pub async fn logout(
    state: web::Data<AppState>,
    caller: Caller<role::AnyStaff>,
) -> ApiResult<HttpResponse> {
    state
        .tx(move |conn| accounts::logout(conn, &caller.token_hash))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[schema(example = "secretary@cardiff.example")]
    pub email: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PasswordResetAccepted {
    /// The same whether or not the address has an account.
    pub message: &'static str,
}

/// Ask for a link to reset a password.
///
/// Answers 202 with the same body whether or not the address has an
/// account; an account gets an email with a single-use link, valid for
/// `password_reset_minutes` (60), at most once every
/// `password_reset_every_secs` (300).
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, body = PasswordResetAccepted),
        BadRequest, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    let email = EmailAddress::parse(&body.email).map_err(|e| ApiError::validation("email", e))?;
    let now = state.now();
    let settings = state.settings.clone();
    state
        .tx(move |conn| accounts::request_password_reset(conn, now, &settings, &email))
        .await?;
    Ok(HttpResponse::Accepted().json(PasswordResetAccepted {
        message: "If an account uses this address, a link to reset its password is on its way.",
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// At least 12 characters.
    pub password: String,
}

/// Set a password through a single-use link (an invitation or a reset).
///
/// The token is the last part of the emailed link. The link is used up,
/// every session of the account ends and its failed logins are forgotten.
/// A used or expired link is 409 saying which; an unknown one 404.
#[utoipa::path(
    tag = "auth",
    params(("token" = String, Path, description = "The token from the emailed link")),
    request_body = NewPassword,
    responses(
        (status = 204, description = "Password set"),
        BadRequest, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/auth/password-reset/{token}")]
pub async fn reset_password(
    state: web::Data<AppState>,
    token: web::Path<String>,
    JsonBody(body): JsonBody<NewPassword>,
) -> ApiResult<HttpResponse> {
    let token = token.into_inner();
    let password = body.password;
    security::check_password_policy(&password).map_err(|e| ApiError::validation("password", e))?;
    let hash = tokio::task::spawn_blocking(move || security::hash_password(&password))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing failed: {e}")))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing failed: {e}")))?;
    let now = state.now();
    state
        .tx(move |conn| accounts::set_password_with_link(conn, &token, &hash, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
