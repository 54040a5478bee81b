//! A conference's privacy notice: staff publish its text, each publication
//! a new version that never changes; a registration records the version
//! its organisation accepted, and delegates' confirmations link to it.
//!
//! The rules are the pure functions at the top ([`check_body`],
//! [`acceptance`]); the queries and the operations follow.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::conferences::{self, Conference};
use crate::db::schema::privacy_notices;
use crate::db::DbConnection;
use crate::ids::{ConferenceId, UserId};
use crate::ops::role::StaffRole;
use crate::ops::{Actor, Command, Ctx, Error};

/// The longest notice accepted, in characters (a long notice is a few
/// thousand words).
pub const MAX_CHARS: usize = 100_000;

/// The field a registration names the accepted version in.
pub const FIELD: &str = "privacy_notice_version";

/// A notice's text, trimmed, or why it cannot be published.
pub fn check_body(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        Err("enter the text of the privacy notice")
    } else if text.chars().count() > MAX_CHARS {
        Err("a privacy notice has at most 100,000 characters")
    } else {
        Ok(text.replace("\r\n", "\n"))
    }
}

/// Why a registration's acceptance of the notice is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The conference has a notice and the registration accepted none.
    NotAccepted { current: i32 },
    /// The version named was superseded by a later one.
    Superseded { given: i32, current: i32 },
    /// The version named does not exist.
    Unknown { given: i32 },
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotAccepted { current } => Error::validation(
                FIELD,
                format!(
                    "accept the conference's privacy notice (version {current}) before registering"
                ),
            ),
            Refusal::Superseded { given, current } => Error::Conflict(format!(
                "the privacy notice has changed since version {given}: read version {current} \
                 and accept it"
            )),
            Refusal::Unknown { given } => Error::validation(
                FIELD,
                format!("this conference has no privacy notice version {given}"),
            ),
        }
    }
}

/// The version a registration records: the one it names, which must be
/// the conference's current one. An organisation must accept the current
/// notice when there is one; staff registering from a paper form may name
/// none (the registration then records none).
pub fn acceptance(
    current: Option<i32>,
    given: Option<i32>,
    must_accept: bool,
) -> Result<Option<i32>, Refusal> {
    match (current, given) {
        (None, None) => Ok(None),
        (Some(current), None) if must_accept => Err(Refusal::NotAccepted { current }),
        (Some(_), None) => Ok(None),
        (Some(current), Some(given)) if given == current => Ok(Some(given)),
        (Some(current), Some(given)) if (1..current).contains(&given) => {
            Err(Refusal::Superseded { given, current })
        }
        (_, Some(given)) => Err(Refusal::Unknown { given }),
    }
}

/// The path of a version's public page, under the site's address.
pub fn page_path(conference_id: &ConferenceId, version: i32) -> String {
    format!("/conferences/{conference_id}/privacy-notice/{version}")
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = privacy_notices)]
pub struct NoticeRow {
    pub conference_id: ConferenceId,
    pub version: i32,
    pub body: String,
    pub published_at: NaiveDateTime,
    pub published_by: UserId,
}

/// A published version, as both front doors show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub conference_id: ConferenceId,
    pub conference_name: String,
    pub version: i32,
    pub text: String,
    pub published_at: DateTime<Utc>,
}

fn notice(conference: &Conference, row: NoticeRow) -> Notice {
    Notice {
        conference_id: row.conference_id,
        conference_name: conference.spec.name.clone(),
        version: row.version,
        text: row.body,
        published_at: row.published_at.and_utc(),
    }
}

/// The conference's latest version.
pub fn current_row(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Option<NoticeRow>> {
    privacy_notices::table
        .filter(privacy_notices::conference_id.eq(conference_id))
        .order(privacy_notices::version.desc())
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()
}

/// The conference's current version number, if it has a notice.
pub fn current_version(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Option<i32>> {
    privacy_notices::table
        .filter(privacy_notices::conference_id.eq(conference_id))
        .select(diesel::dsl::max(privacy_notices::version))
        .first(conn)
}

fn version_row(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    version: i32,
) -> QueryResult<Option<NoticeRow>> {
    privacy_notices::table
        .find((conference_id, version))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()
}

/// Every version, newest first, without their text.
fn history(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<(i32, NaiveDateTime)>> {
    privacy_notices::table
        .filter(privacy_notices::conference_id.eq(conference_id))
        .order(privacy_notices::version.desc())
        .select((privacy_notices::version, privacy_notices::published_at))
        .load(conn)
}

/// The conference's current notice (anyone); not found when it has none.
pub fn current(conn: &mut DbConnection, conference_id: &ConferenceId) -> Result<Notice, Error> {
    let conference = conferences::ops::get(conn, conference_id)?;
    let row = current_row(conn, conference_id)?.ok_or(Error::NotFound)?;
    Ok(notice(&conference, row))
}

/// One version of the conference's notice (anyone).
pub fn version(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    version: i32,
) -> Result<Notice, Error> {
    let conference = conferences::ops::get(conn, conference_id)?;
    let row = version_row(conn, conference_id, version)?.ok_or(Error::NotFound)?;
    Ok(notice(&conference, row))
}

/// What the console's notice page shows.
pub struct Overview {
    pub conference: Conference,
    pub current: Option<Notice>,
    /// Every version and when it was published, newest first.
    pub versions: Vec<(i32, DateTime<Utc>)>,
}

/// The current notice, if any, and when each version was published.
pub fn overview(conn: &mut DbConnection, conference_id: &ConferenceId) -> Result<Overview, Error> {
    let conference = conferences::ops::get(conn, conference_id)?;
    let current = current_row(conn, conference_id)?.map(|row| notice(&conference, row));
    let versions = history(conn, conference_id)?
        .into_iter()
        .map(|(v, at)| (v, at.and_utc()))
        .collect();
    Ok(Overview {
        conference,
        current,
        versions,
    })
}

/// The version a new registration records (see [`acceptance`]): an
/// organisation must accept the current notice.
pub fn accepted(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    given: Option<i32>,
) -> Result<Option<i32>, Error> {
    let current = current_version(conn, conference_id)?;
    Ok(acceptance(current, given, !actor.is_staff())?)
}

/// Staff publish a privacy notice: a new version when the text differs
/// from the current one; the same text again changes nothing.
#[derive(Debug, Serialize)]
pub struct PublishNotice {
    pub conference_id: ConferenceId,
    pub text: String,
}

/// What publishing did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    pub notice: Notice,
    /// False when the text was the current version's already.
    pub new_version: bool,
}

impl Command for PublishNotice {
    type Output = Published;
    const NAME: &'static str = "publish_privacy_notice";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Published, Error> {
        if !ctx.actor.permits(StaffRole::Conference) {
            return Err(Error::Forbidden(
                "Only staff with the conference role may publish a privacy notice.",
            ));
        }
        let body = check_body(&self.text).map_err(|m| Error::validation("text", m))?;
        let conference = conferences::ops::get(conn, &self.conference_id)?;
        let current = current_row(conn, &conference.id)?;
        if let Some(row) = current.as_ref().filter(|row| row.body == body) {
            return Ok(Published {
                notice: notice(&conference, row.clone()),
                new_version: false,
            });
        }
        let row = NoticeRow {
            conference_id: conference.id.clone(),
            version: current.map_or(1, |row| row.version + 1),
            body,
            published_at: ctx.now.naive_utc(),
            published_by: ctx.actor.user_id.clone(),
        };
        diesel::insert_into(privacy_notices::table)
            .values(&row)
            .execute(conn)
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => Error::Conflict(
                    "another version was published at the same moment: reload and try again".into(),
                ),
                e => e.into(),
            })?;
        crate::audit::log(
            conn,
            &ctx.actor.user_id,
            crate::audit::AuditAction::PrivacyNoticePublished,
            crate::audit::Subject {
                conference_id: Some(&conference.id),
                organisation_id: None,
                subject_id: None,
            },
            serde_json::json!({"version": row.version}),
            row.published_at,
        )?;
        Ok(Published {
            notice: notice(&conference, row),
            new_version: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_trimmed_and_must_say_something() {
        assert_eq!(
            check_body("  We hold…\r\nMore.  "),
            Ok("We hold…\nMore.".into())
        );
        assert!(check_body(" \n ").is_err());
        assert!(check_body(&"x".repeat(MAX_CHARS + 1)).is_err());
        assert!(check_body(&"é".repeat(MAX_CHARS)).is_ok());
    }

    #[test]
    fn an_organisation_accepts_the_current_version() {
        assert_eq!(acceptance(None, None, true), Ok(None));
        assert_eq!(acceptance(Some(2), Some(2), true), Ok(Some(2)));
        assert_eq!(
            acceptance(Some(2), None, true),
            Err(Refusal::NotAccepted { current: 2 })
        );
        assert_eq!(
            acceptance(Some(3), Some(1), true),
            Err(Refusal::Superseded {
                given: 1,
                current: 3
            })
        );
        assert_eq!(
            acceptance(Some(3), Some(4), true),
            Err(Refusal::Unknown { given: 4 })
        );
        assert_eq!(
            acceptance(None, Some(1), true),
            Err(Refusal::Unknown { given: 1 })
        );
        assert_eq!(
            acceptance(Some(3), Some(0), false),
            Err(Refusal::Unknown { given: 0 })
        );
    }

    #[test]
    fn staff_may_register_from_paper_without_naming_one() {
        assert_eq!(acceptance(Some(2), None, false), Ok(None));
        assert_eq!(acceptance(Some(2), Some(2), false), Ok(Some(2)));
    }

    #[test]
    fn refusals_name_the_field_or_conflict() {
        assert_eq!(
            Error::from(Refusal::NotAccepted { current: 1 }).code(),
            "validation_failed"
        );
        assert_eq!(
            Error::from(Refusal::Superseded {
                given: 1,
                current: 2
            })
            .code(),
            "conflict"
        );
    }
}
