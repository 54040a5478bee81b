//! Organisations: local parties and co-operative societies.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::organisations;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub contact_email: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &OrganisationRow) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()
}

/// A page of organisations, newest first; `only` restricts to one.
pub fn list(
    conn: &mut DbConnection,
    only: Option<&str>,
    limit: i64,
    cursor: Option<&str>,
) -> QueryResult<Vec<OrganisationRow>> {
    let mut q = organisations::table
        .select(OrganisationRow::as_select())
        .order(organisations::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(id) = only {
        q = q.filter(organisations::id.eq(id.to_owned()));
    }
    if let Some(c) = cursor {
        q = q.filter(organisations::id.lt(c.to_owned()));
    }
    q.load(conn)
}
