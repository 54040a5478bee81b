//! The audit log: who did what to which record, and when. Entries carry
//! ids and dates, never personal data.

pub mod store;

pub use store::{log, AuditAction, AuditRow, Subject};

use crate::db::DbConnection;
use crate::ids::{AuditId, ConferenceId};
use crate::ops::Error;

/// A page of the audit log, newest first (`limit + 1` rows), optionally of
/// one conference.
pub fn list(
    conn: &mut DbConnection,
    conference_id: Option<&ConferenceId>,
    limit: i64,
    cursor: Option<&AuditId>,
) -> Result<Vec<AuditRow>, Error> {
    Ok(store::list(conn, conference_id, limit, cursor)?)
}
