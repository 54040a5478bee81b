//! Late-submission extensions, stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::rules::DeadlineKey;
use crate::db::schema::extensions;
use crate::db::DbConnection;
use crate::ids::{ConferenceId, ExtensionId, OrganisationId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = extensions)]
pub struct ExtensionRow {
    pub id: ExtensionId,
    pub conference_id: ConferenceId,
    pub organisation_id: OrganisationId,
    pub deadline: DeadlineKey,
    pub until: NaiveDate,
    pub granted_by: UserId,
    pub created_at: NaiveDateTime,
}

/// Grants (or replaces) one organisation's extension for one deadline.
pub fn grant(conn: &mut DbConnection, row: &ExtensionRow) -> QueryResult<()> {
    use extensions::dsl as e;
    diesel::delete(
        e::extensions
            .filter(e::conference_id.eq(&row.conference_id))
            .filter(e::organisation_id.eq(&row.organisation_id))
            .filter(e::deadline.eq(row.deadline)),
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
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
    deadline: DeadlineKey,
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

pub fn list(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    limit: i64,
    cursor: Option<&ExtensionId>,
) -> QueryResult<Vec<ExtensionRow>> {
    use extensions::dsl as e;
    let mut q = e::extensions
        .filter(e::conference_id.eq(conference_id.clone()))
        .select(ExtensionRow::as_select())
        .order(e::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(e::id.lt(c.clone()));
    }
    q.load(conn)
}

/// Every extension one organisation holds for a conference.
pub fn extensions_of(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<(DeadlineKey, NaiveDate)>> {
    use extensions::dsl as e;
    e::extensions
        .filter(e::conference_id.eq(conference_id))
        .filter(e::organisation_id.eq(organisation_id))
        .select((e::deadline, e::until))
        .load(conn)
}
