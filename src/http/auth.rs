//! Logging in and out.

use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::Caller;
use crate::app::AppState;
use crate::db;
use crate::security;

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
/// The same 401 answers an unknown email and a wrong password. After
/// repeated failures for one email, further attempts get 429 with
/// `Retry-After` until the lockout ends.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<LoginResponse>> {
    let LoginRequest { email, password } = body.into_inner();
    let email = email.trim().to_lowercase();
    let key = security::digest(&email);
    let now = state.now();
    let lockout = Duration::seconds(state.settings.login_lockout_secs as i64);
    let max_failures = state.settings.login_max_failures as i32;

    let (k, e) = (key.clone(), email.clone());
    let (failures, user) = state
        .db(move |conn| {
            let failures = db::users::recent_failures(conn, &k, (now - lockout).naive_utc())?;
            let user = db::users::by_email(conn, &e)?;
            Ok((failures, user))
        })
        .await?;
    if let Some((count, last)) = failures {
        if count >= max_failures {
            let until = last.and_utc() + lockout;
            let retry_after_secs = (until - now).num_seconds().max(1) as u64;
            return Err(ApiError::TooManyRequests { retry_after_secs });
        }
    }

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let ok = web::block(move || security::verify_password(&password, stored.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("password check failed: {e}")))?;

    let Some(user) = user.filter(|_| ok) else {
        state
            .db(move |conn| {
                Ok(db::users::record_failure(
                    conn,
                    &key,
                    now.naive_utc(),
                    (now - lockout).naive_utc(),
                )?)
            })
            .await?;
        return Err(ApiError::Unauthenticated);
    };

    let token = security::new_token();
    let token_hash = security::digest(&token);
    let expires_at = now + Duration::hours(i64::from(state.settings.token_ttl_hours));
    state
        .tx(move |conn| {
            db::users::clear_failures(conn, &key)?;
            db::users::delete_expired_sessions(conn, &user.id, now.naive_utc())?;
            db::users::insert_session(
                conn,
                &token_hash,
                &user.id,
                now.naive_utc(),
                expires_at.naive_utc(),
            )?;
            Ok(())
        })
        .await?;
    Ok(web::Json(LoginResponse { token, expires_at }))
}

/// Revoke the token used for this request.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Token revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    state
        .db(move |conn| Ok(db::users::delete_session(conn, &caller.token_hash)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
