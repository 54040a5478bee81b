//! Extractors that state a handler's access rule in its signature.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::error::ApiError;
use crate::app::AppState;
use crate::db;
use crate::security;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Staff,
    Organisation,
}

/// Any signed-in user.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub role: Role,
    /// Set for organisation users: the one organisation they act for.
    pub organisation_id: Option<String>,
    pub token_hash: String,
}

impl Caller {
    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }

    /// The organisation a write acts for: staff must name one; an
    /// organisation user acts for its own (naming it is allowed, naming
    /// another is 403).
    pub fn acting_for(&self, named: Option<&str>) -> Result<String, ApiError> {
        match (&self.organisation_id, named) {
            (_, Some(named)) if self.is_staff() => crate::domain::values::uuid(named)
                .map_err(|e| ApiError::validation("organisation_id", e)),
            (_, None) if self.is_staff() => Err(ApiError::validation(
                "organisation_id",
                "staff must name the organisation",
            )),
            (Some(own), None) => Ok(own.clone()),
            (Some(own), Some(named)) if named.eq_ignore_ascii_case(own) => Ok(own.clone()),
            _ => Err(ApiError::Forbidden("An organisation acts only for itself.")),
        }
    }

    /// Whether the caller may see or change an organisation's data.
    pub fn may_act_for(&self, organisation_id: &str) -> bool {
        self.is_staff() || self.organisation_id.as_deref() == Some(organisation_id)
    }
}

/// A staff user; others get 403.
#[derive(Debug, Clone)]
pub struct Staff(pub Caller);

/// An organisation user, with its organisation; others get 403.
#[derive(Debug, Clone)]
pub struct OrgUser {
    pub caller: Caller,
    pub organisation_id: String,
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 256)
        .then(|| token.to_owned())
}

async fn authenticate(req: HttpRequest) -> Result<Caller, ApiError> {
    let token = bearer(&req).ok_or(ApiError::Unauthenticated)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?
        .clone();
    let token_hash = security::digest(&token);
    let now = state.now().naive_utc();
    let lookup = token_hash.clone();
    let user = state
        .db(move |conn| Ok(db::users::session_user(conn, &lookup, now)?))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let role = match user.role.as_str() {
        "staff" => Role::Staff,
        _ => Role::Organisation,
    };
    Ok(Caller {
        user_id: user.id,
        role,
        organisation_id: user.organisation_id,
        token_hash,
    })
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(req).await?;
            if caller.is_staff() {
                Ok(Staff(caller))
            } else {
                Err(ApiError::Forbidden("Only staff may do this."))
            }
        })
    }
}

impl FromRequest for OrgUser {
    type Error = ApiError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(req).await?;
            match caller.organisation_id.clone() {
                Some(organisation_id) if !caller.is_staff() => Ok(OrgUser {
                    caller,
                    organisation_id,
                }),
                _ => Err(ApiError::Forbidden(
                    "Only an organisation's own users may do this.",
                )),
            }
        })
    }
}
