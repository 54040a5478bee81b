//! Extractors that state a handler's access rule in its signature. The
//! caller is identified (and, for staff-only routes, refused) before any
//! request body is read, so a caller who may not act learns nothing of the
//! body's schema. Every extractor that admits staff names the staff roles
//! it admits (a marker from [`crate::ops::role`]): `Staff<role::Finance>`,
//! `Caller<role::Conference>`; there is no way to admit "any staff" without
//! saying so (`role::AnyStaff`).

use std::future::{ready, Future, Ready};
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{self, X_FORWARDED_FOR};
use actix_web::{mime, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::accounts;
use crate::accounts::throttle::ClientAddress;
use crate::ops::idempotency::{self, IdempotencyKey};
use crate::ops::role::Needs;
use crate::ops::{Actor, Error};
use crate::security;
use crate::state::AppState;

/// An organisation's user, or a staff member whose roles permit `R` (other
/// staff get 403), and the session token they presented.
#[derive(Debug, Clone)]
pub struct Caller<R> {
    pub actor: Actor,
    pub token_hash: String,
    role: PhantomData<R>,
}

/// A staff member whose roles permit `R`; anyone else gets 403.
#[derive(Debug, Clone)]
pub struct Staff<R>(pub Actor, pub PhantomData<R>);

/// Refuses staff whose roles do not permit `R`.
fn admit<R: Needs>(actor: &Actor) -> Result<(), Error> {
    match actor.staff_roles() {
        Some(roles) if !roles.permit_any(R::ROLES) => {
            Err(Error::Forbidden("Your staff roles do not include this."))
        }
        _ => Ok(()),
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 256)
        .then(|| token.to_owned())
}

pub fn state(req: &HttpRequest) -> Result<AppState, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .map(|s| s.get_ref().clone())
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("application state missing")).into())
}

async fn authenticate(req: HttpRequest) -> Result<(Actor, String), ApiError> {
    let token = bearer(&req).ok_or(Error::Unauthenticated)?;
    let state = state(&req)?;
    let token_hash = security::digest(&token);
    let now = state.now();
    let lookup = token_hash.clone();
    let actor = state
        .db(move |conn| accounts::ops::authenticate(conn, &lookup, now))
        .await?
        .ok_or(Error::Unauthenticated)?;
    Ok((actor, token_hash))
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl<R: Needs> FromRequest for Caller<R> {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (actor, token_hash) = authenticate(req).await?;
            admit::<R>(&actor)?;
            Ok(Caller {
                actor,
                token_hash,
                role: PhantomData,
            })
        })
    }
}

impl<R: Needs> FromRequest for Staff<R> {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (actor, _) = authenticate(req).await?;
            actor.require_staff()?;
            admit::<R>(&actor)?;
            Ok(Staff(actor, PhantomData))
        })
    }
}

/// Who is calling (`A`: [`Caller`] or [`Staff`]) and their JSON body,
/// read in that order: the body only once the caller is known and allowed.
pub struct Authed<A, T> {
    pub who: A,
    pub body: T,
}

impl<A, T> FromRequest for Authed<A, T>
where
    A: FromRequest<Error = ApiError> + 'static,
    T: DeserializeOwned + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let who = A::from_request(&req, &mut Payload::None).await?;
            let JsonBody(body) = JsonBody::<T>::from_request(&req, &mut payload).await?;
            Ok(Authed { who, body })
        })
    }
}

/// A JSON request body, sent as `application/json` or `application/*+json`
/// (`application/merge-patch+json`, …) in UTF-8: with no `charset`, or
/// `charset=utf-8`. Anything else (no `Content-Type`, `text/plain`, a form,
/// UTF-16) is refused with 415 before the body is read, rather than parsed
/// as JSON whatever it claims to be.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Err(refused) = json_media_type(req) {
            return Box::pin(ready(Err(refused.into())));
        }
        let body = web::Json::<T>::from_request(req, payload);
        Box::pin(async move { Ok(JsonBody(body.await?.into_inner())) })
    }
}

fn json_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let refuse = |sent: &str| {
        ApiError::UnsupportedMediaType(format!(
            "The body must be JSON sent as application/json in UTF-8; this request {sent}."
        ))
    };
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Err(refuse("has no Content-Type"));
    };
    let mime: mime::Mime = value
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| refuse("has a Content-Type that is not a media type"))?;
    let json = mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON));
    if !json {
        return Err(refuse(&format!("is {}", mime.essence_str())));
    }
    match mime.get_param(mime::CHARSET) {
        Some(charset) if !charset.as_str().eq_ignore_ascii_case("utf-8") => {
            Err(refuse(&format!("is in {charset}")))
        }
        _ => Ok(()),
    }
}

/// The client a request comes from: the peer address, or, from a trusted
/// proxy (`trusted_proxies`), what its `X-Forwarded-For` says.
impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state(req).map(|state| {
            let forwarded: Vec<&str> = req
                .headers()
                .get_all(X_FORWARDED_FOR)
                .filter_map(|v| v.to_str().ok())
                .collect();
            ClientAddress::new(
                req.peer_addr().map(|a| a.ip()),
                &forwarded,
                &state.settings.trusted_proxies,
            )
        }))
    }
}

/// The optional `Idempotency-Key` header, checked at the edge.
#[derive(Debug, Clone)]
pub struct IdempotencyHeader(pub Option<IdempotencyKey>);

impl FromRequest for IdempotencyHeader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(idempotency::HEADER) else {
            return ready(Ok(Self(None)));
        };
        let key = value
            .to_str()
            .map_err(|_| "must be 1-255 visible ASCII characters")
            .and_then(IdempotencyKey::parse);
        ready(
            key.map(|k| Self(Some(k)))
                .map_err(|e| ApiError::validation(idempotency::HEADER, e)),
        )
    }
}
