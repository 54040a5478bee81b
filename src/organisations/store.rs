//! Organisations, stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::OrganisationKind;
use crate::db::schema::organisations;
use crate::db::DbConnection;
use crate::ids::OrganisationId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
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

pub fn get(conn: &mut DbConnection, id: &OrganisationId) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()
}

pub fn exists(conn: &mut DbConnection, id: &OrganisationId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(organisations::table.find(id))).get_result(conn)
}

/// A page of organisations, newest first; `only` restricts to one.
pub fn list(
    conn: &mut DbConnection,
    only: Option<&OrganisationId>,
    limit: i64,
    cursor: Option<&OrganisationId>,
) -> QueryResult<Vec<OrganisationRow>> {
    let mut q = organisations::table
        .select(OrganisationRow::as_select())
        .order(organisations::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(id) = only {
        q = q.filter(organisations::id.eq(id.clone()));
    }
    if let Some(c) = cursor {
        q = q.filter(organisations::id.lt(c.clone()));
    }
    q.load(conn)
}
