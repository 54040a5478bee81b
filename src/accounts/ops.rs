//! Account operations: create an account (staff, and the `create-staff`
//! command), sign in (throttled, see [`super::throttle`]) and out, look up
//! the account behind a token.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::store::{self, UserRow};
use super::throttle::{self, ClientAddress};
use super::UserRole;
use crate::db::{is_unique_violation, DbConnection};
use crate::ids::{OrganisationId, UserId};
use crate::ops::{Actor, Command, Ctx, Error, Role};
use crate::organisations;
use crate::security;
use crate::state::AppState;
use crate::values::EmailAddress;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<AccountError> for Error {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::EmailTaken => {
                Error::Conflict("An account with this email already exists.".into())
            }
            AccountError::Db(e) => e.into(),
            AccountError::Hash(e) => Error::Internal(anyhow::anyhow!(e)),
        }
    }
}

/// Hashes the password (argon2id) and stores the account. The password must
/// already satisfy [`security::check_password_policy`].
pub fn create(
    conn: &mut DbConnection,
    email: &EmailAddress,
    name: &str,
    role: UserRole,
    organisation_id: Option<OrganisationId>,
    password: &str,
    now: NaiveDateTime,
) -> Result<UserRow, AccountError> {
    let password_hash =
        security::hash_password(password).map_err(|e| AccountError::Hash(e.to_string()))?;
    let row = UserRow {
        id: UserId::new(),
        email: email.normalised(),
        name: name.to_owned(),
        role,
        organisation_id,
        password_hash,
        created_at: now,
    };
    match store::insert(conn, &row) {
        Ok(()) => Ok(row),
        Err(e) if is_unique_violation(&e) => Err(AccountError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// An account as others may see it (never its password hash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub organisation_id: Option<OrganisationId>,
    pub created_at: NaiveDateTime,
}

impl From<UserRow> for User {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            organisation_id: u.organisation_id,
            created_at: u.created_at,
        }
    }
}

/// A staff or organisation account (staff). Organisation users need their
/// organisation; staff have none. (No `Debug`: it holds a password.)
#[derive(Serialize)]
pub struct CreateUser {
    pub email: EmailAddress,
    pub name: String,
    pub role: UserRole,
    pub organisation_id: Option<OrganisationId>,
    /// Left out of the idempotency record (the key names the request).
    #[serde(skip)]
    pub password: String,
}

impl Command for CreateUser {
    type Output = User;
    const NAME: &'static str = "create_user";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<User, Error> {
        ctx.actor.require_staff()?;
        if let Some(org) = &self.organisation_id {
            organisations::ops::named(conn, org)?;
        }
        let row = create(
            conn,
            &self.email,
            &self.name,
            self.role,
            self.organisation_id,
            &self.password,
            ctx.now.naive_utc(),
        )?;
        Ok(row.into())
    }
}

/// Accounts, newest first (`limit + 1` rows; staff).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    limit: i64,
    cursor: Option<&UserId>,
) -> Result<Vec<User>, Error> {
    actor.require_staff()?;
    Ok(store::list(conn, limit, cursor)?
        .into_iter()
        .map(User::from)
        .collect())
}

/// The actor a live session token belongs to.
pub fn authenticate(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Actor>, Error> {
    let Some(user) = store::session_user(conn, token_hash, now.naive_utc())? else {
        return Ok(None);
    };
    let role = match (user.role, user.organisation_id) {
        (UserRole::Staff, _) => Role::Staff,
        (UserRole::Organisation, Some(org)) => Role::Organisation(org),
        (UserRole::Organisation, None) => return Ok(None),
    };
    Ok(Some(Actor {
        user_id: user.id,
        role,
    }))
}

/// A new session: the token to present (only its hash is stored).
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Exchanges an email and password for a session. An unknown email and a
/// wrong password are refused alike, in the same time. Attempts are
/// throttled by client address and by account ([`throttle`]): a client
/// that keeps failing is refused with [`Error::TooManyRequests`], and so
/// is one that failed on an account locked by failures, while the right
/// password from a client that has not failed on it still signs in.
pub async fn login(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientAddress,
) -> Result<Session, Error> {
    let email = email.trim().to_lowercase();
    let now = state.now();
    let keys = throttle::Keys::new(&email, client);
    let limits = throttle::Limits::new(&state.settings);

    state
        .tx(move |conn| throttle::purge(conn, &limits, now))
        .await?;
    let admitted = keys.clone();
    let user = state
        .tx(move |conn| {
            throttle::admit(conn, &admitted, &limits, now)?;
            Ok(store::by_email(conn, &email)?)
        })
        .await?;

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || {
        security::verify_password(&password, stored.as_deref())
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("password check failed: {e}")))?;
    // A wrong password leaves the attempt counted as a failure.
    let Some(user) = user.filter(|_| ok) else {
        return Err(Error::Unauthenticated);
    };

    let token = security::new_token();
    let token_hash = security::digest(&token);
    let expires_at = now + Duration::hours(i64::from(state.settings.token_ttl_hours));
    state
        .tx(move |conn| {
            throttle::succeeded(conn, &keys)?;
            store::delete_expired_sessions(conn, &user.id, now.naive_utc())?;
            store::insert_session(
                conn,
                &token_hash,
                &user.id,
                now.naive_utc(),
                expires_at.naive_utc(),
            )?;
            Ok(())
        })
        .await?;
    Ok(Session { token, expires_at })
}

/// Ends the session a token belongs to.
pub fn logout(conn: &mut DbConnection, token_hash: &str) -> Result<(), Error> {
    Ok(store::delete_session(conn, token_hash)?)
}
