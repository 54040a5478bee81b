//! Outbox operations for staff: list emails, requeue a failed one.

use serde::Serialize;

use super::outbox::{self, ListFilter, OutboxRow};
use crate::db::DbConnection;
use crate::ids::EmailId;
use crate::ops::{Actor, Command, Ctx, Error};

/// Emails newest first (`limit + 1` rows), optionally by status and
/// conference (staff).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&EmailId>,
) -> Result<Vec<OutboxRow>, Error> {
    actor.require_staff()?;
    Ok(outbox::list(
        conn,
        filter,
        limit,
        cursor.map(EmailId::as_str),
    )?)
}

/// A failed email queued again, due now, with a fresh count of attempts
/// (staff); `last_error` is kept until the next attempt. Only a `failed`
/// email can be retried.
#[derive(Debug, Serialize)]
pub struct RetryEmail {
    pub id: EmailId,
}

impl Command for RetryEmail {
    type Output = OutboxRow;
    const NAME: &'static str = "retry_email";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<OutboxRow, Error> {
        ctx.actor.require_staff()?;
        let id = self.id.as_str();
        let row = outbox::get(conn, id)?.ok_or(Error::NotFound)?;
        if !outbox::retry(conn, id, ctx.now.naive_utc())? {
            return Err(Error::Conflict(format!(
                "Only a failed email can be retried; this one is {}.",
                row.status()
            )));
        }
        outbox::get(conn, id)?.ok_or(Error::NotFound)
    }
}
