//! The audit log: who did what to which record, and when. Entries carry
//! ids and dates, never personal data.

pub mod store;

pub use store::{log, AuditAction, AuditRow, ListFilter, Subject};

use crate::db::DbConnection;
use crate::ids::AuditId;
use crate::ops::{Actor, Error};

/// A page of the audit log, newest first (`limit + 1` rows), optionally of
/// one conference, one action and one person (staff).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&AuditId>,
) -> Result<Vec<AuditRow>, Error> {
    actor.require_staff()?;
    Ok(store::list(conn, filter, limit, cursor)?)
}
