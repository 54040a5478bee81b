//! The JSON API: routes, extractors, error mapping, request logging. Each
//! handler parses its request, states who may call, runs one operation and
//! renders the result; the rules live in the domains.

pub mod auth;
pub mod checkin;
pub mod conferences;
pub mod entitlements;
pub mod error;
pub mod exports;
pub mod extensions;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod invoices;
pub mod limits;
pub mod methods;
pub mod metrics;
pub mod openapi;
pub mod organisations;
pub mod outbox;
pub mod pagination;
pub mod payments;
pub mod privacy;
pub mod programme;
pub mod registrations;
pub mod responses;
pub mod rooms;
pub mod submissions;
pub mod users;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpRequest};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;
use error::ApiError;
use methods::PathMethods;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The application: every route, its extractor settings and middleware.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.settings.body_limit_bytes;
    let max_depth = state.settings.json_max_depth;
    let body_timeout = std::time::Duration::from_secs(state.settings.request_timeout_secs);
    let document = openapi_document();
    let path_methods = PathMethods::from_document(&document);
    api_routes(
        App::new()
            .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", document))
            .route(
                "/docs",
                web::get().to(|| async {
                    actix_web::HttpResponse::PermanentRedirect()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            .app_data(web::Data::new(state))
            .app_data(
                web::JsonConfig::default()
                    .limit(limit)
                    .content_type_required(false)
                    .error_handler(move |e, _| json_error(e, limit).into()),
            )
            .app_data(web::PayloadConfig::default().limit(limit))
            .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(e).into()))
            .app_data(web::PathConfig::default().error_handler(|e, _| path_error(e).into()))
            .into_utoipa_app(),
    )
    .into_app()
    .app_data(web::FormConfig::default().limit(limit))
    .configure(crate::web::routes)
    .route("/metrics", web::get().to(metrics::serve))
    .default_service(web::to(move |req: HttpRequest| {
        no_route(req, path_methods.clone())
    }))
    .wrap_fn(crate::web::protect)
    .wrap_fn(move |req, srv| limits::guard_body(req, srv, max_depth, body_timeout))
    .wrap_fn(log_request)
}

/// Every documented route, registered on an app (the same list builds the
/// OpenAPI document).
fn api_routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(health::healthz)
        .service(health::readyz)
        .service(
            scope::scope("/api/v1")
                .configure(auth::routes)
                .configure(users::routes)
                .configure(organisations::routes)
                .configure(conferences::routes)
                .configure(registrations::routes)
                .configure(invoices::routes)
                .configure(payments::routes)
                .configure(submissions::routes)
                .configure(extensions::routes)
                .configure(outbox::routes)
                .configure(exports::routes)
                .configure(programme::routes)
                .configure(rooms::routes)
                .configure(entitlements::routes)
                .configure(checkin::routes)
                .configure(privacy::routes),
        )
}

/// The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_routes(
        App::new()
            .into_utoipa_app()
            .openapi(openapi::ApiDoc::openapi()),
    )
    .split_for_parts()
    .1
}

/// A request no route took: 405 with `Allow` when an API path is served
/// with other methods; otherwise not found, as a page for a browser asking
/// for HTML outside the API and as problem+json for everyone else.
async fn no_route(req: HttpRequest, methods: PathMethods) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    if let Some(allow) = methods.allowed(req.path()) {
        return ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: allow.to_owned(),
        }
        .error_response();
    }
    let wants_html = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html && crate::web::is_page(req.path()) {
        crate::web::error::PageError::NotFound.error_response()
    } else {
        ApiError::from(crate::ops::Error::NotFound).error_response()
    }
}

fn json_error(e: JsonPayloadError, limit: usize) -> ApiError {
    match e {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge(limit)
        }
        JsonPayloadError::Deserialize(e) => ApiError::Malformed(format!("invalid JSON body: {e}")),
        JsonPayloadError::Payload(e) => limits::refusal(&e)
            .unwrap_or_else(|| ApiError::Malformed(format!("invalid JSON body: {e}"))),
        other => ApiError::Malformed(format!("invalid JSON body: {other}")),
    }
}

fn query_error(e: QueryPayloadError) -> ApiError {
    let msg = match e {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    ApiError::validation("query", msg)
}

fn path_error(_e: PathError) -> ApiError {
    crate::ops::Error::NotFound.into()
}

/// One log line per request (method, path, status, duration, request id),
/// counted in the metrics by route pattern, and the request id echoed as
/// `X-Request-Id`. Nothing from bodies, headers or query strings is logged
/// or counted.
fn log_request<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().clone();
    let pattern = req.match_pattern();
    let path = pattern.clone().unwrap_or_else(|| req.path().to_owned());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let started = Instant::now();
    let fut = srv.call(req);
    async move {
        let mut res = fut.await?;
        let status = res.status().as_u16();
        if let Some(state) = state {
            let route = pattern
                .as_deref()
                .unwrap_or(crate::metrics::UNMATCHED_ROUTE);
            state
                .metrics
                .observe_request(route, method.as_str(), status, started.elapsed());
        }
        tracing::info!(
            request_id = %request_id,
            method = %method,
            path = %path,
            status,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request"
        );
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            res.headers_mut().insert(REQUEST_ID, v);
        }
        Ok(res)
    }
}
