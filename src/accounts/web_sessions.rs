//! Signed-in browsers and password changes. A browser session is a random
//! token in an HttpOnly cookie, stored only as its SHA-256 like the API's
//! bearer tokens but in a table of its own, so neither works as the other.
//! It ends after `web_session_idle_minutes` without a request, at
//! `web_session_max_hours` after signing in, or when its user signs out.
//! Signing in goes through the same throttled credential check as the
//! API's login.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::ops::{verify_credentials, Verified};
use super::store::UserRow;
use super::throttle::{self, ClientAddress};
use crate::db::schema::{organisations, sessions, users, web_sessions};
use crate::db::DbConnection;
use crate::ids::UserId;
use crate::ops::{Actor, Error};
use crate::security;
use crate::state::AppState;

/// A signed-in browser's session is refreshed (its idle clock restarted)
/// at most this often, so most page views only read.
pub const TOUCH_EVERY_SECS: i64 = 60;

/// A new browser session: the token for the cookie (only its hash is
/// stored) and who signed in.
#[derive(Debug, Clone)]
pub struct NewWebSession {
    pub token: String,
    pub actor: Actor,
}

/// Who a live browser session belongs to, with the names its pages show.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub actor: Actor,
    pub user_name: String,
    /// The organisation of an organisation user.
    pub organisation_name: Option<String>,
}

fn actor_of(user: &UserRow) -> Option<Actor> {
    super::ops::actor_of(user.clone())
}

/// Signs a browser in: the API's throttled credential check, then a new
/// session (expired ones of the same user are cleared).
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientAddress,
) -> Result<NewWebSession, Error> {
    let Verified { user, keys } = verify_credentials(state, email, password, client).await?;
    let actor = actor_of(&user).ok_or(Error::Unauthenticated)?;
    let now = state.now();
    let token = security::new_token();
    let token_hash = security::digest(&token);
    let expires_at = now + Duration::hours(i64::from(state.settings.web_session_max_hours));
    let user_id = user.id.clone();
    state
        .tx(move |conn| {
            throttle::succeeded(conn, &keys)?;
            let ts = now.naive_utc();
            diesel::delete(
                web_sessions::table
                    .filter(web_sessions::user_id.eq(&user_id))
                    .filter(web_sessions::expires_at.le(ts)),
            )
            .execute(conn)?;
            diesel::insert_into(web_sessions::table)
                .values((
                    web_sessions::token_hash.eq(&token_hash),
                    web_sessions::user_id.eq(&user_id),
                    web_sessions::created_at.eq(ts),
                    web_sessions::last_seen_at.eq(ts),
                    web_sessions::expires_at.eq(expires_at.naive_utc()),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(NewWebSession { token, actor })
}

/// The visitor behind a session token, if the session is live at `now`,
/// and whether its idle clock is due a restart ([`touch`]).
pub fn visitor(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
    idle: Duration,
) -> Result<Option<(Visitor, bool)>, Error> {
    let ts = now.naive_utc();
    let found: Option<(UserRow, NaiveDateTime, Option<String>)> = web_sessions::table
        .inner_join(users::table.left_join(organisations::table))
        .filter(web_sessions::token_hash.eq(token_hash))
        .filter(web_sessions::expires_at.gt(ts))
        .filter(web_sessions::last_seen_at.gt(ts - idle))
        .filter(users::disabled_at.is_null())
        .filter(organisations::deactivated_at.is_null())
        .select((
            UserRow::as_select(),
            web_sessions::last_seen_at,
            organisations::name.nullable(),
        ))
        .first(conn)
        .optional()?;
    let Some((user, last_seen, organisation_name)) = found else {
        return Ok(None);
    };
    let Some(actor) = actor_of(&user) else {
        return Ok(None);
    };
    let stale = ts - last_seen >= Duration::seconds(TOUCH_EVERY_SECS);
    Ok(Some((
        Visitor {
            actor,
            user_name: user.name,
            organisation_name,
        },
        stale,
    )))
}

/// Restarts a session's idle clock.
pub fn touch(conn: &mut DbConnection, token_hash: &str, now: DateTime<Utc>) -> Result<(), Error> {
    diesel::update(web_sessions::table.find(token_hash))
        .set(web_sessions::last_seen_at.eq(now.naive_utc()))
        .execute(conn)?;
    Ok(())
}

/// Ends a browser session.
pub fn sign_out(conn: &mut DbConnection, token_hash: &str) -> Result<(), Error> {
    diesel::delete(web_sessions::table.find(token_hash)).execute(conn)?;
    Ok(())
}

/// A user's new password, given the current one: the new one must meet the
/// API's policy ([`security::check_password_policy`]); a wrong current
/// password counts as a failed login for the account's email (so the
/// lockout applies) and is reported on `current_password`. On success
/// every other session of the user ends, browser and API alike, and the
/// session `keep` (the one asking) stays.
pub async fn change_password(
    state: &AppState,
    user_id: &UserId,
    current: String,
    new: String,
    keep: &str,
    client: &ClientAddress,
) -> Result<(), Error> {
    security::check_password_policy(&new).map_err(|e| Error::validation("new_password", e))?;
    let id = user_id.clone();
    let user = state
        .db(move |conn| {
            Ok(users::table
                .find(&id)
                .select(UserRow::as_select())
                .first(conn)?)
        })
        .await?;
    let keys = match verify_credentials(state, &user.email, current, client).await {
        Ok(verified) => verified.keys,
        Err(Error::Unauthenticated) => {
            return Err(Error::validation(
                "current_password",
                "is not your current password",
            ))
        }
        Err(e) => return Err(e),
    };
    let hash = tokio::task::spawn_blocking(move || security::hash_password(&new))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("password hashing failed: {e}")))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("password hashing failed: {e}")))?;
    let (id, keep) = (user.id, keep.to_owned());
    state
        .tx(move |conn| {
            diesel::update(users::table.find(&id))
                .set(users::password_hash.eq(&hash))
                .execute(conn)?;
            diesel::delete(sessions::table.filter(sessions::user_id.eq(&id))).execute(conn)?;
            diesel::delete(
                web_sessions::table
                    .filter(web_sessions::user_id.eq(&id))
                    .filter(web_sessions::token_hash.ne(&keep)),
            )
            .execute(conn)?;
            throttle::succeeded(conn, &keys)?;
            Ok(())
        })
        .await
}
