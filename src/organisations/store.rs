//! Organisations, stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::OrganisationKind;
use crate::db::schema::organisations;
use crate::db::sql::{contains_pattern, lower, LIKE_ESCAPE};
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
    /// When staff deactivated it: its users cannot sign in and nobody
    /// registers or submits for it.
    pub deactivated_at: Option<NaiveDateTime>,
    /// Postal address printed on its invoices (lines as typed).
    pub billing_address: Option<String>,
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

/// Which organisations a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this one (an organisation user's own).
    pub only: Option<OrganisationId>,
    /// Names containing this text, any case.
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub region: Option<String>,
    /// Deactivated ones too.
    pub include_inactive: bool,
}

/// A page of organisations, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&OrganisationId>,
) -> QueryResult<Vec<OrganisationRow>> {
    use organisations::dsl as o;
    let mut q = o::organisations
        .select(OrganisationRow::as_select())
        .order(o::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(id) = &filter.only {
        q = q.filter(o::id.eq(id.clone()));
    }
    if let Some(name) = &filter.name {
        q = q.filter(
            lower(o::name)
                .like(contains_pattern(name))
                .escape(LIKE_ESCAPE),
        );
    }
    if let Some(kind) = filter.kind {
        q = q.filter(o::kind.eq(kind));
    }
    if let Some(region) = &filter.region {
        q = q.filter(o::region.eq(region.clone()));
    }
    if !filter.include_inactive {
        q = q.filter(o::deactivated_at.is_null());
    }
    if let Some(c) = cursor {
        q = q.filter(o::id.lt(c.clone()));
    }
    q.load(conn)
}

/// Of these names, those an organisation already has (any case).
pub fn names_taken(conn: &mut DbConnection, names: &[String]) -> QueryResult<Vec<String>> {
    use organisations::dsl as o;
    let wanted: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    o::organisations
        .filter(lower(o::name).eq_any(wanted))
        .select(o::name)
        .load(conn)
}

/// The fields staff may change.
pub fn update(conn: &mut DbConnection, row: &OrganisationRow) -> QueryResult<()> {
    use organisations::dsl as o;
    diesel::update(o::organisations.find(&row.id))
        .set((
            o::name.eq(&row.name),
            o::kind.eq(row.kind),
            o::region.eq(&row.region),
            o::contact_email.eq(&row.contact_email),
            o::deactivated_at.eq(row.deactivated_at),
            o::billing_address.eq(&row.billing_address),
        ))
        .execute(conn)
        .map(|_| ())
}
