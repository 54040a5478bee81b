//! The one place the web layer's failures become pages: sign in again, not
//! found, refused, or something went wrong. (Refusals a form can explain,
//! such as a field problem or a passed deadline, are shown on the form
//! itself by its handler.)

use actix_web::http::StatusCode;

use crate::ops::Error;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No live session: sign in (again).
    #[error("sign in required")]
    SignIn,
    /// Somewhere else is the place for this visitor.
    #[error("see {0}")]
    Redirect(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    /// A form post without its session's CSRF token.
    #[error("form token missing or wrong")]
    Csrf,
    /// A form post from another site.
    #[error("form posted from another site")]
    CrossSite,
    /// A form body that is not a urlencoded form (or is too large).
    #[error("malformed form")]
    BadForm,
    /// An operation refused in a way the page cannot put on a form.
    #[error("{1}")]
    Refused(StatusCode, String),
    #[error("internal error: {0}")]
    Internal(anyhow::Error),
}

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        match e {
            Error::Unauthenticated => PageError::SignIn,
            Error::NotFound => PageError::NotFound,
            Error::Forbidden(m) => PageError::Forbidden(m.to_owned()),
            Error::Internal(e) => PageError::Internal(e),
            Error::TooManyRequests { .. } => PageError::Refused(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts. Please wait a few minutes and try again.".into(),
            ),
            other => PageError::Refused(StatusCode::CONFLICT, sentence(&other.to_string())),
        }
    }
}

/// A message as a sentence: capital first letter, full stop.
pub fn sentence(s: &str) -> String {
    let s = s.trim();
    let mut c = s.chars();
    let mut out: String = match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

impl PageError {
    /// The status, heading and message of this failure's page.
    pub fn parts(&self) -> (StatusCode, &str, String) {
        match self {
            PageError::SignIn | PageError::Redirect(_) => (StatusCode::SEE_OTHER, "", String::new()),
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "If you typed the web address, check it is correct. If you followed a link, the page may belong to another organisation or no longer exist.".into(),
            ),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, "You cannot do that", sentence(m)),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "Nothing was changed. Go back, reload the page and try again.".into(),
            ),
            PageError::CrossSite => (
                StatusCode::FORBIDDEN,
                "This form came from another website",
                "Nothing was changed. Use the forms on this site.".into(),
            ),
            PageError::BadForm => (
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                "Nothing was changed. Go back and try again.".into(),
            ),
            PageError::Refused(status, m) => (*status, "That could not be done", m.clone()),
            PageError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, there is a problem with the service",
                "Nothing you sent has been lost or half-done. Please try again later.".into(),
            ),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::Internal(anyhow::anyhow!("template: {e}"))
    }
}

/// An error page as shown: kept with the response so that the pages'
/// middleware, which knows the request, can frame it for a signed-in
/// visitor (their organisation's name and **Sign out**).
#[derive(Debug, Clone)]
pub struct Shown {
    pub status: StatusCode,
    pub heading: String,
    pub message: String,
}
