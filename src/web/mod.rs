//! The web pages: server-rendered HTML for organisation users (the portal)
//! and, for now, a placeholder for staff. Each handler reads its form,
//! states who may call (the [`session`] extractors, which also check the
//! CSRF token of every form post), runs the same operation the JSON API
//! runs, and renders a template from `templates/web/`. Errors become pages
//! in one place ([`error`]); every response gets the security headers
//! ([`protect`]), and form posts from another site are refused there too.

pub mod assets;
pub mod error;
pub mod fields;
pub mod format;
pub mod frame;
pub mod pages;
pub mod session;

use std::future::Future;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::web;

use crate::state::AppState;

/// Every page and static file.
pub fn routes(cfg: &mut web::ServiceConfig) {
    pages::routes(cfg);
    cfg.route("/static/{name}", web::get().to(assets::serve));
}

/// What pages may load and who may frame them: only this origin's styles
/// and scripts, no inline script, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Whether a path is served by the web layer (not the JSON API or its
/// document browser).
pub fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path == "/api"
        || path.starts_with("/docs")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics")
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&url[..scheme.len() + 3 + end])
}

/// Whether a form post comes from this site: its `Origin` (or, without one,
/// its `Referer`) is the configured public URL's origin or the origin the
/// request was addressed to. A post with neither header (not a browser)
/// passes here and still needs its CSRF token.
pub fn same_origin(req: &ServiceRequest, public_url: &str) -> bool {
    let sent = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .map(|v| v.to_str().ok().and_then(origin_of).map(str::to_owned));
    let Some(sent) = sent else {
        return true;
    };
    let Some(sent) = sent else {
        return false;
    };
    let host = req.connection_info().host().to_owned();
    origin_of(public_url).is_some_and(|o| o.eq_ignore_ascii_case(&sent))
        || sent.eq_ignore_ascii_case(&format!("http://{host}"))
        || sent.eq_ignore_ascii_case(&format!("https://{host}"))
}

/// Middleware for the pages: refuses form posts from another site (403,
/// before any handler runs), and sends every page with the security
/// headers; HTML is never stored by caches, as pages show personal data.
pub fn protect<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let page = is_page(req.path());
    let public_url = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.public_url.clone())
        .unwrap_or_default();
    let refused = page && req.method() == Method::POST && !same_origin(&req, &public_url);
    let next = if refused {
        Err(req.into_parts().0)
    } else {
        Ok(srv.call(req))
    };
    async move {
        let mut res = match next {
            Ok(call) => {
                let res = call.await?;
                let shown = res.response().extensions().get::<error::Shown>().cloned();
                match shown {
                    Some(shown) if page => {
                        let (req, _) = res.into_parts();
                        let chrome = match session::signed_in(&req).await {
                            Ok(Some(s)) => frame::Chrome::signed_in(&shown.heading, &s),
                            _ => frame::Chrome::anonymous(&shown.heading),
                        };
                        ServiceResponse::new(req, shown.render(chrome)).map_into_right_body()
                    }
                    _ => res.map_into_left_body(),
                }
            }
            Err(req) => {
                ServiceResponse::new(req, error::PageError::CrossSite.page()).map_into_right_body()
            }
        };
        if page {
            let headers = res.headers_mut();
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            if !headers.contains_key(header::CACHE_CONTROL) {
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://plenary.example/portal?x=1"),
            Some("https://plenary.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("null"), None);
        assert!(is_page("/portal"));
        assert!(is_page("/"));
        assert!(!is_page("/api/v1/conferences"));
        assert!(!is_page("/docs/"));
    }
}
