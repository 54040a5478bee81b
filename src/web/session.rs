//! The session cookie and the extractors that state a page's access rule:
//! [`SignedIn`] (anyone signed in), [`OrgUser`] (an organisation's user;
//! staff are sent to their console), [`StaffUser`] (a staff member whose
//! roles permit the page's area, named by a marker from
//! [`crate::ops::role`]: `StaffUser<role::Finance>`), and [`Posted`], a
//! form post whose CSRF token has been checked against the session before
//! the handler sees it.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::PageError;
use super::fields::Fields;
use crate::accounts::web_sessions::{self, Visitor};
use crate::ids::OrganisationId;
use crate::ops::role::Needs;
use crate::ops::{Actor, Error};
use crate::security;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "plenary_session";

/// The form field every state-changing form carries.
pub const CSRF_FIELD: &str = "csrf_token";

/// The session cookie for a new session: HttpOnly, SameSite=Lax, whole
/// site, `Secure` when the service is reached over https. No `Max-Age`:
/// the browser forgets it when it closes, and the server ends it anyway.
pub fn cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// A cookie that makes the browser forget the session.
pub fn removal(secure: bool) -> Cookie<'static> {
    let mut c = cookie("", secure);
    c.make_removal();
    c
}

/// Whether cookies must be `Secure`: the public URL is https.
pub fn secure(state: &AppState) -> bool {
    state.settings.public_url.starts_with("https://")
}

/// The CSRF token of a session: an HMAC of a fixed label keyed by the
/// session's secret token, so it is bound to that session, differs from
/// what the database stores, and needs no storage of its own.
pub fn csrf_token(session_token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(session_token.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"plenary csrf v1");
    hex::encode(mac.finalize().into_bytes())
}

/// Compares a posted CSRF token with the session's in constant time.
fn csrf_matches(session_token: &str, posted: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(session_token.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"plenary csrf v1");
    hex::decode(posted).is_ok_and(|bytes| mac.verify_slice(&bytes).is_ok())
}

/// A signed-in visitor and their session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub visitor: Visitor,
    /// How the session is stored (for signing out).
    pub token_hash: String,
    /// The token every form of this session carries.
    pub csrf: String,
    token: String,
}

impl SignedIn {
    pub fn actor(&self) -> &Actor {
        &self.visitor.actor
    }

    /// The name pages show: the organisation's, or the staff member's.
    pub fn display_name(&self) -> &str {
        self.visitor
            .organisation_name
            .as_deref()
            .unwrap_or(&self.visitor.user_name)
    }
}

pub fn state(req: &HttpRequest) -> Result<AppState, PageError> {
    req.app_data::<web::Data<AppState>>()
        .map(|s| s.get_ref().clone())
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("application state missing")).into())
}

/// The session token in the request's cookie, if it looks like one.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    let c = req.cookie(COOKIE)?;
    let v = c.value();
    (!v.is_empty()
        && v.len() <= 256
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| v.to_owned())
}

/// The live session behind the request's cookie, its idle clock restarted
/// when due.
pub async fn signed_in(req: &HttpRequest) -> Result<Option<SignedIn>, PageError> {
    let Some(token) = session_token(req) else {
        return Ok(None);
    };
    let state = state(req)?;
    let token_hash = security::digest(&token);
    let now = state.now();
    let idle = chrono::Duration::minutes(i64::from(state.settings.web_session_idle_minutes));
    let lookup = token_hash.clone();
    let Some((visitor, stale)) = state
        .db(move |conn| web_sessions::visitor(conn, &lookup, now, idle))
        .await?
    else {
        return Ok(None);
    };
    if stale {
        let h = token_hash.clone();
        state
            .tx(move |conn| web_sessions::touch(conn, &h, now))
            .await?;
    }
    Ok(Some(SignedIn {
        visitor,
        token_hash,
        csrf: csrf_token(&token),
        token,
    }))
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, PageError>>>>;

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { signed_in(&req).await?.ok_or(PageError::SignIn) })
    }
}

/// A user of an organisation, acting for it. Staff are sent to their own
/// pages.
#[derive(Debug, Clone)]
pub struct OrgUser {
    pub session: SignedIn,
    pub organisation_id: OrganisationId,
}

impl OrgUser {
    pub fn actor(&self) -> &Actor {
        self.session.actor()
    }
}

impl TryFrom<SignedIn> for OrgUser {
    type Error = PageError;

    fn try_from(session: SignedIn) -> Result<Self, PageError> {
        match session.actor().organisation().cloned() {
            Some(organisation_id) => Ok(OrgUser {
                session,
                organisation_id,
            }),
            None => Err(PageError::Redirect("/staff".into())),
        }
    }
}

impl FromRequest for OrgUser {
    type Error = PageError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = signed_in(&req).await?.ok_or(PageError::SignIn)?;
            OrgUser::try_from(session)
        })
    }
}

/// A staff member whose roles permit `R`. An organisation's user, and
/// staff whose roles do not, are refused (403, as a page); a visitor who
/// is not signed in is sent to sign in.
#[derive(Debug, Clone)]
pub struct StaffUser<R>(pub SignedIn, pub PhantomData<R>);

impl<R> StaffUser<R> {
    pub fn actor(&self) -> &Actor {
        self.0.actor()
    }
}

impl<R: Needs> FromRequest for StaffUser<R> {
    type Error = PageError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = signed_in(&req).await?.ok_or(PageError::SignIn)?;
            match session.actor().staff_roles() {
                Some(roles) if roles.permit_any(R::ROLES) => Ok(StaffUser(session, PhantomData)),
                Some(_) => Err(PageError::Forbidden(
                    "Your staff roles do not include this page. An administrator can change them."
                        .into(),
                )),
                None => Err(PageError::Forbidden(
                    "These pages are for party staff only.".into(),
                )),
            }
        })
    }
}

/// A form post by `A` ([`SignedIn`] or [`OrgUser`]): who posts, and the
/// form's fields. The session is checked before the body is read, and the
/// body's CSRF token against the session before the handler runs; a post
/// without the right token is refused with 403 and changes nothing.
pub struct Posted<A> {
    pub who: A,
    pub form: Fields,
}

/// The session a posting extractor carries.
pub trait HasSession {
    fn session(&self) -> &SignedIn;
}

impl HasSession for SignedIn {
    fn session(&self) -> &SignedIn {
        self
    }
}

impl<R> HasSession for StaffUser<R> {
    fn session(&self) -> &SignedIn {
        &self.0
    }
}

impl HasSession for OrgUser {
    fn session(&self) -> &SignedIn {
        &self.session
    }
}

impl<A> FromRequest for Posted<A>
where
    A: FromRequest<Error = PageError> + HasSession + 'static,
{
    type Error = PageError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let who = A::from_request(&req, &mut Payload::None).await?;
            let form = Fields::from_request(&req, &mut payload).await?;
            let posted = form.get(CSRF_FIELD);
            if !csrf_matches(&who.session().token, posted) {
                return Err(PageError::Csrf);
            }
            Ok(Posted { who, form })
        })
    }
}

/// A `multipart/form-data` post by staff of `R` (a file upload): its text fields
/// and the text of its files, by field name. The session is checked
/// before the body is read, and the body's CSRF token (a field like any
/// other) against the session before the handler runs.
pub struct Uploaded<R> {
    pub who: StaffUser<R>,
    pub form: Fields,
    /// (field name, file name, contents).
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl<R: Needs> FromRequest for Uploaded<R> {
    type Error = PageError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use futures_util::StreamExt;
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let who = StaffUser::<R>::from_request(&req, &mut Payload::None).await?;
            let limit = state(&req)?.settings.body_limit_bytes;
            let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
            let mut form = Fields::default();
            let mut files = Vec::new();
            let mut total = 0usize;
            while let Some(part) = parts.next().await {
                let mut part = part.map_err(|_| PageError::BadForm)?;
                let disposition = part.content_disposition().cloned();
                let name = disposition
                    .as_ref()
                    .and_then(|d| d.get_name())
                    .unwrap_or_default()
                    .to_owned();
                let filename = disposition
                    .as_ref()
                    .and_then(|d| d.get_filename())
                    .map(str::to_owned);
                let mut bytes = Vec::new();
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|_| PageError::BadForm)?;
                    total += chunk.len();
                    if total > limit {
                        return Err(PageError::BadForm);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                match filename {
                    Some(f) => files.push((name, f, bytes)),
                    None => form.0.push((
                        name,
                        String::from_utf8(bytes).map_err(|_| PageError::BadForm)?,
                    )),
                }
            }
            if !csrf_matches(&who.0.token, form.get(CSRF_FIELD)) {
                return Err(PageError::Csrf);
            }
            Ok(Uploaded { who, form, files })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let a = security::new_token();
        let b = security::new_token();
        assert!(csrf_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&a, &csrf_token(&b)));
        assert!(!csrf_matches(&a, ""));
        assert!(!csrf_matches(&a, "not hex"));
        assert_ne!(csrf_token(&a), security::digest(&a));
    }

    #[test]
    fn the_cookie_is_http_only_and_lax() {
        let c = cookie("abc", true).to_string();
        assert!(c.contains("HttpOnly"), "{c}");
        assert!(c.contains("SameSite=Lax"), "{c}");
        assert!(c.contains("Secure"), "{c}");
        assert!(c.contains("Path=/"), "{c}");
        assert!(!cookie("abc", false).to_string().contains("Secure"));
    }
}
