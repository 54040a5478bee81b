//! The one place errors become RFC 9457 problem+json responses.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::deadlines::DeadlinePassed;
use crate::domain::words::WordLimitExceeded;
use crate::domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Malformed(String),
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    DeadlinePassed(String),
    #[error("{0}")]
    CapacityReached(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request is still being processed")]
    InProgress,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    WordLimit(WordLimitExceeded),
    #[error("{0}")]
    NotEligible(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("too many failed attempts")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("request timed out")]
    Timeout,
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

/// The problem document sent for every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed_request",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::DeadlinePassed(_) => "deadline_passed",
            ApiError::CapacityReached(_) => "capacity_reached",
            ApiError::Conflict(_) | ApiError::InProgress => "conflict",
            ApiError::Validation(_) => "validation_failed",
            ApiError::WordLimit(_) => "word_limit_exceeded",
            ApiError::NotEligible(_) => "not_eligible",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Timeout => "timeout",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "Malformed request",
            ApiError::Unauthenticated => "Unauthenticated",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::NotFound => "Not found",
            ApiError::DeadlinePassed(_) => "Deadline passed",
            ApiError::CapacityReached(_) => "Capacity reached",
            ApiError::Conflict(_) => "Conflict",
            ApiError::InProgress => "Request in progress",
            ApiError::Validation(_) => "Validation failed",
            ApiError::WordLimit(_) => "Word limit exceeded",
            ApiError::NotEligible(_) => "Not eligible",
            ApiError::PayloadTooLarge(_) => "Payload too large",
            ApiError::TooManyRequests { .. } => "Too many requests",
            ApiError::Timeout => "Request timed out",
            ApiError::Internal(_) => "Internal server error",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::Unauthenticated => {
                "A valid bearer token is required, or the credentials were wrong.".into()
            }
            ApiError::NotFound => "No such resource.".into(),
            ApiError::Validation(errors) => {
                format!("{} field(s) failed validation; see `errors`.", errors.len())
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                format!("Too many failed attempts; try again in {retry_after_secs} seconds.")
            }
            ApiError::InProgress => {
                "A request with this Idempotency-Key is still being processed.".into()
            }
            ApiError::Internal(_) => "Something went wrong on our side.".into(),
            other => other.to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        let code = self.code();
        Problem {
            kind: format!("https://plenary.coop/problems/{}", code.replace('_', "-")),
            title: self.title().into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: code.into(),
            errors: match self {
                ApiError::Validation(e) => Some(e.clone()),
                _ => None,
            },
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => ApiError::NotFound,
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(e: Vec<FieldError>) -> Self {
        ApiError::Validation(e)
    }
}

impl From<DeadlinePassed> for ApiError {
    fn from(e: DeadlinePassed) -> Self {
        ApiError::DeadlinePassed(e.to_string())
    }
}

impl From<WordLimitExceeded> for ApiError {
    fn from(e: WordLimitExceeded) -> Self {
        ApiError::WordLimit(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::DeadlinePassed(_)
            | ApiError::CapacityReached(_)
            | ApiError::Conflict(_)
            | ApiError::InProgress => StatusCode::CONFLICT,
            ApiError::Validation(_) | ApiError::WordLimit(_) | ApiError::NotEligible(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::TooManyRequests { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::InProgress => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            ApiError::Unauthenticated => {
                res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
