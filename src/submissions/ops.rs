//! Submission operations: one submit path for every kind, staff review,
//! withdrawal (the amendment cascade included), and what each reader may
//! list.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;

use super::eligibility::{self, CacPolicy, Candidate, Nomination, NOMINATING_KINDS};
use super::rules::{self, Decision, NomineeKind, SubmissionKind, SubmissionStatus, Timeliness};
use super::store::{self, CandidateRow, ListFilter, SubmissionRow, Viewer};
use super::words::WordLimitedText;
use crate::audit::{self, AuditAction, Subject};
use crate::conferences::{self, Conference};
use crate::db::{self, DbConnection};
use crate::deadlines::ops::{enforce, Attempt};
use crate::email::notify;
use crate::ids::{ConferenceId, DelegateId, OrganisationId, SubmissionId};
use crate::ops::{Actor, Command, Ctx, Error};
use crate::organisations::{self, OrganisationRow};
use crate::registrations::rules::DelegateStatus;

/// Whether the actor may read a submission: its own organisation's, staff,
/// or anything on the published agenda.
pub fn visible(actor: &Actor, row: &SubmissionRow) -> bool {
    actor.may_act_for(&row.organisation_id) || rules::published(row.kind, row.status)
}

/// What is submitted, and to what.
#[derive(Debug, Clone, Serialize)]
pub enum Draft {
    Motion {
        conference_id: ConferenceId,
        title: String,
        body: String,
    },
    Amendment {
        motion_id: SubmissionId,
        body: String,
    },
    PolicySubmission {
        conference_id: ConferenceId,
        title: String,
        body: String,
    },
    CacNomination {
        conference_id: ConferenceId,
        /// The candidate: an active delegate registered for the conference.
        delegate_id: DelegateId,
        statement: String,
    },
    AwardNomination {
        conference_id: ConferenceId,
        nominee_kind: NomineeKind,
        nominee_name: String,
        citation: String,
    },
}

impl Draft {
    pub fn kind(&self) -> SubmissionKind {
        match self {
            Draft::Motion { .. } => SubmissionKind::Motion,
            Draft::Amendment { .. } => SubmissionKind::Amendment,
            Draft::PolicySubmission { .. } => SubmissionKind::PolicySubmission,
            Draft::CacNomination { .. } => SubmissionKind::CacNomination,
            Draft::AwardNomination { .. } => SubmissionKind::AwardNomination,
        }
    }
}

/// A motion the actor may see (its own, or one on the published agenda).
pub fn visible_motion(
    conn: &mut DbConnection,
    actor: &Actor,
    motion_id: &SubmissionId,
) -> Result<SubmissionRow, Error> {
    store::get(conn, motion_id)?
        .filter(|m| m.kind == SubmissionKind::Motion && visible(actor, m))
        .ok_or(Error::NotFound)
}

/// Business submitted by an organisation: the one path every kind takes.
/// In one transaction: the conference locked, the kind's deadline (with an
/// extension, or an audited staff override), the word limit, eligibility,
/// the next number, the submission and its receipt email.
#[derive(Debug, Serialize)]
pub struct Submit {
    pub organisation_id: OrganisationId,
    /// Staff only: accept after the deadline (audited).
    pub late_override: bool,
    pub draft: Draft,
}

impl Command for Submit {
    type Output = SubmissionRow;
    const NAME: &'static str = "submit";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<SubmissionRow, Error> {
        if !ctx.actor.may_act_for(&self.organisation_id) {
            return Err(Error::Forbidden("An organisation acts only for itself."));
        }
        let kind = self.draft.kind();
        let (conference_id, motion_id) = match &self.draft {
            Draft::Amendment { motion_id, .. } => (
                visible_motion(conn, &ctx.actor, motion_id)?.conference_id,
                Some(motion_id.clone()),
            ),
            Draft::Motion { conference_id, .. }
            | Draft::PolicySubmission { conference_id, .. }
            | Draft::CacNomination { conference_id, .. }
            | Draft::AwardNomination { conference_id, .. } => (conference_id.clone(), None),
        };
        let conference =
            conferences::store::lock_and_get(conn, &conference_id)?.ok_or(Error::NotFound)?;
        let organisation = organisations::ops::named(conn, &self.organisation_id)?;
        let outcome = enforce(
            conn,
            ctx,
            &conference,
            &organisation.id,
            Attempt {
                key: kind.deadline(),
                late_override: self.late_override,
                action: kind.as_str(),
            },
        )?;
        let motion = match &motion_id {
            None => None,
            Some(id) => {
                let m = store::get(conn, id)?.ok_or(Error::NotFound)?;
                if !m.status.amendable() {
                    return Err(Error::Conflict(format!(
                        "motion {} has been {} and takes no amendments",
                        m.reference,
                        m.status.label()
                    )));
                }
                Some(m)
            }
        };
        let (title, text, delegate_id, nominee) = match self.draft {
            Draft::Motion { title, body, .. } | Draft::PolicySubmission { title, body, .. } => {
                (Some(title), body, None, None)
            }
            Draft::Amendment { body, .. } => (None, body, None, None),
            Draft::CacNomination {
                delegate_id,
                statement,
                ..
            } => (None, statement, Some(delegate_id), None),
            Draft::AwardNomination {
                nominee_kind,
                nominee_name,
                citation,
                ..
            } => (None, citation, None, Some((nominee_kind, nominee_name))),
        };
        let limit = kind.word_limit(&conference.spec);
        let body = WordLimitedText::new(text, limit.map(|l| l as usize))?;
        let candidate = match &delegate_id {
            None => None,
            Some(d) => Some(check_nomination(conn, &conference, &organisation, d)?),
        };

        let number = store::next_number(conn, &conference.id, kind, motion_id.as_ref())?;
        let ts = ctx.now.naive_utc();
        let row = SubmissionRow {
            id: SubmissionId::new(),
            conference_id: conference.id.clone(),
            organisation_id: organisation.id.clone(),
            kind,
            number,
            reference: kind.reference(number, motion.as_ref().map(|m| m.reference.as_str())),
            motion_id,
            title,
            word_count: i32::try_from(body.word_count()).unwrap_or(i32::MAX),
            body: body.into_inner(),
            delegate_id,
            nominee_kind: nominee.as_ref().map(|(k, _)| *k),
            nominee_name: nominee.map(|(_, n)| n),
            status: SubmissionStatus::Submitted,
            status_reason: None,
            composite: None,
            timeliness: Timeliness::from(outcome),
            submitted_by: ctx.actor.user_id.clone(),
            created_at: ts,
            updated_at: ts,
            candidate_name: candidate.as_ref().map(|c| c.name.clone()),
        };
        store::insert(conn, &row).map_err(|e| {
            if db::is_unique_violation(&e) {
                Error::Conflict("this organisation has already nominated this candidate".into())
            } else {
                e.into()
            }
        })?;
        notify::SubmissionContext {
            conference: &conference,
            organisation: &organisation,
            submission: &row,
            candidate: candidate.as_ref().map(|c| c.name.as_str()),
            motion_reference: motion.as_ref().map(|m| m.reference.as_str()),
            now: ts,
        }
        .received(conn)?;
        Ok(row)
    }
}

/// The CAC eligibility rules for one nomination (`not_eligible`); one
/// nomination per body and candidate is the unique index's (`conflict`).
fn check_nomination(
    conn: &mut DbConnection,
    conference: &Conference,
    organisation: &OrganisationRow,
    delegate_id: &DelegateId,
) -> Result<CandidateRow, Error> {
    let found = store::candidate(conn, delegate_id)?;
    let facts = Nomination {
        candidate: found.as_ref().map(|c| Candidate {
            at_this_conference: c.conference_id == conference.id,
            active: c.status == DelegateStatus::Active,
            votes: c.votes,
            region: &c.region,
        }),
        nominator_kind: organisation.kind.as_str(),
    };
    let policy = CacPolicy {
        excluded_regions: &conference.spec.cac_excluded_regions,
        nominating_kinds: &NOMINATING_KINDS,
    };
    eligibility::check(&facts, &policy, eligibility::CAC_RULES)
        .map_err(|e| Error::NotEligible(e.detail))?;
    found.ok_or(Error::NotFound)
}

/// A submission the actor may see (not found otherwise).
pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &SubmissionId,
) -> Result<SubmissionRow, Error> {
    store::get(conn, id)?
        .filter(|r| visible(actor, r))
        .ok_or(Error::NotFound)
}

/// Moves a submission to the decision's status: checks the workflow (and,
/// for an organisation's withdrawal, the kind's deadline), records the
/// change, audits it and emails the organisation. When a motion is
/// withdrawn or ruled out its open amendments fall with it: each is
/// withdrawn with a reason, audited and emailed likewise.
fn decide(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: &SubmissionId,
    decision: &Decision,
    check_deadline: bool,
) -> Result<SubmissionRow, Error> {
    let found = get(conn, &ctx.actor, id)?;
    let conference =
        conferences::store::lock_and_get(conn, &found.conference_id)?.ok_or(Error::NotFound)?;
    let row = store::get(conn, id)?.ok_or(Error::NotFound)?;
    if check_deadline {
        enforce(
            conn,
            ctx,
            &conference,
            &row.organisation_id,
            Attempt {
                key: row.kind.deadline(),
                late_override: false,
                action: "withdrawal",
            },
        )?;
    }
    rules::transition(row.kind, row.status, decision.status)
        .map_err(|e| Error::Conflict(format!("{}: {e}", row.reference)))?;
    let decided = record(conn, ctx, &conference, &row, decision)?;
    if row.kind == SubmissionKind::Motion && !decision.status.amendable() {
        let fell = Decision {
            status: SubmissionStatus::Withdrawn,
            reason: Some(format!(
                "fell with motion {}, which was {}",
                row.reference,
                decision.status.label()
            )),
            composite: None,
        };
        for amendment in store::open_amendments(conn, &row.id)? {
            record(conn, ctx, &conference, &amendment, &fell)?;
        }
    }
    Ok(decided)
}

/// Stores one decision on one submission, audits it (who, from, to, why)
/// and emails it to the submitting organisation.
fn record(
    conn: &mut DbConnection,
    ctx: &Ctx,
    conference: &Conference,
    row: &SubmissionRow,
    decision: &Decision,
) -> Result<SubmissionRow, Error> {
    let ts = ctx.now.naive_utc();
    store::set_status(
        conn,
        &row.id,
        decision.status,
        decision.reason.as_deref(),
        decision.composite.as_deref(),
        ts,
    )?;
    audit::log(
        conn,
        &ctx.actor.user_id,
        AuditAction::SubmissionReviewed,
        Subject {
            conference_id: Some(&conference.id),
            organisation_id: Some(&row.organisation_id),
            subject_id: Some(row.id.as_str()),
        },
        json!({
            "reference": row.reference,
            "from": row.status,
            "to": decision.status,
            "reason": decision.reason,
            "composite": decision.composite,
        }),
        ts,
    )?;
    let row = SubmissionRow {
        status: decision.status,
        status_reason: decision.reason.clone(),
        composite: decision.composite.clone(),
        updated_at: ts,
        ..row.clone()
    };
    let organisation =
        organisations::store::get(conn, &row.organisation_id)?.ok_or(Error::NotFound)?;
    let candidate = match (&row.candidate_name, &row.delegate_id) {
        (Some(name), _) => Some(name.clone()),
        (None, Some(d)) => store::candidate(conn, d)?.map(|c| c.name),
        (None, None) => None,
    };
    let motion_reference = match &row.motion_id {
        Some(m) => store::get(conn, m)?.map(|m| m.reference),
        None => None,
    };
    notify::SubmissionContext {
        conference,
        organisation: &organisation,
        submission: &row,
        candidate: candidate.as_deref(),
        motion_reference: motion_reference.as_deref(),
        now: ts,
    }
    .decided(conn, decision.status)?;
    Ok(row)
}

/// Why a nomination falls when its candidate gives up their place.
pub const CANDIDATE_LEFT: &str = "candidate no longer a delegate";

/// A nomination is of a person: when the person holding a place leaves it
/// (cancelled, or substituted by someone else), every CAC nomination of
/// them still standing is withdrawn with [`CANDIDATE_LEFT`], audited, and
/// each nominating organisation is emailed. Runs in the caller's
/// transaction.
pub fn candidate_left(
    conn: &mut DbConnection,
    ctx: &Ctx,
    conference: &Conference,
    delegate_id: &DelegateId,
) -> Result<(), Error> {
    let fell = Decision {
        status: SubmissionStatus::Withdrawn,
        reason: Some(CANDIDATE_LEFT.to_owned()),
        composite: None,
    };
    for nomination in store::standing_nominations(conn, delegate_id)? {
        record(conn, ctx, conference, &nomination, &fell)?;
    }
    Ok(())
}

/// A staff decision on a submission: accepted, ruled out (with a reason),
/// composited (motions, naming the composite) or withdrawn.
#[derive(Debug, Serialize)]
pub struct Review {
    pub submission_id: SubmissionId,
    pub decision: Decision,
}

impl Command for Review {
    type Output = SubmissionRow;
    const NAME: &'static str = "review";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<SubmissionRow, Error> {
        ctx.actor.require_staff()?;
        decide(conn, ctx, &self.submission_id, &self.decision, false)
    }
}

/// A submission withdrawn: by the submitting organisation until the
/// deadline of its kind (with any extension), by staff at any time.
#[derive(Debug, Serialize)]
pub struct Withdraw {
    pub submission_id: SubmissionId,
}

impl Command for Withdraw {
    type Output = SubmissionRow;
    const NAME: &'static str = "withdraw";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<SubmissionRow, Error> {
        let found = get(conn, &ctx.actor, &self.submission_id)?;
        if !ctx.actor.may_act_for(&found.organisation_id) {
            return Err(Error::Forbidden(
                "Only the submitting organisation may withdraw it.",
            ));
        }
        let decision = Decision {
            status: SubmissionStatus::Withdrawn,
            reason: None,
            composite: None,
        };
        decide(
            conn,
            ctx,
            &self.submission_id,
            &decision,
            !ctx.actor.is_staff(),
        )
    }
}

/// Which submissions of one kind a list asks for.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub conference_id: ConferenceId,
    pub kind: SubmissionKind,
    /// Amendments of one motion.
    pub motion_id: Option<SubmissionId>,
    /// One organisation's.
    pub organisation_id: Option<OrganisationId>,
    pub status: Option<SubmissionStatus>,
}

impl ListQuery {
    /// What the actor may see of it: staff everything, an organisation its
    /// own and (for motions and amendments) the published agenda.
    fn filter(self, actor: &Actor) -> ListFilter {
        let viewer = match actor.organisation() {
            Some(own) => Viewer::Organisation {
                id: own.clone(),
                agenda: self.kind.on_agenda(),
            },
            None => Viewer::Staff,
        };
        ListFilter {
            conference_id: self.conference_id,
            kind: self.kind,
            motion_id: self.motion_id,
            organisation_id: self.organisation_id,
            statuses: self.status.into_iter().collect(),
            viewer,
        }
    }
}

/// A page of submissions, newest first (`limit + 1` rows).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    query: ListQuery,
    limit: i64,
    cursor: Option<&SubmissionId>,
) -> Result<Vec<SubmissionRow>, Error> {
    if !conferences::store::exists(conn, &query.conference_id)? {
        return Err(Error::NotFound);
    }
    Ok(store::list(conn, &query.filter(actor), limit, cursor)?)
}

/// A motion's amendments, newest first (`limit + 1` rows), if the actor
/// may see the motion.
pub fn list_amendments(
    conn: &mut DbConnection,
    actor: &Actor,
    motion_id: &SubmissionId,
    organisation_id: Option<OrganisationId>,
    status: Option<SubmissionStatus>,
    limit: i64,
    cursor: Option<&SubmissionId>,
) -> Result<Vec<SubmissionRow>, Error> {
    let motion = visible_motion(conn, actor, motion_id)?;
    let query = ListQuery {
        conference_id: motion.conference_id,
        kind: SubmissionKind::Amendment,
        motion_id: Some(motion.id),
        organisation_id,
        status,
    };
    Ok(store::list(conn, &query.filter(actor), limit, cursor)?)
}

/// One body's nomination of a CAC candidate.
#[derive(Debug, Clone)]
pub struct CacNomination {
    pub row: SubmissionRow,
    pub organisation_name: String,
}

/// A CAC candidate with the nominations the actor may see.
#[derive(Debug, Clone)]
pub struct CacCandidate {
    pub delegate: CandidateRow,
    pub nominations: Vec<CacNomination>,
}

/// The CAC election as the actor may see it.
#[derive(Debug, Clone)]
pub struct CacElection {
    pub vacancies: u32,
    pub excluded_regions: Vec<String>,
    /// Candidates, newest first.
    pub candidates: Vec<CacCandidate>,
    pub next_cursor: Option<DelegateId>,
}

/// The standing CAC candidates (active delegates with nominations
/// submitted or accepted) with their nominating bodies and the vacancies.
/// Staff see every nomination; an organisation sees the ones it made. A
/// `status` filter shows nominations in that status instead; pages are of
/// candidates.
pub fn cac_election(
    conn: &mut DbConnection,
    actor: &Actor,
    query: ListQuery,
    limit: i64,
    cursor: Option<&DelegateId>,
) -> Result<CacElection, Error> {
    let conference = conferences::ops::get(conn, &query.conference_id)?;
    let mut filter = query.filter(actor);
    if filter.statuses.is_empty() {
        filter.statuses = SubmissionStatus::OPEN.to_vec();
    }
    let ids = store::nominated_candidates(conn, &filter, limit, cursor)?;
    let (ids, next_cursor) = crate::ops::page(ids, limit, DelegateId::clone);
    let mut delegates = store::candidates(conn, &ids)?;
    let mut nominations: HashMap<DelegateId, Vec<CacNomination>> = HashMap::new();
    for (row, organisation_name) in store::nominations_of(conn, &filter, &ids)? {
        if let Some(d) = row.delegate_id.clone() {
            nominations.entry(d).or_default().push(CacNomination {
                row,
                organisation_name,
            });
        }
    }
    let candidates = ids
        .iter()
        .filter_map(|id| {
            let at = delegates.iter().position(|c| &c.delegate_id == id)?;
            let delegate = delegates.swap_remove(at);
            Some(CacCandidate {
                nominations: nominations.remove(id).unwrap_or_default(),
                delegate,
            })
        })
        .collect();
    Ok(CacElection {
        vacancies: conference.spec.cac_vacancies.unwrap_or(0),
        excluded_regions: conference.spec.cac_excluded_regions,
        candidates,
        next_cursor,
    })
}

/// Submissions of every kind one organisation made to a conference, newest
/// first, at most `limit`: its own users and staff see them, another
/// organisation none.
pub fn of_organisation(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
    limit: i64,
) -> Result<Vec<SubmissionRow>, Error> {
    if !actor.may_act_for(organisation_id) {
        return Ok(Vec::new());
    }
    if !conferences::store::exists(conn, conference_id)? {
        return Err(Error::NotFound);
    }
    Ok(store::of_organisation(
        conn,
        conference_id,
        organisation_id,
        limit,
    )?)
}
