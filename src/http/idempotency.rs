//! `Idempotency-Key`: a POST repeated with a key the same account used in
//! the last 24 hours gets the first response again and creates nothing.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::Duration;
use serde::Serialize;

use super::error::ApiError;
use super::extract::Caller;
use crate::app::AppState;
use crate::db::{self, DbConnection};
use crate::security;

pub const HEADER: &str = "Idempotency-Key";
/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;
/// A key still marked in flight after this long belongs to a request that
/// died before finishing (nothing it did was committed), so it is freed.
pub const ABANDONED_AFTER_SECS: i64 = 60;

/// The optional `Idempotency-Key` header, checked at the edge.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(HEADER) else {
            return ready(Ok(Self(None)));
        };
        let valid = value.to_str().ok().filter(|v| {
            !v.is_empty() && v.len() <= 255 && v.bytes().all(|b| (0x21..0x7f).contains(&b))
        });
        ready(match valid {
            Some(v) => Ok(Self(Some(v.to_owned()))),
            None => Err(ApiError::validation(
                HEADER,
                "must be 1-255 visible ASCII characters",
            )),
        })
    }
}

/// Runs `f` in one transaction and answers with `status` and its result as
/// JSON; with a key, stores that response in the same transaction, or
/// replays the stored one.
pub async fn respond<T, F>(
    state: &AppState,
    caller: &Caller,
    key: IdempotencyKey,
    scope: String,
    request: &impl Serialize,
    status: StatusCode,
    f: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let Some(key) = key.0 else {
        let value = state.tx(f).await?;
        return Ok(HttpResponse::build(status).json(value));
    };
    let body = serde_json::to_string(request)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("request hash: {e}")))?;
    let hash = security::digest(&format!("{scope}\n{body}"));
    let now = state.now();
    let user_id = caller.user_id.clone();
    let (k, u, h) = (key.clone(), user_id.clone(), hash.clone());
    let existing = state
        .tx(move |conn| {
            Ok(db::idempotency::claim(
                conn,
                &u,
                &k,
                &h,
                now.naive_utc(),
                (now - Duration::hours(RETENTION_HOURS)).naive_utc(),
                (now - Duration::seconds(ABANDONED_AFTER_SECS)).naive_utc(),
            )?)
        })
        .await?;
    if let Some(existing) = existing {
        if existing.request_hash != hash {
            return Err(ApiError::validation(
                HEADER,
                "was already used with a different request",
            ));
        }
        return match (existing.status_code, existing.response_body) {
            (Some(code), Some(body)) => Ok(HttpResponse::build(
                StatusCode::from_u16(code as u16).unwrap_or(StatusCode::OK),
            )
            .content_type("application/json")
            .insert_header(("Idempotent-Replayed", "true"))
            .body(body)),
            _ => Err(ApiError::InProgress),
        };
    }

    let (k, u) = (key.clone(), user_id.clone());
    let outcome = state
        .tx(move |conn| {
            let value = f(conn)?;
            let body = serde_json::to_string(&value)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("response: {e}")))?;
            db::idempotency::complete(conn, &u, &k, status.as_u16(), &body)?;
            Ok(body)
        })
        .await;
    match outcome {
        Ok(body) => Ok(HttpResponse::build(status)
            .content_type("application/json")
            .body(body)),
        Err(e) => {
            // A refused request changes nothing, the key included.
            let released = state
                .db(move |conn| Ok(db::idempotency::release(conn, &user_id, &key)?))
                .await;
            if let Err(release_error) = released {
                tracing::warn!(error = %release_error, "could not release an idempotency key");
            }
            Err(e)
        }
    }
}
