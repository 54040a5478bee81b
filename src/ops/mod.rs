//! The operations layer's frame: who acts ([`Actor`]), what can go wrong
//! ([`Error`]), and how a state-changing operation runs ([`Command`]): in
//! one write transaction of its own, with one `now`, optionally behind an
//! `Idempotency-Key`. The operations themselves live with their domain
//! (`registrations::ops`, `submissions::ops`, …); the JSON API and the web
//! pages call them and know nothing of their rules.

pub mod idempotency;
pub mod role;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::Settings;
use crate::db::DbConnection;
use crate::deadlines::rules::{DeadlinePassed, NotOpen};
use crate::ids::{OrganisationId, UserId};
use crate::submissions::words::WordLimitExceeded;
use crate::values::FieldError;
use role::{StaffRole, StaffRoles};

/// What an account may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Party staff: every conference and organisation, in the areas their
    /// roles permit.
    Staff(StaffRoles),
    /// A user of one organisation, acting only for it.
    Organisation(OrganisationId),
}

/// The signed-in account an operation acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
}

impl Actor {
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Staff(_))
    }

    /// A staff member's roles; `None` for an organisation user.
    pub fn staff_roles(&self) -> Option<&StaffRoles> {
        match &self.role {
            Role::Staff(roles) => Some(roles),
            Role::Organisation(_) => None,
        }
    }

    /// Whether the actor is staff whose roles permit `role`'s area.
    pub fn permits(&self, role: StaffRole) -> bool {
        self.staff_roles().is_some_and(|r| r.permit(role))
    }

    /// The organisation of an organisation user.
    pub fn organisation(&self) -> Option<&OrganisationId> {
        match &self.role {
            Role::Organisation(id) => Some(id),
            Role::Staff(_) => None,
        }
    }

    /// Whether the actor may see or change an organisation's data.
    pub fn may_act_for(&self, organisation_id: &OrganisationId) -> bool {
        match &self.role {
            Role::Staff(_) => true,
            Role::Organisation(own) => own == organisation_id,
        }
    }

    /// The organisation a write acts for: staff must name one; an
    /// organisation user acts for its own (naming it is allowed, naming
    /// another is forbidden).
    pub fn acting_for(&self, named: Option<OrganisationId>) -> Result<OrganisationId, Error> {
        match (&self.role, named) {
            (Role::Staff(_), Some(named)) => Ok(named),
            (Role::Staff(_), None) => Err(Error::validation(
                "organisation_id",
                "staff must name the organisation",
            )),
            (Role::Organisation(own), None) => Ok(own.clone()),
            (Role::Organisation(own), Some(named)) if &named == own => Ok(named),
            (Role::Organisation(_), Some(_)) => {
                Err(Error::Forbidden("An organisation acts only for itself."))
            }
        }
    }

    /// Refuses anyone but staff.
    pub fn require_staff(&self) -> Result<(), Error> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(Error::Forbidden("Only staff may do this."))
        }
    }
}

/// Why an operation refused or failed. Each front door maps these to its
/// own answer in one place (problem+json for the API, a page for people).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    DeadlinePassed(String),
    #[error("{0}")]
    CapacityReached(String),
    /// The organisation would hold more voting passes than its entitlement.
    #[error("{0}")]
    EntitlementExceeded(crate::entitlements::rules::Exceeded),
    /// Registration before it opens, or a kind the conference does not take.
    #[error("{0}")]
    NotOpen(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request is still being processed")]
    InProgress,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    WordLimit(WordLimitExceeded),
    #[error("{0}")]
    NotEligible(String),
    #[error("too many failed attempts")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// The contract's `code` for this refusal (PRODUCT.md, "Errors").
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "unauthenticated",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound => "not_found",
            Error::DeadlinePassed(_) => "deadline_passed",
            Error::CapacityReached(_) => "capacity_reached",
            Error::EntitlementExceeded(_) => "entitlement_exceeded",
            Error::NotOpen(_) => "not_open",
            Error::Conflict(_) | Error::InProgress => "conflict",
            Error::Validation(_) => "validation_failed",
            Error::WordLimit(_) => "word_limit_exceeded",
            Error::NotEligible(_) => "not_eligible",
            Error::TooManyRequests { .. } => "too_many_requests",
            Error::Internal(_) => "internal_error",
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Error::NotFound,
            other => Error::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for Error {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Error::Internal(e.into())
    }
}

impl From<Vec<FieldError>> for Error {
    fn from(e: Vec<FieldError>) -> Self {
        Error::Validation(e)
    }
}

impl From<NotOpen> for Error {
    fn from(e: NotOpen) -> Self {
        Error::NotOpen(e.to_string())
    }
}

impl From<DeadlinePassed> for Error {
    fn from(e: DeadlinePassed) -> Self {
        Error::DeadlinePassed(e.to_string())
    }
}

impl From<WordLimitExceeded> for Error {
    fn from(e: WordLimitExceeded) -> Self {
        Error::WordLimit(e)
    }
}

/// What every operation is given besides its input.
#[derive(Clone)]
pub struct Ctx {
    pub actor: Actor,
    /// Read once, when the operation began.
    pub now: DateTime<Utc>,
    pub settings: Arc<Settings>,
}

/// A state-changing operation: typed input that applies itself inside one
/// write transaction and returns a typed result. Its serialised form is
/// what an `Idempotency-Key` is bound to, and its result is what a replay
/// returns, so both are serde types.
pub trait Command: Serialize + Send + 'static {
    type Output: Serialize + DeserializeOwned + Send + 'static;

    /// Names the operation in idempotency records (`register`, …).
    const NAME: &'static str;

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Self::Output, Error>;

    /// Whether the operation joins the group commit
    /// ([`crate::db::group`]): `Some(order)` runs it in a savepoint of a
    /// transaction shared with whatever else is waiting, in `order` (the
    /// conference whose row it locks, or empty when that is not known from
    /// the input), committed once for all of them. For the frequent writes
    /// that take a conference's counters, whose commits would otherwise
    /// queue one by one behind its row. `None` (the default): a
    /// transaction of its own.
    fn grouped(&self) -> Option<String> {
        None
    }
}

/// An operation's result, and whether it is the stored result of an
/// earlier request with the same `Idempotency-Key`.
#[derive(Debug)]
pub struct Outcome<T> {
    pub value: T,
    pub replayed: bool,
}

/// Cursor pagination: lists fetch `limit + 1` rows ordered by id
/// descending; this splits off the extra one to learn whether another page
/// exists, and gives the cursor of the next page.
pub fn page<T, C>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> C) -> (Vec<T>, Option<C>) {
    let limit = limit as usize;
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(id);
        (rows, next)
    } else {
        (rows, None)
    }
}
