//! `GET /metrics`: the Prometheus text exposition, served only when
//! `metrics_token` is configured and only to requests bearing it. Without
//! the setting the path is not found, as if it did not exist.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use crate::email::outbox;
use crate::metrics::{age_secs, Snapshot};
use crate::ops::Error;
use crate::state::AppState;

pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let Some(expected) = state.settings.metrics_token.as_deref() else {
        return Err(Error::NotFound.into());
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Digests compared, so the time taken says nothing of how much of the
    // token was right.
    if bearer.map(|b| Sha256::digest(b.as_bytes())) != Some(Sha256::digest(expected.as_bytes())) {
        return Err(Error::Unauthenticated.into());
    }
    let backlog = state.db(|conn| Ok(outbox::backlog(conn)?)).await?;
    let (pool_connections, pool_idle, pool_max) = state.pool.usage();
    let group = state.writer.as_ref().map(|w| w.stats()).unwrap_or_default();
    let snapshot = Snapshot {
        emails_pending: backlog.pending,
        emails_failed: backlog.failed,
        oldest_pending_email_secs: age_secs(backlog.oldest_pending, state.now().naive_utc()),
        pool_connections,
        pool_idle,
        pool_max,
        sqlite_wal_bytes: state.pool.wal_bytes(),
        group_commit_batches: group.batches,
        group_commit_writes: group.writes,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.render(&snapshot)))
}
