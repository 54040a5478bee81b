//! The problem responses of the API document, one shared type per status,
//! listed in each endpoint's `responses(...)`.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident = $status:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                problem($status)
            }
        }
    )*};
}

fn problem(status: u16) -> BTreeMap<String, RefOr<Response>> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let response = ResponseBuilder::new()
        .description("")
        .content("application/problem+json", content)
        .build();
    BTreeMap::from([(status.to_string(), RefOr::T(response))])
}

problem_responses! {
    /// 400 `malformed_request`.
    BadRequest = 400;
    /// 401 `unauthenticated`.
    Unauthenticated = 401;
    /// 403 `forbidden`.
    Forbidden = 403;
    /// 404 `not_found`.
    NotFound = 404;
    /// 409 `conflict`, `deadline_passed`, `capacity_reached`, `not_open`.
    Conflict = 409;
    /// 415 `unsupported_media_type`: the body is not JSON in UTF-8.
    UnsupportedMediaType = 415;
    /// 422 `validation_failed`, `word_limit_exceeded`, `not_eligible`.
    Unprocessable = 422;
    /// 429 `too_many_requests`.
    TooManyRequests = 429;
    /// 500 `internal_error`.
    ServerError = 500;
}
