//! How an operation run once per `Idempotency-Key` is answered: with its
//! result, marked `Idempotent-Replayed: true` when it is the stored result
//! of an earlier request.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

use crate::ops::Outcome;

pub const REPLAYED: &str = "Idempotent-Replayed";

/// The response for an outcome, its value shown through `view`.
pub fn answer<V, T: Serialize>(
    status: StatusCode,
    outcome: Outcome<V>,
    view: impl FnOnce(V) -> T,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    if outcome.replayed {
        res.insert_header((REPLAYED, "true"));
    }
    res.json(view(outcome.value))
}
