//! Motions, amendments, policy submissions and nominations, stored.

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::rules::{NomineeKind, SubmissionKind, SubmissionStatus, Timeliness};
use crate::db::schema::{delegates, organisations, registrations, submissions};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, DelegateId, OrganisationId, SubmissionId, UserId};
use crate::organisations::OrganisationKind;
use crate::registrations::rules::DelegateStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = submissions)]
pub struct SubmissionRow {
    pub id: SubmissionId,
    pub conference_id: ConferenceId,
    pub organisation_id: OrganisationId,
    pub kind: SubmissionKind,
    pub number: i32,
    pub reference: String,
    pub motion_id: Option<SubmissionId>,
    pub title: Option<String>,
    pub body: String,
    pub word_count: i32,
    pub delegate_id: Option<DelegateId>,
    pub nominee_kind: Option<NomineeKind>,
    pub nominee_name: Option<String>,
    pub status: SubmissionStatus,
    pub status_reason: Option<String>,
    pub composite: Option<String>,
    pub timeliness: Timeliness,
    pub submitted_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// CAC nominations: the candidate's name when nominated.
    pub candidate_name: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &SubmissionRow) -> QueryResult<()> {
    diesel::insert_into(submissions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut DbConnection, id: &SubmissionId) -> QueryResult<Option<SubmissionRow>> {
    submissions::table
        .find(id)
        .select(SubmissionRow::as_select())
        .first(conn)
        .optional()
}

/// The next number of a kind within a conference (or within a motion, for
/// amendments). Call it with the conference locked, so numbers never repeat.
pub fn next_number(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    kind: SubmissionKind,
    motion_id: Option<&SubmissionId>,
) -> QueryResult<i32> {
    use submissions::dsl as s;
    let mut q = s::submissions
        .filter(s::conference_id.eq(conference_id.clone()))
        .filter(s::kind.eq(kind))
        .select(max(s::number))
        .into_boxed();
    if let Some(m) = motion_id {
        q = q.filter(s::motion_id.eq(m.clone()));
    }
    Ok(q.first::<Option<i32>>(conn)?.unwrap_or(0) + 1)
}

/// A motion's amendments that are still submitted or accepted.
pub fn open_amendments(
    conn: &mut DbConnection,
    motion_id: &SubmissionId,
) -> QueryResult<Vec<SubmissionRow>> {
    use submissions::dsl as s;
    s::submissions
        .filter(s::motion_id.eq(motion_id.clone()))
        .filter(s::status.eq_any(SubmissionStatus::OPEN))
        .select(SubmissionRow::as_select())
        .order(s::number.asc())
        .load(conn)
}

/// Records a review decision.
pub fn set_status(
    conn: &mut DbConnection,
    id: &SubmissionId,
    status: SubmissionStatus,
    reason: Option<&str>,
    composite: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    use submissions::dsl as s;
    diesel::update(s::submissions.find(id))
        .set((
            s::status.eq(status),
            s::status_reason.eq(reason),
            s::composite.eq(composite),
            s::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Who is looking, which decides what they may see.
#[derive(Debug, Clone)]
pub enum Viewer {
    Staff,
    /// An organisation sees its own, and with `agenda` also every published
    /// motion or amendment.
    Organisation {
        id: OrganisationId,
        agenda: bool,
    },
}

/// Which submissions a list shows.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub conference_id: ConferenceId,
    pub kind: SubmissionKind,
    /// Amendments of one motion.
    pub motion_id: Option<SubmissionId>,
    pub organisation_id: Option<OrganisationId>,
    /// Any of these statuses (all when empty).
    pub statuses: Vec<SubmissionStatus>,
    pub viewer: Viewer,
}

/// Narrows a boxed query on `submissions` to what `filter` lets through.
macro_rules! filtered {
    ($q:expr, $filter:expr) => {{
        use submissions::dsl as s;
        let f: &ListFilter = $filter;
        let mut q = $q
            .filter(s::conference_id.eq(f.conference_id.clone()))
            .filter(s::kind.eq(f.kind));
        if let Some(m) = &f.motion_id {
            q = q.filter(s::motion_id.eq(m.clone()));
        }
        if let Some(o) = &f.organisation_id {
            q = q.filter(s::organisation_id.eq(o.clone()));
        }
        if !f.statuses.is_empty() {
            q = q.filter(s::status.eq_any(f.statuses.clone()));
        }
        match &f.viewer {
            Viewer::Staff => q,
            Viewer::Organisation { id, agenda: false } => {
                q.filter(s::organisation_id.eq(id.clone()))
            }
            Viewer::Organisation { id, agenda: true } => q.filter(
                s::organisation_id
                    .eq(id.clone())
                    .or(s::status.eq_any(SubmissionStatus::PUBLISHED)),
            ),
        }
    }};
}

/// A page of submissions, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&SubmissionId>,
) -> QueryResult<Vec<SubmissionRow>> {
    use submissions::dsl as s;
    let mut q = filtered!(s::submissions.into_boxed(), filter)
        .select(SubmissionRow::as_select())
        .order(s::id.desc())
        .limit(limit + 1);
    if let Some(c) = cursor {
        q = q.filter(s::id.lt(c.clone()));
    }
    q.load(conn)
}

/// A candidate's nominations still standing (submitted or accepted).
pub fn standing_nominations(
    conn: &mut DbConnection,
    delegate_id: &DelegateId,
) -> QueryResult<Vec<SubmissionRow>> {
    use submissions::dsl as s;
    s::submissions
        .filter(s::delegate_id.eq(delegate_id.clone()))
        .filter(s::kind.eq(SubmissionKind::CacNomination))
        .filter(s::status.eq_any(SubmissionStatus::OPEN))
        .select(SubmissionRow::as_select())
        .order(s::id.asc())
        .load(conn)
}

/// A delegate as a CAC candidate: where they are registered, for whom, and
/// the member's own region.
#[derive(Debug, Clone, Queryable)]
pub struct CandidateRow {
    pub delegate_id: DelegateId,
    pub conference_id: ConferenceId,
    pub name: String,
    pub status: DelegateStatus,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub region: String,
    /// Whether the candidate's pass votes.
    pub votes: bool,
}

pub fn candidate(
    conn: &mut DbConnection,
    delegate_id: &DelegateId,
) -> QueryResult<Option<CandidateRow>> {
    Ok(candidates(conn, std::slice::from_ref(delegate_id))?.pop())
}

pub fn candidates(conn: &mut DbConnection, ids: &[DelegateId]) -> QueryResult<Vec<CandidateRow>> {
    delegates::table
        .inner_join(registrations::table.inner_join(organisations::table))
        .filter(delegates::id.eq_any(ids.to_vec()))
        .select((
            delegates::id,
            delegates::conference_id,
            delegates::name,
            delegates::status,
            organisations::id,
            organisations::name,
            delegates::region,
            delegates::votes,
        ))
        .load(conn)
}

/// Active delegates with at least one nomination that passes the filter,
/// newest candidate first, for cursor pagination.
pub fn nominated_candidates(
    conn: &mut DbConnection,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&DelegateId>,
) -> QueryResult<Vec<DelegateId>> {
    use submissions::dsl as s;
    let mut q = filtered!(
        s::submissions.inner_join(delegates::table).into_boxed(),
        filter
    )
    .filter(delegates::status.eq(DelegateStatus::Active))
    .select(s::delegate_id.assume_not_null())
    .distinct()
    .order(s::delegate_id.desc())
    .limit(limit + 1);
    if let Some(c) = cursor {
        q = q.filter(s::delegate_id.lt(c.clone()));
    }
    q.load(conn)
}

/// The nominations of the given candidates that pass the filter, with the
/// nominating organisation's name, oldest first.
pub fn nominations_of(
    conn: &mut DbConnection,
    filter: &ListFilter,
    delegate_ids: &[DelegateId],
) -> QueryResult<Vec<(SubmissionRow, String)>> {
    use submissions::dsl as s;
    filtered!(
        s::submissions.inner_join(organisations::table).into_boxed(),
        filter
    )
    .filter(s::delegate_id.eq_any(delegate_ids.to_vec()))
    .select((SubmissionRow::as_select(), organisations::name))
    .order(s::id.asc())
    .load(conn)
}

/// A submission with its organisation, as exported.
#[derive(Debug, Clone, Queryable)]
pub struct ExportRecord {
    pub submission: SubmissionRow,
    pub organisation: String,
    pub organisation_kind: OrganisationKind,
    pub region: String,
}

/// Every submission of the given kinds for a conference, by number.
pub fn for_export(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    kinds: &[SubmissionKind],
) -> QueryResult<Vec<ExportRecord>> {
    use submissions::dsl as s;
    s::submissions
        .inner_join(organisations::table)
        .filter(s::conference_id.eq(conference_id.clone()))
        .filter(s::kind.eq_any(kinds.to_vec()))
        .select((
            SubmissionRow::as_select(),
            organisations::name,
            organisations::kind,
            organisations::region,
        ))
        .order((s::number.asc(), s::id.asc()))
        .load::<(SubmissionRow, String, OrganisationKind, String)>(conn)
        .map(|rows| {
            rows.into_iter()
                .map(
                    |(submission, organisation, organisation_kind, region)| ExportRecord {
                        submission,
                        organisation,
                        organisation_kind,
                        region,
                    },
                )
                .collect()
        })
}

/// Everything one organisation submitted to a conference, every kind,
/// newest first.
pub fn of_organisation(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
    limit: i64,
) -> QueryResult<Vec<SubmissionRow>> {
    use submissions::dsl as s;
    s::submissions
        .filter(s::conference_id.eq(conference_id.clone()))
        .filter(s::organisation_id.eq(organisation_id.clone()))
        .select(SubmissionRow::as_select())
        .order(s::id.desc())
        .limit(limit)
        .load(conn)
}
