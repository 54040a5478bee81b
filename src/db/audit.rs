//! Extensions and the audit log of staff actions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{audit_log, extensions};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = extensions)]
pub struct ExtensionRow {
    pub id: String,
    pub conference_id: String,
    pub organisation_id: String,
    pub deadline: String,
    pub until: NaiveDate,
    pub granted_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub actor_id: String,
    pub action: String,
    pub conference_id: Option<String>,
    pub organisation_id: Option<String>,
    pub subject_id: Option<String>,
    pub detail: String,
    pub created_at: NaiveDateTime,
}

/// Grants (or replaces) one organisation's extension for one deadline.
pub fn grant_extension(conn: &mut DbConnection, row: &ExtensionRow) -> QueryResult<()> {
    use extensions::dsl as e;
    diesel::delete(
        e::extensions
            .filter(e::conference_id.eq(&row.conference_id))
            .filter(e::organisation_id.eq(&row.organisation_id))
            .filter(e::deadline.eq(&row.deadline)),
    )
    .execute(conn)?;
    diesel::insert_into(e::extensions)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The organisation's extended date for a deadline, if granted.
pub fn extension(
    conn: &mut DbConnection,
    conference_id: &str,
    organisation_id: &str,
    deadline: &str,
) -> QueryResult<Option<NaiveDate>> {
    use extensions::dsl as e;
    e::extensions
        .filter(e::conference_id.eq(conference_id))
        .filter(e::organisation_id.eq(organisation_id))
        .filter(e::deadline.eq(deadline))
        .select(e::until)
        .first(conn)
        .optional()
}

pub fn list_extensions(
    conn: &mut DbConnection,
    conference_id: &str,
    limit: i64,
    cursor: Option<&str>,
) -> QueryResult<Vec<ExtensionRow>> {
    use extensions::dsl as e;
    let mut q = e::extensions
        .filter(e::conference_id.eq(conference_id.to_owned()))
        .select(ExtensionRow::as_select())
        .order(e::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(e::id.lt(c.to_owned()));
    }
    q.load(conn)
}

pub fn record(conn: &mut DbConnection, row: &AuditRow) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn list(
    conn: &mut DbConnection,
    conference_id: Option<&str>,
    limit: i64,
    cursor: Option<&str>,
) -> QueryResult<Vec<AuditRow>> {
    use audit_log::dsl as a;
    let mut q = a::audit_log
        .select(AuditRow::as_select())
        .order(a::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = conference_id {
        q = q.filter(a::conference_id.eq(c.to_owned()));
    }
    if let Some(c) = cursor {
        q = q.filter(a::id.lt(c.to_owned()));
    }
    q.load(conn)
}

/// What an audit entry is about.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    pub conference_id: Option<&'a str>,
    pub organisation_id: Option<&'a str>,
    pub subject_id: Option<&'a str>,
}

/// Writes one audit entry: who (`actor_id`), what (`action`, `detail`),
/// when (`now`). Details carry ids and dates, never personal data.
pub fn log(
    conn: &mut DbConnection,
    actor_id: &str,
    action: &str,
    subject: Subject<'_>,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> QueryResult<()> {
    record(
        conn,
        &AuditRow {
            id: uuid::Uuid::now_v7().to_string(),
            actor_id: actor_id.to_owned(),
            action: action.to_owned(),
            conference_id: subject.conference_id.map(str::to_owned),
            organisation_id: subject.organisation_id.map(str::to_owned),
            subject_id: subject.subject_id.map(str::to_owned),
            detail: detail.to_string(),
            created_at: now,
        },
    )
}
