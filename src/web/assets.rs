//! The stylesheet and the script, compiled into the binary and served with
//! a content hash in their URLs, so browsers may keep them for a year.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::error::PageError;
use crate::security;

pub const CSS: &str = include_str!("../../static/plenary.css");
pub const JS: &str = include_str!("../../static/plenary.js");

/// A hash of both files: the `?v=` of their URLs changes when either does.
pub static VERSION: LazyLock<String> =
    LazyLock::new(|| security::digest(&format!("{CSS}\n{JS}"))[..12].to_owned());

pub async fn serve(name: web::Path<String>) -> Result<HttpResponse, PageError> {
    let (body, content_type) = match name.as_str() {
        "plenary.css" => (CSS, "text/css; charset=utf-8"),
        "plenary.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return Err(PageError::NotFound),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_and_script_stay_small() {
        assert!(
            CSS.len() + JS.len() < 50 * 1024,
            "{} bytes",
            CSS.len() + JS.len()
        );
        assert_eq!(VERSION.len(), 12);
    }
}
