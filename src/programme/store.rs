//! Programme items, stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::programme_items;
use crate::db::DbConnection;
use crate::ids::{ConferenceId, ProgrammeItemId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = programme_items)]
pub struct ItemRow {
    pub id: ProgrammeItemId,
    pub conference_id: ConferenceId,
    pub title: String,
    /// The conference's wall clock.
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub place: String,
    pub ticketed: bool,
    pub revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &ItemRow) -> QueryResult<()> {
    diesel::insert_into(programme_items::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Writes an item's settings, revision and time of change.
pub fn update(conn: &mut DbConnection, row: &ItemRow) -> QueryResult<()> {
    use programme_items::dsl as p;
    diesel::update(p::programme_items.find(&row.id))
        .set((
            p::title.eq(&row.title),
            p::starts_at.eq(row.starts_at),
            p::ends_at.eq(row.ends_at),
            p::place.eq(&row.place),
            p::ticketed.eq(row.ticketed),
            p::revision.eq(row.revision),
            p::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConnection, id: &ProgrammeItemId) -> QueryResult<()> {
    diesel::delete(programme_items::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// One item of one conference.
pub fn get(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    id: &ProgrammeItemId,
) -> QueryResult<Option<ItemRow>> {
    programme_items::table
        .find(id)
        .filter(programme_items::conference_id.eq(conference_id))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
}

/// A conference's items in the order they happen.
pub fn list(conn: &mut DbConnection, conference_id: &ConferenceId) -> QueryResult<Vec<ItemRow>> {
    use programme_items::dsl as p;
    p::programme_items
        .filter(p::conference_id.eq(conference_id))
        .order((p::starts_at.asc(), p::id.asc()))
        .select(ItemRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConnection, conference_id: &ConferenceId) -> QueryResult<i64> {
    use programme_items::dsl as p;
    p::programme_items
        .filter(p::conference_id.eq(conference_id))
        .count()
        .get_result(conn)
}
