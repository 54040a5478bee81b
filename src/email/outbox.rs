//! Outbox queries: enqueue in the caller's transaction, claim with a lease,
//! record the outcome, list and retry for staff.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::messages::{header_text, Attachment, OutgoingEmail};
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

#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attachment_filename: Option<String>,
    pub attachment_content_type: Option<String>,
    pub attachment_body: Option<String>,
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

    pub fn attachment(&self) -> Option<Attachment> {
        match (
            &self.attachment_filename,
            &self.attachment_content_type,
            &self.attachment_body,
        ) {
            (Some(filename), Some(content_type), Some(body)) => Some(Attachment {
                filename: filename.clone(),
                content_type: content_type.clone(),
                body: body.clone(),
            }),
            _ => None,
        }
    }
}

/// What an email is about, kept with it so staff can find it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Links<'a> {
    pub conference_id: Option<&'a str>,
    pub registration_id: Option<&'a str>,
    pub submission_id: Option<&'a str>,
}

/// Writes an email to the outbox, due at once. Call it inside the
/// transaction of the change that causes the email, so both commit or
/// neither does.
pub fn enqueue(
    conn: &mut DbConnection,
    email: &OutgoingEmail,
    links: Links,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let attachment = email.attachment.as_ref();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            outbox::kind.eq(email.kind),
            outbox::recipient.eq(&email.recipient),
            outbox::subject.eq(header_text(&email.subject)),
            outbox::text_body.eq(&email.text_body),
            outbox::html_body.eq(&email.html_body),
            outbox::attachment_filename.eq(attachment.map(|a| a.filename.as_str())),
            outbox::attachment_content_type.eq(attachment.map(|a| a.content_type.as_str())),
            outbox::attachment_body.eq(attachment.map(|a| a.body.as_str())),
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

/// Ids of emails a sender may claim now: pending and due, or claimed by a
/// sender whose lease has run out. Oldest first.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    outbox::table
        .filter(
            outbox::status
                .eq(Status::Pending.as_str())
                .and(outbox::next_attempt_at.le(now))
                .or(outbox::status
                    .eq(Status::Sending.as_str())
                    .and(outbox::lease_until.lt(now))),
        )
        .order(outbox::next_attempt_at.asc())
        .select(outbox::id)
        .limit(limit)
        .load(conn)
}

/// Claims one email for `lease_token` until `lease_until`, if it is still
/// claimable. The conditional update is atomic on both backends, so of
/// several senders racing for a row exactly one gets `Some`.
pub fn claim(
    conn: &mut DbConnection,
    id: &str,
    lease_token: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<OutboxRow>> {
    let claimed = diesel::update(
        outbox::table.filter(outbox::id.eq(id)).filter(
            outbox::status
                .eq(Status::Pending.as_str())
                .and(outbox::next_attempt_at.le(now))
                .or(outbox::status
                    .eq(Status::Sending.as_str())
                    .and(outbox::lease_until.lt(now))),
        ),
    )
    .set((
        outbox::status.eq(Status::Sending.as_str()),
        outbox::lease_until.eq(lease_until),
        outbox::lease_token.eq(lease_token),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)?;
    if claimed != 1 {
        return Ok(None);
    }
    get(conn, id)
}

/// Records a delivery, if the lease is still ours. Returns whether it was.
pub fn mark_sent(
    conn: &mut DbConnection,
    id: &str,
    lease_token: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(Status::Sending.as_str()))
            .filter(outbox::lease_token.eq(lease_token)),
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
    Ok(n == 1)
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

/// Records a failed attempt, if the lease is still ours.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    lease_token: &str,
    failure: &Failure,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(Status::Sending.as_str()))
            .filter(outbox::lease_token.eq(lease_token)),
    )
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
    Ok(n == 1)
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .filter(outbox::id.eq(id))
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
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
