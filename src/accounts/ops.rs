//! Account operations: create an account (staff, and the `create-staff`
//! command), sign in (throttled, see [`super::throttle`]) and out, look up
//! the account behind a token.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::store::{self, UserRow};
use super::throttle::{self, ClientAddress};
use super::tokens::{self, Taken, TokenPurpose};
use super::UserRole;
use crate::audit::{self, AuditAction, Subject};
use crate::config::Settings;
use crate::db::{is_unique_violation, DbConnection};
use crate::email::messages::{self, AccountInfo, LinkInfo};
use crate::email::outbox;
use crate::ids::{OrganisationId, UserId};
use crate::ops::role::{StaffRole, StaffRoles};
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

/// What an account is: staff with their roles, or a user of one
/// organisation.
#[derive(Debug, Clone)]
pub enum AccountKind {
    Staff(StaffRoles),
    Organisation(OrganisationId),
}

/// Hashes the password (argon2id) and stores the account. The password must
/// already satisfy [`security::check_password_policy`]; an account created
/// without one cannot sign in until it is invited and sets its own.
pub fn create(
    conn: &mut DbConnection,
    email: &EmailAddress,
    name: &str,
    kind: AccountKind,
    password: Option<&str>,
    now: NaiveDateTime,
) -> Result<UserRow, AccountError> {
    let (role, organisation_id, staff_roles) = match kind {
        AccountKind::Staff(roles) => (UserRole::Staff, None, Some(roles)),
        AccountKind::Organisation(org) => (UserRole::Organisation, Some(org), None),
    };
    let password_hash = match password {
        Some(p) => security::hash_password(p).map_err(|e| AccountError::Hash(e.to_string()))?,
        None => String::new(),
    };
    let row = UserRow {
        id: UserId::new(),
        email: email.normalised(),
        name: name.to_owned(),
        role,
        organisation_id,
        password_hash,
        created_at: now,
        disabled_at: None,
        staff_roles,
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
    /// A staff account's roles; `None` for an organisation's user.
    pub roles: Option<StaffRoles>,
    pub created_at: NaiveDateTime,
    /// False for an invited account that has not set its password yet.
    pub password_set: bool,
    pub disabled_at: Option<NaiveDateTime>,
}

impl From<UserRow> for User {
    fn from(u: UserRow) -> Self {
        Self {
            password_set: !u.password_hash.is_empty(),
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            organisation_id: u.organisation_id,
            roles: u.staff_roles,
            created_at: u.created_at,
            disabled_at: u.disabled_at,
        }
    }
}

/// A staff or organisation account (administrators). Organisation users
/// need their organisation; staff have none, and hold `roles` (`admin`
/// when none are named). Without a password the account waits
/// for an invitation ([`Invite`]): staff need never choose or see a
/// user's password. (No `Debug`: it may hold a password.)
#[derive(Serialize)]
pub struct CreateUser {
    pub email: EmailAddress,
    pub name: String,
    pub role: UserRole,
    pub organisation_id: Option<OrganisationId>,
    /// A staff account's roles (`admin` when `None`); an organisation's
    /// user has none.
    pub roles: Option<StaffRoles>,
    /// Left out of the idempotency record (the key names the request).
    #[serde(skip)]
    pub password: Option<String>,
}

impl Command for CreateUser {
    type Output = User;
    const NAME: &'static str = "create_user";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<User, Error> {
        ctx.actor.require_staff()?;
        if let Some(org) = &self.organisation_id {
            organisations::ops::named(conn, org)?;
        }
        let kind = match (self.role, self.organisation_id, self.roles) {
            (UserRole::Staff, None, roles) => {
                AccountKind::Staff(roles.unwrap_or_else(StaffRoles::admin))
            }
            (UserRole::Organisation, Some(org), None) => AccountKind::Organisation(org),
            (UserRole::Staff, Some(_), _) => {
                return Err(Error::validation(
                    "organisation_id",
                    "must be absent for staff",
                ))
            }
            (UserRole::Organisation, None, _) => {
                return Err(Error::validation(
                    "organisation_id",
                    "is required for organisation users",
                ))
            }
            (UserRole::Organisation, Some(_), Some(_)) => {
                return Err(Error::validation("roles", "only staff accounts have roles"))
            }
        };
        let row = create(
            conn,
            &self.email,
            &self.name,
            kind,
            self.password.as_deref(),
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

/// One account (staff).
pub fn get(conn: &mut DbConnection, actor: &Actor, user_id: &UserId) -> Result<User, Error> {
    actor.require_staff()?;
    Ok(store::get(conn, user_id)?.ok_or(Error::NotFound)?.into())
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
    Ok(actor_of(user))
}

/// The actor an account acts as: staff with their roles, or an
/// organisation's user for it (`None` for a row that is neither).
pub fn actor_of(user: UserRow) -> Option<Actor> {
    let role = match (user.role, user.organisation_id, user.staff_roles) {
        (UserRole::Staff, _, Some(roles)) => Role::Staff(roles),
        (UserRole::Organisation, Some(org), _) => Role::Organisation(org),
        _ => return None,
    };
    Some(Actor {
        user_id: user.id,
        role,
    })
}

/// A new session: the token to present (only its hash is stored).
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Exchanges an email and password for a session. An unknown email and a
/// wrong password are refused alike, in the same time, under the login
/// throttling of [`verify_credentials`].
pub async fn login(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientAddress,
) -> Result<Session, Error> {
    let Verified { user, keys } = verify_credentials(state, email, password, client).await?;
    let now = state.now();
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

/// An account whose password proved right, and the throttle keys its
/// attempt counted under: the caller clears them
/// ([`throttle::succeeded`]) in the transaction that starts its session.
#[derive(Debug)]
pub struct Verified {
    pub user: UserRow,
    pub keys: throttle::Keys,
}

/// The account an email and password belong to. An unknown email and a
/// wrong password are refused alike ([`Error::Unauthenticated`]), in the
/// same time. Attempts are throttled by client address and by account
/// ([`throttle`]): a client that keeps failing is refused with
/// [`Error::TooManyRequests`], and so is one that failed on an account
/// locked by failures, while the right password from a client that has
/// not failed on it still passes.
pub async fn verify_credentials(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientAddress,
) -> Result<Verified, Error> {
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
    match user.filter(|_| ok) {
        Some(user) => Ok(Verified { user, keys }),
        None => Err(Error::Unauthenticated),
    }
}

/// Ends the session a token belongs to.
pub fn logout(conn: &mut DbConnection, token_hash: &str) -> Result<(), Error> {
    Ok(store::delete_session(conn, token_hash)?)
}

/// "Friday 6 May 2016 at 12:00 BST": when a link runs out, in the party's
/// zone.
fn expiry_words(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz)
        .format("%A %-d %B %Y at %H:%M %Z")
        .to_string()
}

/// Issues a single-use link for a user and queues the email that carries
/// it. Returns when it runs out.
fn send_link(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    settings: &Settings,
    user: &UserRow,
    purpose: TokenPurpose,
) -> Result<DateTime<Utc>, Error> {
    let lasts = match purpose {
        TokenPurpose::Invitation => Duration::days(i64::from(settings.invitation_days)),
        TokenPurpose::PasswordReset => {
            Duration::minutes(i64::from(settings.password_reset_minutes))
        }
    };
    let expires_at = now + lasts;
    let token = security::new_token();
    tokens::issue(
        conn,
        &security::digest(&token),
        &user.id,
        purpose,
        now.naive_utc(),
        expires_at.naive_utc(),
    )?;
    let organisation = match &user.organisation_id {
        Some(id) => organisations::store::get(conn, id)?.map(|o| o.name),
        None => None,
    };
    let account = AccountInfo {
        name: user.name.clone(),
        email: user.email.clone(),
        organisation,
    };
    let link = LinkInfo {
        url: format!("{}/password/{token}", settings.public_base()),
        expires: expiry_words(expires_at, settings.timezone),
    };
    let email = match purpose {
        TokenPurpose::Invitation => messages::invitation(&account, &link),
        TokenPurpose::PasswordReset => messages::password_reset(&account, &link),
    };
    outbox::enqueue(conn, &email, outbox::Links::default(), now.naive_utc())?;
    Ok(expires_at)
}

/// An invitation sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    pub user_id: UserId,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// Invites a user to set their own password (staff): an email with a
/// single-use link valid for `invitation_days`; a new invitation cancels
/// the previous one. A disabled account cannot be invited.
#[derive(Debug, Serialize)]
pub struct Invite {
    pub user_id: UserId,
}

impl Command for Invite {
    type Output = Invitation;
    const NAME: &'static str = "invite";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Invitation, Error> {
        ctx.actor.require_staff()?;
        let user = store::get(conn, &self.user_id)?.ok_or(Error::NotFound)?;
        if user.disabled_at.is_some() {
            return Err(Error::Conflict(
                "The account is disabled; enable it before inviting.".into(),
            ));
        }
        let expires_at = send_link(
            conn,
            ctx.now,
            &ctx.settings,
            &user,
            TokenPurpose::Invitation,
        )?;
        Ok(Invitation {
            user_id: user.id,
            email: user.email,
            expires_at,
        })
    }
}

/// A new account and its invitation in one (staff): the console's
/// "Invite" form. The account is created without a password and the
/// invitation email queued in the same transaction, so a refused address
/// leaves neither.
#[derive(Serialize)]
pub struct CreateAndInvite(pub CreateUser);

impl Command for CreateAndInvite {
    type Output = Invitation;
    const NAME: &'static str = "create_and_invite";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Invitation, Error> {
        let user = self.0.apply(conn, ctx)?;
        Invite { user_id: user.id }.apply(conn, ctx)
    }
}

/// Someone asked for a password reset link. The answer is the same whether
/// or not the address has an account; an account gets at most one reset
/// email every `password_reset_every_secs`. Anyone may ask; runs in the
/// caller's transaction.
pub fn request_password_reset(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    settings: &Settings,
    email: &EmailAddress,
) -> Result<(), Error> {
    let Some(user) = store::by_email(conn, &email.normalised())? else {
        return Ok(());
    };
    let every = Duration::seconds(settings.password_reset_every_secs as i64);
    let recent = tokens::last_issued(conn, &user.id, TokenPurpose::PasswordReset)?
        .is_some_and(|at| at.and_utc() + every > now);
    if !recent {
        send_link(conn, now, settings, &user, TokenPurpose::PasswordReset)?;
    }
    Ok(())
}

/// Whether a link to set a password would be accepted now.
pub fn check_link(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Taken, Error> {
    Ok(tokens::usable(
        conn,
        &security::digest(token),
        now.naive_utc(),
    )?)
}

/// Sets a password through a single-use link (an invitation or a reset):
/// the link is used up, every session of the account ends, and its failed
/// logins are forgotten. A used, expired or unknown link is refused with
/// what became of it. The password must satisfy the policy and be hashed
/// already (hashing is slow; do it before the transaction).
pub fn set_password_with_link(
    conn: &mut DbConnection,
    token: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<UserId, Error> {
    let refused = |why: &str| Error::Conflict(format!("This link {why}; ask for a new one."));
    match tokens::take(conn, &security::digest(token), now.naive_utc())? {
        Taken::Now(user_id) => {
            let user = store::get(conn, &user_id)?.ok_or(Error::NotFound)?;
            if user.disabled_at.is_some() {
                return Err(refused("belongs to a disabled account"));
            }
            store::set_password_hash(conn, &user_id, password_hash)?;
            store::delete_sessions_of(conn, &user_id)?;
            throttle::forget_account(conn, &user.email)?;
            Ok(user_id)
        }
        Taken::Used => Err(refused("has been used already")),
        Taken::Expired => Err(refused("has expired")),
        Taken::Unknown => Err(Error::NotFound),
    }
}

/// Disables an account (staff): it cannot sign in, its sessions end at
/// once and its unused links are cancelled. Staff cannot disable
/// themselves.
#[derive(Debug, Serialize)]
pub struct Disable {
    pub user_id: UserId,
}

impl Command for Disable {
    type Output = User;
    const NAME: &'static str = "disable_user";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<User, Error> {
        ctx.actor.require_staff()?;
        if self.user_id == ctx.actor.user_id {
            return Err(Error::Conflict(
                "You cannot disable your own account.".into(),
            ));
        }
        let user = store::get(conn, &self.user_id)?.ok_or(Error::NotFound)?;
        if user.disabled_at.is_none() {
            store::set_disabled(conn, &self.user_id, Some(ctx.now.naive_utc()))?;
        }
        store::delete_sessions_of(conn, &self.user_id)?;
        tokens::revoke(conn, &self.user_id)?;
        Ok(store::get(conn, &self.user_id)?
            .ok_or(Error::NotFound)?
            .into())
    }
}

/// Enables a disabled account again (staff); it signs in with the
/// password it had (or is invited afresh).
#[derive(Debug, Serialize)]
pub struct Enable {
    pub user_id: UserId,
}

impl Command for Enable {
    type Output = User;
    const NAME: &'static str = "enable_user";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<User, Error> {
        ctx.actor.require_staff()?;
        store::get(conn, &self.user_id)?.ok_or(Error::NotFound)?;
        store::set_disabled(conn, &self.user_id, None)?;
        Ok(store::get(conn, &self.user_id)?
            .ok_or(Error::NotFound)?
            .into())
    }
}

/// Sets a staff account's roles (administrators), audited with the roles
/// before and after. An organisation's user has no roles to set, and an
/// administrator cannot take `admin` from their own account (so that the
/// service always keeps one).
#[derive(Debug, Serialize)]
pub struct SetRoles {
    pub user_id: UserId,
    pub roles: StaffRoles,
}

impl Command for SetRoles {
    type Output = User;
    const NAME: &'static str = "set_roles";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<User, Error> {
        ctx.actor.require_staff()?;
        let user = store::get(conn, &self.user_id)?.ok_or(Error::NotFound)?;
        let Some(before) = user.staff_roles else {
            return Err(Error::validation("roles", "only staff accounts have roles"));
        };
        if self.user_id == ctx.actor.user_id
            && !self.roles.holds(StaffRole::Admin)
            && before.holds(StaffRole::Admin)
        {
            return Err(Error::Conflict(
                "You cannot take admin from your own account.".into(),
            ));
        }
        if before != self.roles {
            store::set_staff_roles(conn, &self.user_id, &self.roles)?;
            audit::log(
                conn,
                &ctx.actor.user_id,
                AuditAction::RolesChanged,
                Subject {
                    subject_id: Some(self.user_id.as_str()),
                    ..Subject::default()
                },
                serde_json::json!({"from": before, "to": self.roles}),
                ctx.now.naive_utc(),
            )?;
        }
        Ok(store::get(conn, &self.user_id)?
            .ok_or(Error::NotFound)?
            .into())
    }
}
