//! Motions, amendments, policy submissions, CAC nominations and award
//! nominations: submitted before the deadline (the same rule as
//! registration), numbered per conference, receipted by email.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::deadline;
use super::error::{ApiError, ApiResult, Problem};
use super::extract::Caller;
use super::idempotency::{self, IdempotencyKey};
use super::pagination::{Page, PageQuery};
use crate::app::AppState;
use crate::db::submissions::{self as subs, ListFilter, SubmissionRow, Viewer};
use crate::db::{self, DbConnection};
use crate::domain::eligibility::{self, CacPolicy, Candidate, Nomination, NOMINATING_KINDS};
use crate::domain::submission::{
    self as rules, NomineeKind, SubmissionKind, SubmissionStatus, BODY_MAX_CHARS, LINE_MAX_CHARS,
    STATEMENT_MAX_CHARS, TITLE_MAX_CHARS,
};
use crate::domain::words::WordLimitedText;
use crate::domain::{values, Problems};
use crate::email::notify;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_motion)
        .service(list_motions)
        .service(create_amendment)
        .service(list_amendments)
        .service(create_policy_submission)
        .service(list_policy_submissions)
        .service(create_cac_nomination)
        .service(list_cac_nominations)
        .service(create_award_nomination)
        .service(list_award_nominations)
        .service(get_submission);
}

/// A motion or a policy submission.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTitled {
    /// 1 to 200 characters.
    pub title: String,
    /// Within the conference's word limit for the kind
    /// (`motion_word_limit`, `policy_word_limit`), if it sets one.
    pub body: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organisation_id: Option<String>,
    #[serde(default)]
    pub late_override: bool,
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAmendment {
    /// Within the conference's `amendment_word_limit`, if set.
    pub body: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organisation_id: Option<String>,
    #[serde(default)]
    pub late_override: bool,
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCacNomination {
    /// The candidate: an active delegate registered for this conference.
    #[schema(format = Uuid)]
    pub delegate_id: String,
    /// The nominating body's supporting statement.
    pub statement: String,
    /// The nominating body (staff must name it).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organisation_id: Option<String>,
    #[serde(default)]
    pub late_override: bool,
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAwardNomination {
    pub nominee_kind: NomineeKind,
    /// The member's or branch's name, 1 to 200 characters.
    pub nominee_name: String,
    /// Why they deserve the award.
    pub citation: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organisation_id: Option<String>,
    #[serde(default)]
    pub late_override: bool,
}

/// A submission of any kind; fields that belong to other kinds are absent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub conference_id: String,
    /// The submitting (or nominating) organisation.
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub kind: SubmissionKind,
    /// `M3`, `M3A1` (amendment 1 to motion 3), `P2`, `N4`, `AW1`.
    #[schema(example = "M3")]
    pub reference: String,
    /// Sequence within the kind (within the motion for amendments).
    pub number: i32,
    /// Amendments: the motion amended.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub motion_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Motions, amendments and policy submissions: the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// CAC nominations: the candidate (a delegate id).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub delegate_id: Option<String>,
    /// CAC nominations: the supporting statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nominee_kind: Option<NomineeKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nominee_name: Option<String>,
    /// Award nominations: the citation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Words in the body, statement or citation.
    pub word_count: i32,
    pub status: SubmissionStatus,
    /// Why it was ruled out (or withdrawn).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// The composite a composited motion was merged into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite: Option<String>,
    /// `on_time`, `extended` (within the organisation's extension) or
    /// `overridden` (accepted late by staff).
    pub timeliness: String,
    #[schema(format = Uuid)]
    pub submitted_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SubmissionRow> for SubmissionView {
    fn from(r: SubmissionRow) -> Self {
        let kind = SubmissionKind::parse(&r.kind).unwrap_or(SubmissionKind::Motion);
        let (body, statement, citation) = match kind {
            SubmissionKind::CacNomination => (None, Some(r.body), None),
            SubmissionKind::AwardNomination => (None, None, Some(r.body)),
            _ => (Some(r.body), None, None),
        };
        Self {
            id: r.id,
            conference_id: r.conference_id,
            organisation_id: r.organisation_id,
            kind,
            reference: r.reference,
            number: r.number,
            motion_id: r.motion_id,
            title: r.title,
            body,
            delegate_id: r.delegate_id,
            statement,
            nominee_kind: r.nominee_kind.as_deref().and_then(NomineeKind::parse),
            nominee_name: r.nominee_name,
            citation,
            word_count: r.word_count,
            status: SubmissionStatus::parse(&r.status).unwrap_or(SubmissionStatus::Submitted),
            status_reason: r.status_reason,
            composite: r.composite,
            timeliness: r.timeliness,
            submitted_by: r.submitted_by,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// Accepted and composited motions (and their accepted amendments) are on
/// the published agenda: every organisation may read and amend them.
pub fn published(row: &SubmissionRow) -> bool {
    matches!(row.kind.as_str(), "motion" | "amendment")
        && matches!(row.status.as_str(), "accepted" | "composited")
}

/// Whether the caller may read a submission: its own organisation's, staff,
/// or anything on the published agenda.
pub fn visible(caller: &Caller, row: &SubmissionRow) -> bool {
    caller.may_act_for(&row.organisation_id) || published(row)
}

/// Non-empty multi-line text of bounded length.
fn text(s: &str, max_chars: usize) -> Result<String, String> {
    let t = values::free_text(s, max_chars)?;
    if t.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(t)
    }
}

/// What one new submission is, once its fields are parsed.
struct Draft {
    kind: SubmissionKind,
    organisation_id: String,
    late_override: bool,
    title: Option<String>,
    body: String,
    delegate_id: Option<String>,
    nominee: Option<(NomineeKind, String)>,
}

/// Where a draft goes: a conference, or (for an amendment) a motion.
enum Target {
    Conference(String),
    Motion(String),
}

/// The conference a motion belongs to, if the caller may see the motion.
async fn motion_conference(
    state: &AppState,
    caller: &Caller,
    motion_id: String,
) -> Result<String, ApiError> {
    let caller = caller.clone();
    state
        .db(move |conn| {
            let motion = subs::get(conn, &motion_id)?
                .filter(|m| m.kind == SubmissionKind::Motion.as_str() && visible(&caller, m))
                .ok_or(ApiError::NotFound)?;
            Ok(motion.conference_id)
        })
        .await
}

/// The one path every submission takes: conference locked, deadline (with
/// extension or audited override), word limit, eligibility, number,
/// insert and receipt, all in one transaction.
async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    scope: String,
    request: serde_json::Value,
    target: Target,
    draft: Draft,
) -> ApiResult<HttpResponse> {
    let (conference_id, motion_id) = match target {
        Target::Conference(id) => (id, None),
        Target::Motion(id) => (
            motion_conference(&state, &caller, id.clone()).await?,
            Some(id),
        ),
    };
    let now = state.now();
    let c = caller.clone();
    idempotency::respond(
        &state,
        &caller,
        key,
        scope,
        &request,
        StatusCode::CREATED,
        move |conn| {
            let conference =
                db::conferences::lock_and_get(conn, &conference_id)?.ok_or(ApiError::NotFound)?;
            let organisation = db::organisations::get(conn, &draft.organisation_id)?
                .ok_or_else(|| ApiError::validation("organisation_id", "no such organisation"))?;
            let outcome = deadline::enforce(
                conn,
                &conference,
                &organisation.id,
                draft.kind.deadline(),
                &c,
                draft.late_override,
                draft.kind.as_str(),
                now,
            )?;
            let motion = match &motion_id {
                None => None,
                Some(id) => {
                    let m = subs::get(conn, id)?.ok_or(ApiError::NotFound)?;
                    let status =
                        SubmissionStatus::parse(&m.status).unwrap_or(SubmissionStatus::Submitted);
                    if !status.amendable() {
                        return Err(ApiError::Conflict(format!(
                            "motion {} has been {} and takes no amendments",
                            m.reference,
                            status.label()
                        )));
                    }
                    Some(m)
                }
            };
            let spec = &conference.spec;
            let limit = match draft.kind {
                SubmissionKind::Motion => spec.motion_word_limit,
                SubmissionKind::Amendment => spec.amendment_word_limit,
                SubmissionKind::PolicySubmission => spec.policy_word_limit,
                SubmissionKind::CacNomination | SubmissionKind::AwardNomination => None,
            };
            let body = WordLimitedText::new(draft.body, limit.map(|l| l as usize))?;

            let candidate = match &draft.delegate_id {
                None => None,
                Some(delegate_id) => Some(check_nomination(
                    conn,
                    &conference,
                    &organisation,
                    delegate_id,
                )?),
            };

            let kind = draft.kind.as_str();
            let number = subs::next_number(conn, &conference.id, kind, motion_id.as_deref())?;
            let ts = now.naive_utc();
            let row = SubmissionRow {
                id: uuid::Uuid::now_v7().to_string(),
                conference_id: conference.id.clone(),
                organisation_id: organisation.id.clone(),
                kind: kind.to_owned(),
                number,
                reference: draft
                    .kind
                    .reference(number, motion.as_ref().map(|m| m.reference.as_str())),
                motion_id: motion_id.clone(),
                title: draft.title,
                word_count: i32::try_from(body.word_count()).unwrap_or(i32::MAX),
                body: body.into_inner(),
                delegate_id: draft.delegate_id,
                nominee_kind: draft.nominee.as_ref().map(|(k, _)| k.as_str().to_owned()),
                nominee_name: draft.nominee.map(|(_, n)| n),
                status: SubmissionStatus::Submitted.as_str().to_owned(),
                status_reason: None,
                composite: None,
                timeliness: rules::timeliness(outcome).to_owned(),
                submitted_by: c.user_id.clone(),
                created_at: ts,
                updated_at: ts,
            };
            subs::insert(conn, &row).map_err(|e| {
                if db::is_unique_violation(&e) {
                    ApiError::Conflict(
                        "this organisation has already nominated this candidate".into(),
                    )
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
            Ok(SubmissionView::from(row))
        },
    )
    .await
}

/// The CAC eligibility rules for one nomination (422 `not_eligible`); one
/// nomination per body and candidate is the unique index's (409 `conflict`).
fn check_nomination(
    conn: &mut DbConnection,
    conference: &db::conferences::Conference,
    organisation: &db::organisations::OrganisationRow,
    delegate_id: &str,
) -> Result<subs::CandidateRow, ApiError> {
    let found = subs::candidate(conn, delegate_id)?;
    let facts = Nomination {
        candidate: found.as_ref().map(|c| Candidate {
            at_this_conference: c.conference_id == conference.id,
            active: c.status == "active",
            region: &c.region,
        }),
        nominator_kind: &organisation.kind,
    };
    let policy = CacPolicy {
        excluded_regions: &conference.spec.cac_excluded_regions,
        nominating_kinds: &NOMINATING_KINDS,
    };
    eligibility::check(&facts, &policy, eligibility::CAC_RULES)
        .map_err(|e| ApiError::NotEligible(e.detail))?;
    found.ok_or(ApiError::NotFound)
}

fn scope(path: String) -> String {
    format!("POST {path}")
}

fn request(body: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(body).unwrap_or_default()
}

/// A motion or policy submission: title and text checked, then [`submit`].
async fn submit_titled(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    conference_id: String,
    (kind, tail): (SubmissionKind, &str),
    b: CreateTitled,
) -> ApiResult<HttpResponse> {
    let organisation_id = caller.acting_for(b.organisation_id.as_deref())?;
    let mut p = Problems::default();
    let title = p.take("title", values::line(&b.title, TITLE_MAX_CHARS));
    let text = p.take("body", text(&b.body, BODY_MAX_CHARS));
    p.into_result()?;
    let draft = Draft {
        kind,
        organisation_id,
        late_override: b.late_override,
        title,
        body: text.expect("checked"),
        delegate_id: None,
        nominee: None,
    };
    let scope = scope(format!("/conferences/{conference_id}/{tail}"));
    let target = Target::Conference(conference_id);
    submit(state, caller, key, scope, request(&b), target, draft).await
}

/// Submit a motion to a conference.
///
/// The body must be within the conference's `motion_word_limit` (words are
/// runs of non-whitespace), else 422 `word_limit_exceeded`. Accepted
/// motions are numbered `M1`, `M2`, … per conference, and a receipt is
/// emailed to the organisation's contact.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = SubmissionView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conferences/{id}/motions")]
pub async fn create_motion(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    id: web::Path<uuid::Uuid>,
    body: web::Json<CreateTitled>,
) -> ApiResult<HttpResponse> {
    let conference_id = id.into_inner().to_string();
    let kind = (SubmissionKind::Motion, "motions");
    submit_titled(state, caller, key, conference_id, kind, body.into_inner()).await
}

/// Propose an amendment to a motion.
///
/// Open until the conference's `amendments` deadline, to a motion the caller
/// can see (its own, or one on the published agenda) that has not been
/// withdrawn or ruled out (409 `conflict`). Numbered per motion: `M3A1`.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Motion"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = SubmissionView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/motions/{id}/amendments")]
pub async fn create_amendment(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    id: web::Path<uuid::Uuid>,
    body: web::Json<CreateAmendment>,
) -> ApiResult<HttpResponse> {
    let motion_id = id.into_inner().to_string();
    let b = body.into_inner();
    let organisation_id = caller.acting_for(b.organisation_id.as_deref())?;
    let text = text(&b.body, BODY_MAX_CHARS).map_err(|e| ApiError::validation("body", e))?;
    let draft = Draft {
        kind: SubmissionKind::Amendment,
        organisation_id,
        late_override: b.late_override,
        title: None,
        body: text,
        delegate_id: None,
        nominee: None,
    };
    let scope = scope(format!("/motions/{motion_id}/amendments"));
    let target = Target::Motion(motion_id);
    submit(state, caller, key, scope, request(&b), target, draft).await
}

/// Make a policy-process submission.
///
/// Open until the conference's `policy_submissions` deadline; within its
/// `policy_word_limit` if one is set. Numbered `P1`, `P2`, ….
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = SubmissionView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conferences/{id}/policy-submissions")]
pub async fn create_policy_submission(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    id: web::Path<uuid::Uuid>,
    body: web::Json<CreateTitled>,
) -> ApiResult<HttpResponse> {
    let conference_id = id.into_inner().to_string();
    let kind = (SubmissionKind::PolicySubmission, "policy-submissions");
    submit_titled(state, caller, key, conference_id, kind, body.into_inner()).await
}

/// Nominate a candidate for the Conference Arrangements Committee.
///
/// The nominating body is the caller's organisation (staff name one). The
/// candidate must be an active delegate registered for this conference,
/// from a region not in `cac.excluded_regions` (the region of the
/// organisation that registered them); otherwise 422 `not_eligible` says
/// which rule failed. The same body nominating the same candidate twice is
/// 409 `conflict`; several bodies may nominate one candidate.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = SubmissionView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conferences/{id}/cac-nominations")]
pub async fn create_cac_nomination(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    id: web::Path<uuid::Uuid>,
    body: web::Json<CreateCacNomination>,
) -> ApiResult<HttpResponse> {
    let conference_id = id.into_inner().to_string();
    let b = body.into_inner();
    let organisation_id = caller.acting_for(b.organisation_id.as_deref())?;
    let mut p = Problems::default();
    let delegate_id = p.take("delegate_id", values::uuid(&b.delegate_id));
    let statement = p.take("statement", text(&b.statement, STATEMENT_MAX_CHARS));
    p.into_result()?;
    let draft = Draft {
        kind: SubmissionKind::CacNomination,
        organisation_id,
        late_override: b.late_override,
        title: None,
        body: statement.expect("checked"),
        delegate_id,
        nominee: None,
    };
    let scope = scope(format!("/conferences/{conference_id}/cac-nominations"));
    let target = Target::Conference(conference_id);
    submit(state, caller, key, scope, request(&b), target, draft).await
}

/// Nominate a member or a local branch for a recognition award.
///
/// Open until the conference's `award_nominations` deadline. Numbered
/// `AW1`, `AW2`, ….
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = SubmissionView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conferences/{id}/award-nominations")]
pub async fn create_award_nomination(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    id: web::Path<uuid::Uuid>,
    body: web::Json<CreateAwardNomination>,
) -> ApiResult<HttpResponse> {
    let conference_id = id.into_inner().to_string();
    let b = body.into_inner();
    let organisation_id = caller.acting_for(b.organisation_id.as_deref())?;
    let mut p = Problems::default();
    let name = p.take(
        "nominee_name",
        values::line(&b.nominee_name, LINE_MAX_CHARS),
    );
    let citation = p.take("citation", text(&b.citation, STATEMENT_MAX_CHARS));
    p.into_result()?;
    let draft = Draft {
        kind: SubmissionKind::AwardNomination,
        organisation_id,
        late_override: b.late_override,
        title: None,
        body: citation.expect("checked"),
        delegate_id: None,
        nominee: name.map(|n| (b.nominee_kind, n)),
    };
    let scope = scope(format!("/conferences/{conference_id}/award-nominations"));
    let target = Target::Conference(conference_id);
    submit(state, caller, key, scope, request(&b), target, draft).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `submitted`, `accepted`, `ruled_out`, `composited` or `withdrawn`.
    pub status: Option<String>,
    /// One organisation's submissions.
    pub organisation_id: Option<String>,
}

/// A parsed list query: page, filter and who is asking.
fn parse_list(
    caller: &Caller,
    q: SubmissionQuery,
    conference_id: String,
    kind: SubmissionKind,
    motion_id: Option<String>,
) -> Result<(i64, Option<String>, ListFilter), ApiError> {
    let (limit, cursor) = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let mut p = Problems::default();
    let named = q
        .organisation_id
        .as_deref()
        .and_then(|o| p.take("organisation_id", values::uuid(o)));
    let status = q.status.as_deref().and_then(|s| {
        p.take(
            "status",
            SubmissionStatus::parse(s)
                .ok_or("must be submitted, accepted, ruled_out, composited or withdrawn"),
        )
    });
    p.into_result()?;
    let viewer = match &caller.organisation_id {
        Some(own) if !caller.is_staff() => Viewer::Organisation {
            id: own.clone(),
            agenda: matches!(kind, SubmissionKind::Motion | SubmissionKind::Amendment),
        },
        _ => Viewer::Staff,
    };
    Ok((
        limit,
        cursor,
        ListFilter {
            conference_id,
            kind: kind.as_str().to_owned(),
            motion_id,
            organisation_id: named,
            status: status.map(|s| s.as_str().to_owned()),
            viewer,
        },
    ))
}

async fn list_kind(
    state: web::Data<AppState>,
    caller: Caller,
    conference_id: String,
    kind: SubmissionKind,
    query: SubmissionQuery,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let (limit, cursor, filter) = parse_list(&caller, query, conference_id.clone(), kind, None)?;
    let rows = state
        .db(move |conn| {
            if db::conferences::get(conn, &conference_id)?.is_none() {
                return Err(ApiError::NotFound);
            }
            Ok(subs::list(conn, &filter, limit, cursor.as_deref())?)
        })
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |r| r.id.clone(),
        SubmissionView::from,
    )))
}

/// A conference's motions, newest first. Staff see all; an organisation
/// sees its own and the published agenda (accepted and composited motions).
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), SubmissionQuery),
    responses(
        (status = 200, body = Page<SubmissionView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/motions")]
pub async fn list_motions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let id = id.into_inner().to_string();
    list_kind(
        state,
        caller,
        id,
        SubmissionKind::Motion,
        query.into_inner(),
    )
    .await
}

/// A motion's amendments, newest first (visibility as for motions).
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Motion"), SubmissionQuery),
    responses(
        (status = 200, body = Page<SubmissionView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/motions/{id}/amendments")]
pub async fn list_amendments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let motion_id = id.into_inner().to_string();
    let conference_id = motion_conference(&state, &caller, motion_id.clone()).await?;
    let (limit, cursor, filter) = parse_list(
        &caller,
        query.into_inner(),
        conference_id,
        SubmissionKind::Amendment,
        Some(motion_id),
    )?;
    let rows = state
        .db(move |conn| Ok(subs::list(conn, &filter, limit, cursor.as_deref())?))
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |r| r.id.clone(),
        SubmissionView::from,
    )))
}

/// A conference's policy submissions, newest first: staff see all, an
/// organisation its own.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), SubmissionQuery),
    responses(
        (status = 200, body = Page<SubmissionView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/policy-submissions")]
pub async fn list_policy_submissions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let id = id.into_inner().to_string();
    list_kind(
        state,
        caller,
        id,
        SubmissionKind::PolicySubmission,
        query.into_inner(),
    )
    .await
}

/// A conference's award nominations, newest first: staff see all, an
/// organisation its own.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), SubmissionQuery),
    responses(
        (status = 200, body = Page<SubmissionView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/award-nominations")]
pub async fn list_award_nominations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let id = id.into_inner().to_string();
    list_kind(
        state,
        caller,
        id,
        SubmissionKind::AwardNomination,
        query.into_inner(),
    )
    .await
}

/// One nominating body's nomination of a candidate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NominationView {
    #[schema(format = Uuid)]
    pub id: String,
    pub reference: String,
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub organisation_name: String,
    pub statement: String,
    pub word_count: i32,
    pub status: SubmissionStatus,
    pub timeliness: String,
    pub created_at: DateTime<Utc>,
}

/// A candidate with the bodies that nominated them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    #[schema(format = Uuid)]
    pub delegate_id: String,
    pub name: String,
    /// The organisation that registered the candidate.
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub organisation_name: String,
    pub region: String,
    pub nominations: Vec<NominationView>,
}

/// The CAC election: vacancies, excluded regions and candidates.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CacNominationList {
    pub vacancies: u32,
    pub excluded_regions: Vec<String>,
    /// Candidates, newest first.
    pub items: Vec<CandidateView>,
    pub next_cursor: Option<String>,
}

/// CAC candidates with their nominating bodies and the vacancies. Staff see
/// every nomination; an organisation sees the ones it made. Filters apply to
/// nominations (`status`, nominating `organisation_id`); pages are of
/// candidates.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), SubmissionQuery),
    responses(
        (status = 200, body = CacNominationList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/cac-nominations")]
pub async fn list_cac_nominations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<CacNominationList>> {
    let conference_id = id.into_inner().to_string();
    let (limit, cursor, filter) = parse_list(
        &caller,
        query.into_inner(),
        conference_id.clone(),
        SubmissionKind::CacNomination,
        None,
    )?;
    let list = state
        .db(move |conn| {
            let conference =
                db::conferences::get(conn, &conference_id)?.ok_or(ApiError::NotFound)?;
            let ids = subs::nominated_candidates(conn, &filter, limit, cursor.as_deref())?;
            let (ids, next_cursor) = db::page(ids, limit, String::clone);
            let candidates = subs::candidates(conn, &ids)?;
            let mut nominations: std::collections::HashMap<String, Vec<NominationView>> =
                std::collections::HashMap::new();
            for (n, organisation_name) in subs::nominations_of(conn, &filter, &ids)? {
                nominations
                    .entry(n.delegate_id.clone().unwrap_or_default())
                    .or_default()
                    .push(NominationView {
                        id: n.id,
                        reference: n.reference,
                        organisation_id: n.organisation_id,
                        organisation_name,
                        statement: n.body,
                        word_count: n.word_count,
                        status: SubmissionStatus::parse(&n.status)
                            .unwrap_or(SubmissionStatus::Submitted),
                        timeliness: n.timeliness,
                        created_at: n.created_at.and_utc(),
                    });
            }
            let items = ids
                .iter()
                .filter_map(|id| candidates.iter().find(|c| &c.delegate_id == id))
                .map(|c| CandidateView {
                    delegate_id: c.delegate_id.clone(),
                    name: c.name.clone(),
                    organisation_id: c.organisation_id.clone(),
                    organisation_name: c.organisation_name.clone(),
                    region: c.region.clone(),
                    nominations: nominations.remove(&c.delegate_id).unwrap_or_default(),
                })
                .collect();
            Ok(CacNominationList {
                vacancies: conference.spec.cac_vacancies,
                excluded_regions: conference.spec.cac_excluded_regions.clone(),
                items,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(list))
}

/// One submission of any kind: the submitting organisation's, staff, or
/// (for motions and amendments) anyone once it is on the published agenda.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Submission")),
    responses(
        (status = 200, body = SubmissionView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/submissions/{id}")]
pub async fn get_submission(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<SubmissionView>> {
    let id = id.into_inner().to_string();
    let row = state
        .db(move |conn| Ok(subs::get(conn, &id)?))
        .await?
        .filter(|r| visible(&caller, r))
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(SubmissionView::from(row)))
}
