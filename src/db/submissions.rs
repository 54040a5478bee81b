//! Motions, amendments, policy submissions and nominations.

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use super::schema::{delegates, organisations, registrations, submissions};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = submissions)]
pub struct SubmissionRow {
    pub id: String,
    pub conference_id: String,
    pub organisation_id: String,
    pub kind: String,
    pub number: i32,
    pub reference: String,
    pub motion_id: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub word_count: i32,
    pub delegate_id: Option<String>,
    pub nominee_kind: Option<String>,
    pub nominee_name: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    pub composite: Option<String>,
    pub timeliness: String,
    pub submitted_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &SubmissionRow) -> QueryResult<()> {
    diesel::insert_into(submissions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SubmissionRow>> {
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
    conference_id: &str,
    kind: &str,
    motion_id: Option<&str>,
) -> QueryResult<i32> {
    use submissions::dsl as s;
    let mut q = s::submissions
        .filter(s::conference_id.eq(conference_id.to_owned()))
        .filter(s::kind.eq(kind.to_owned()))
        .select(max(s::number))
        .into_boxed();
    if let Some(m) = motion_id {
        q = q.filter(s::motion_id.eq(m.to_owned()));
    }
    Ok(q.first::<Option<i32>>(conn)?.unwrap_or(0) + 1)
}

/// A motion's amendments that are still submitted or accepted.
pub fn open_amendments(
    conn: &mut DbConnection,
    motion_id: &str,
) -> QueryResult<Vec<SubmissionRow>> {
    use submissions::dsl as s;
    s::submissions
        .filter(s::motion_id.eq(motion_id.to_owned()))
        .filter(s::status.eq_any(["submitted", "accepted"]))
        .select(SubmissionRow::as_select())
        .order(s::number.asc())
        .load(conn)
}

/// Records a review decision.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
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

/// Statuses that put a motion or amendment on the published agenda.
pub const PUBLISHED: [&str; 2] = ["accepted", "composited"];

/// Who is looking, which decides what they may see.
#[derive(Debug, Clone)]
pub enum Viewer {
    Staff,
    /// An organisation sees its own, and with `agenda` also every published
    /// motion or amendment.
    Organisation {
        id: String,
        agenda: bool,
    },
}

/// Which submissions a list shows.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub conference_id: String,
    pub kind: String,
    /// Amendments of one motion.
    pub motion_id: Option<String>,
    pub organisation_id: Option<String>,
    pub status: Option<String>,
    pub viewer: Viewer,
}

/// Narrows a boxed query on `submissions` to what `filter` lets through.
macro_rules! filtered {
    ($q:expr, $filter:expr) => {{
        use submissions::dsl as s;
        let f: &ListFilter = $filter;
        let mut q = $q
            .filter(s::conference_id.eq(f.conference_id.clone()))
            .filter(s::kind.eq(f.kind.clone()));
        if let Some(m) = &f.motion_id {
            q = q.filter(s::motion_id.eq(m.clone()));
        }
        if let Some(o) = &f.organisation_id {
            q = q.filter(s::organisation_id.eq(o.clone()));
        }
        if let Some(st) = &f.status {
            q = q.filter(s::status.eq(st.clone()));
        }
        match &f.viewer {
            Viewer::Staff => q,
            Viewer::Organisation { id, agenda: false } => {
                q.filter(s::organisation_id.eq(id.clone()))
            }
            Viewer::Organisation { id, agenda: true } => q.filter(
                s::organisation_id
                    .eq(id.clone())
                    .or(s::status.eq_any(PUBLISHED)),
            ),
        }
    }};
}

/// A page of submissions, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&str>,
) -> QueryResult<Vec<SubmissionRow>> {
    use submissions::dsl as s;
    let mut q = filtered!(s::submissions.into_boxed(), filter)
        .select(SubmissionRow::as_select())
        .order(s::id.desc())
        .limit(limit + 1);
    if let Some(c) = cursor {
        q = q.filter(s::id.lt(c.to_owned()));
    }
    q.load(conn)
}

/// A delegate as a CAC candidate: where they are registered and for whom.
#[derive(Debug, Clone, Queryable)]
pub struct CandidateRow {
    pub delegate_id: String,
    pub conference_id: String,
    pub name: String,
    pub status: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub region: String,
}

pub fn candidate(conn: &mut DbConnection, delegate_id: &str) -> QueryResult<Option<CandidateRow>> {
    Ok(candidates(conn, &[delegate_id.to_owned()])?.pop())
}

pub fn candidates(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<CandidateRow>> {
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
            organisations::region,
        ))
        .load(conn)
}

/// Candidates (delegate ids) with at least one nomination that passes the
/// filter, newest candidate first, for cursor pagination.
pub fn nominated_candidates(
    conn: &mut DbConnection,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&str>,
) -> QueryResult<Vec<String>> {
    use submissions::dsl as s;
    let mut q = filtered!(s::submissions.into_boxed(), filter)
        .select(s::delegate_id.assume_not_null())
        .distinct()
        .order(s::delegate_id.desc())
        .limit(limit + 1);
    if let Some(c) = cursor {
        q = q.filter(s::delegate_id.lt(c.to_owned()));
    }
    q.load(conn)
}

/// The nominations of the given candidates that pass the filter, with the
/// nominating organisation's name, oldest first.
pub fn nominations_of(
    conn: &mut DbConnection,
    filter: &ListFilter,
    delegate_ids: &[String],
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
    pub organisation_kind: String,
    pub region: String,
}

/// Every submission of the given kinds for a conference, by number.
pub fn for_export(
    conn: &mut DbConnection,
    conference_id: &str,
    kinds: &[&str],
) -> QueryResult<Vec<ExportRecord>> {
    use submissions::dsl as s;
    let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    s::submissions
        .inner_join(organisations::table)
        .filter(s::conference_id.eq(conference_id.to_owned()))
        .filter(s::kind.eq_any(kinds))
        .select((
            SubmissionRow::as_select(),
            organisations::name,
            organisations::kind,
            organisations::region,
        ))
        .order((s::number.asc(), s::id.asc()))
        .load::<(SubmissionRow, String, String, String)>(conn)
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
