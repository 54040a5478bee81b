//! The one place errors become RFC 9457 problem+json responses: the
//! operations' refusals, and what only HTTP can get wrong.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::ops::Error;
use crate::values::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON of the expected shape.
    #[error("{0}")]
    Malformed(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("request timed out")]
    Timeout,
    /// The path is served, but not with this method; `allow` lists those
    /// it is served with.
    #[error("{method} is not supported here; use {allow}")]
    MethodNotAllowed { method: String, allow: String },
    /// The body is not sent as JSON in UTF-8.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// What an operation refused, or failed at.
    #[error(transparent)]
    Op(#[from] Error),
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
    /// `entitlement_exceeded`: the organisation's entitlement of voting passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entitlement: Option<u32>,
    /// `entitlement_exceeded`: the voting passes it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used: Option<u32>,
    /// `entitlement_exceeded`: the voting passes the request asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked: Option<u32>,
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Op(Error::validation(field, message))
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed_request",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::Timeout => "timeout",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Op(e) => e.code(),
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "Malformed request",
            ApiError::PayloadTooLarge(_) => "Payload too large",
            ApiError::Timeout => "Request timed out",
            ApiError::MethodNotAllowed { .. } => "Method not allowed",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::Op(e) => match e {
                Error::Unauthenticated => "Unauthenticated",
                Error::Forbidden(_) => "Forbidden",
                Error::NotFound => "Not found",
                Error::DeadlinePassed(_) => "Deadline passed",
                Error::CapacityReached(_) => "Capacity reached",
                Error::EntitlementExceeded(_) => "Entitlement exceeded",
                Error::NotOpen(_) => "Not open",
                Error::Conflict(_) => "Conflict",
                Error::InProgress => "Request in progress",
                Error::Validation(_) => "Validation failed",
                Error::WordLimit(_) => "Word limit exceeded",
                Error::NotEligible(_) => "Not eligible",
                Error::TooManyRequests { .. } => "Too many requests",
                Error::Internal(_) => "Internal server error",
            },
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::Op(Error::Unauthenticated) => {
                "A valid bearer token is required, or the credentials were wrong.".into()
            }
            ApiError::Op(Error::NotFound) => "No such resource.".into(),
            ApiError::Op(Error::Validation(errors)) => {
                format!("{} field(s) failed validation; see `errors`.", errors.len())
            }
            ApiError::Op(Error::TooManyRequests { retry_after_secs }) => {
                format!("Too many failed attempts; try again in {retry_after_secs} seconds.")
            }
            ApiError::Op(Error::InProgress) => {
                "A request with this Idempotency-Key is still being processed.".into()
            }
            ApiError::Op(Error::Internal(_)) => "Something went wrong on our side.".into(),
            other => other.to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        let code = self.code();
        let exceeded = match self {
            ApiError::Op(Error::EntitlementExceeded(e)) => Some(e),
            _ => None,
        };
        Problem {
            kind: format!("https://plenary.coop/problems/{}", code.replace('_', "-")),
            title: self.title().into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: code.into(),
            errors: match self {
                ApiError::Op(Error::Validation(e)) => Some(e.clone()),
                _ => None,
            },
            entitlement: exceeded.map(|e| e.entitlement),
            used: exceeded.map(|e| e.used),
            asked: exceeded.map(|e| e.asked),
        }
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(e: Vec<FieldError>) -> Self {
        Self::Op(Error::Validation(e))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Op(e) => match e {
                Error::Unauthenticated => StatusCode::UNAUTHORIZED,
                Error::Forbidden(_) => StatusCode::FORBIDDEN,
                Error::NotFound => StatusCode::NOT_FOUND,
                Error::DeadlinePassed(_)
                | Error::CapacityReached(_)
                | Error::EntitlementExceeded(_)
                | Error::NotOpen(_)
                | Error::Conflict(_)
                | Error::InProgress => StatusCode::CONFLICT,
                Error::Validation(_) | Error::WordLimit(_) | Error::NotEligible(_) => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
                Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Op(Error::Internal(cause)) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::Op(Error::TooManyRequests { retry_after_secs }) => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Op(Error::InProgress) => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                res.insert_header((header::ALLOW, allow.as_str()));
            }
            ApiError::Op(Error::Unauthenticated) => {
                res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
