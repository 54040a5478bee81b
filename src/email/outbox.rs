//! Outbox queries: enqueue in the caller's transaction, claim a batch with
//! a lease, record a batch's outcomes, list and retry for staff.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::messages::{header_text, Content, OutgoingEmail};
use super::schema::outbox;
use crate::db::DbConnection;

/// Where an email is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OutboxStatus)]
pub enum Status {
    /// Waiting for its (next) attempt.
    Pending,
    /// Claimed by a sender that holds the lease.
    Sending,
    Sent,
    /// Given up on after the configured number of attempts.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Status::Pending),
            "sending" => Ok(Status::Sending),
            "sent" => Ok(Status::Sent),
            "failed" => Ok(Status::Failed),
            other => Err(format!("unknown outbox status {other:?}")),
        }
    }
}

/// An email's envelope and state: what staff see, without its content.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub conference_id: Option<String>,
    pub registration_id: Option<String>,
    pub submission_id: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl OutboxRow {
    pub fn status(&self) -> Status {
        self.status
            .parse()
            .expect("the CHECK constraint admits only known statuses")
    }
}

/// A claimed email with what it is made from.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Claimed {
    #[diesel(embed)]
    pub row: OutboxRow,
    /// [`Content`] as JSON; `None` once the content has been purged.
    pub payload: Option<String>,
}

impl Claimed {
    pub fn content(&self) -> Result<Content, String> {
        let payload = self
            .payload
            .as_deref()
            .ok_or("the email's content is no longer kept")?;
        serde_json::from_str(payload).map_err(|e| format!("unreadable email content: {e}"))
    }
}

/// What an email is about, kept with it so staff can find it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Links<'a> {
    pub conference_id: Option<&'a str>,
    pub registration_id: Option<&'a str>,
    pub submission_id: Option<&'a str>,
}

/// Writes an email to the outbox, due at once: its envelope, and its
/// content as JSON (rendered by the sender). Call it inside the transaction
/// of the change that causes the email, so both commit or neither does.
pub fn enqueue(
    conn: &mut DbConnection,
    email: &OutgoingEmail,
    links: Links,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let payload = serde_json::to_string(&email.content)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            outbox::kind.eq(email.kind),
            outbox::recipient.eq(&email.recipient),
            outbox::subject.eq(header_text(&email.subject)),
            outbox::payload.eq(payload),
            outbox::conference_id.eq(links.conference_id),
            outbox::registration_id.eq(links.registration_id),
            outbox::submission_id.eq(links.submission_id),
            outbox::status.eq(Status::Pending.as_str()),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Claims up to `limit` emails for `lease_token` until `lease_until`:
/// first those whose sender's lease has run out, then pending ones that
/// are due, oldest first (each read from the `(status, next_attempt_at)`
/// index in order). Call it in a write transaction. The rows are claimed
/// by conditional updates that check again, row by row, that each is still
/// claimable, so of several senders racing for a row exactly one gets it
/// (PostgreSQL re-checks the condition on the row a concurrent claim
/// committed). Returns how many were claimed; [`claimed`] reads them.
pub fn claim_due(
    conn: &mut DbConnection,
    lease_token: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<usize> {
    let claim = || {
        (
            outbox::status.eq(Status::Sending.as_str()),
            outbox::lease_until.eq(lease_until),
            outbox::lease_token.eq(lease_token),
            outbox::updated_at.eq(now),
        )
    };
    let expired = || {
        outbox::status
            .eq(Status::Sending.as_str())
            .and(outbox::lease_until.lt(now))
    };
    let stranded: Vec<String> = outbox::table
        .filter(expired())
        .select(outbox::id)
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .load(conn)?;
    let due = || {
        outbox::status
            .eq(Status::Pending.as_str())
            .and(outbox::next_attempt_at.le(now))
    };
    let pending: Vec<String> = match limit - stranded.len() as i64 {
        0 => Vec::new(),
        left => outbox::table
            .filter(due())
            .select(outbox::id)
            .order(outbox::next_attempt_at.asc())
            .limit(left)
            .load(conn)?,
    };
    let mut claimed = 0;
    if !stranded.is_empty() {
        claimed += diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(&stranded))
                .filter(expired()),
        )
        .set(claim())
        .execute(conn)?;
    }
    if !pending.is_empty() {
        claimed += diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(&pending))
                .filter(due()),
        )
        .set(claim())
        .execute(conn)?;
    }
    Ok(claimed)
}

/// The emails `lease_token` holds, oldest first, with their content.
pub fn claimed(conn: &mut DbConnection, lease_token: &str) -> QueryResult<Vec<Claimed>> {
    outbox::table
        .filter(outbox::status.eq(Status::Sending.as_str()))
        .filter(outbox::lease_token.eq(lease_token))
        .order(outbox::next_attempt_at.asc())
        .select(Claimed::as_select())
        .load(conn)
}

/// What to do with an email whose attempt failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The attempt count including the one that failed.
    pub attempts: i32,
    /// `Pending` to try again at `next_attempt_at`, or `Failed` to give up.
    pub status: Status,
    pub next_attempt_at: NaiveDateTime,
    pub error: String,
}

/// The outcomes of the sends of one lease.
#[derive(Debug, Clone, Default)]
pub struct Settlement {
    pub sent: Vec<String>,
    pub failed: Vec<(String, Failure)>,
    /// Claimed but not attempted (the sender is stopping, or the lease is
    /// running out): pending again, due as before, attempts unchanged.
    pub released: Vec<String>,
}

impl Settlement {
    pub fn len(&self) -> usize {
        self.sent.len() + self.failed.len() + self.released.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Records the outcomes of `lease_token`'s sends, for the rows whose lease
/// is still that token's (one update for all those sent, one for all those
/// released, one per failure). Call it in one transaction. Returns how many
/// rows were recorded.
pub fn settle(
    conn: &mut DbConnection,
    lease_token: &str,
    settlement: &Settlement,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let held = || {
        outbox::status
            .eq(Status::Sending.as_str())
            .and(outbox::lease_token.eq(lease_token))
    };
    let mut recorded = 0;
    if !settlement.sent.is_empty() {
        recorded += diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(&settlement.sent))
                .filter(held()),
        )
        .set((
            outbox::status.eq(Status::Sent.as_str()),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::sent_at.eq(now),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::lease_token.eq(None::<String>),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    for (id, failure) in &settlement.failed {
        recorded += diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(held()))
            .set((
                outbox::status.eq(failure.status.as_str()),
                outbox::attempts.eq(failure.attempts),
                outbox::next_attempt_at.eq(failure.next_attempt_at),
                outbox::last_error.eq(&failure.error),
                outbox::lease_until.eq(None::<NaiveDateTime>),
                outbox::lease_token.eq(None::<String>),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    if !settlement.released.is_empty() {
        recorded += diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(&settlement.released))
                .filter(held()),
        )
        .set((
            outbox::status.eq(Status::Pending.as_str()),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::lease_token.eq(None::<String>),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(recorded)
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .filter(outbox::id.eq(id))
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// The whole outbox's backlog: emails waiting (or being sent), emails
/// given up on, and when the oldest waiting one was queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    pub pending: i64,
    pub failed: i64,
    pub oldest_pending: Option<NaiveDateTime>,
}

pub fn backlog(conn: &mut DbConnection) -> QueryResult<Backlog> {
    use diesel::dsl::{count_star, min};
    let waiting = [Status::Pending.as_str(), Status::Sending.as_str()];
    let (pending, oldest_pending) = outbox::table
        .filter(outbox::status.eq_any(waiting))
        .select((count_star(), min(outbox::created_at)))
        .first::<(i64, Option<NaiveDateTime>)>(conn)?;
    let failed = outbox::table
        .filter(outbox::status.eq(Status::Failed.as_str()))
        .count()
        .get_result(conn)?;
    Ok(Backlog {
        pending,
        failed,
        oldest_pending,
    })
}

/// Optional filters of the staff list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<Status>,
    pub conference_id: Option<String>,
}

/// Emails newest first, `limit + 1` rows for cursor pagination.
pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&str>,
) -> QueryResult<Vec<OutboxRow>> {
    let mut q = outbox::table
        .select(OutboxRow::as_select())
        .order(outbox::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = filter.status {
        q = q.filter(outbox::status.eq(status.as_str()));
    }
    if let Some(conference_id) = &filter.conference_id {
        q = q.filter(outbox::conference_id.eq(conference_id.clone()));
    }
    if let Some(c) = cursor {
        q = q.filter(outbox::id.lt(c.to_owned()));
    }
    q.load(conn)
}

/// Puts a failed email back in the queue, due now, with its attempt count
/// reset so it gets the full number of attempts again; `last_error` is kept
/// until the next attempt. Returns false if the email is not `failed`.
pub fn retry(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(Status::Failed.as_str())),
    )
    .set((
        outbox::status.eq(Status::Pending.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
