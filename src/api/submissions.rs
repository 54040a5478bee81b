//! Motions, amendments, policy submissions, CAC nominations and award
//! nominations: submitted before the deadline (the same rule as
//! registration), numbered per conference, receipted by email; reviewed by
//! staff and withdrawn by their organisation.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::extract::{Authed, Caller, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{self, Page};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::ids::{ConferenceId, DelegateId, OrganisationId, SubmissionId};
use crate::ops::role;
use crate::ops::{Actor, Error};
use crate::state::AppState;
use crate::submissions::ops::{
    self as submissions, CacElection, Draft, ListQuery, Review, Submit, Withdraw,
};
use crate::submissions::rules::{
    self as rules, Decision, NomineeKind, SubmissionKind, SubmissionStatus, BODY_MAX_CHARS,
    LINE_MAX_CHARS, REASON_MAX_CHARS, STATEMENT_MAX_CHARS, TITLE_MAX_CHARS,
};
use crate::submissions::SubmissionRow;
use crate::values::{self, Problems};

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
        .service(get_submission)
        .service(review_submission)
        .service(withdraw_submission);
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
        let (body, statement, citation) = match r.kind {
            SubmissionKind::CacNomination => (None, Some(r.body), None),
            SubmissionKind::AwardNomination => (None, None, Some(r.body)),
            _ => (Some(r.body), None, None),
        };
        Self {
            id: r.id.to_string(),
            conference_id: r.conference_id.to_string(),
            organisation_id: r.organisation_id.to_string(),
            kind: r.kind,
            reference: r.reference,
            number: r.number,
            motion_id: r.motion_id.map(|m| m.to_string()),
            title: r.title,
            body,
            delegate_id: r.delegate_id.map(|d| d.to_string()),
            statement,
            nominee_kind: r.nominee_kind,
            nominee_name: r.nominee_name,
            citation,
            word_count: r.word_count,
            status: r.status,
            status_reason: r.status_reason,
            composite: r.composite,
            timeliness: r.timeliness.as_str().to_owned(),
            submitted_by: r.submitted_by.to_string(),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// The organisation a submission is made for (see [`Actor::acting_for`]).
fn acting_for(actor: &Actor, named: Option<&str>) -> Result<OrganisationId, ApiError> {
    let named = named
        .map(|s| {
            OrganisationId::parse(s)
                .map_err(|e| ApiError::validation("organisation_id", e.to_string()))
        })
        .transpose()?;
    Ok(actor.acting_for(named)?)
}

/// Runs the one submit path and answers 201 with the submission.
async fn submit(
    state: &AppState,
    actor: &Actor,
    key: IdempotencyHeader,
    command: Submit,
) -> ApiResult<HttpResponse> {
    let outcome = state.run_once(actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, SubmissionView::from))
}

/// A motion or policy submission: organisation, title and text checked.
fn titled(
    actor: &Actor,
    conference_id: ConferenceId,
    kind: SubmissionKind,
    b: CreateTitled,
) -> ApiResult<Submit> {
    let organisation_id = acting_for(actor, b.organisation_id.as_deref())?;
    let mut p = Problems::default();
    let title = p.take("title", values::line(&b.title, TITLE_MAX_CHARS));
    let body = p.take("body", rules::text(&b.body, BODY_MAX_CHARS));
    p.into_result().map_err(Error::from)?;
    let (title, body) = (title.expect("checked"), body.expect("checked"));
    let draft = match kind {
        SubmissionKind::PolicySubmission => Draft::PolicySubmission {
            conference_id,
            title,
            body,
        },
        _ => Draft::Motion {
            conference_id,
            title,
            body,
        },
    };
    Ok(Submit {
        organisation_id,
        late_override: b.late_override,
        draft,
    })
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
    request_body = CreateTitled,
    responses(
        (status = 201, body = SubmissionView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/motions")]
pub async fn create_motion(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Caller<role::Conference>, CreateTitled>,
) -> ApiResult<HttpResponse> {
    let actor = request.who.actor;
    let command = titled(
        &actor,
        id.into_inner().into(),
        SubmissionKind::Motion,
        request.body,
    )?;
    submit(&state, &actor, key, command).await
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
    request_body = CreateAmendment,
    responses(
        (status = 201, body = SubmissionView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/motions/{id}/amendments")]
pub async fn create_amendment(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Caller<role::Conference>, CreateAmendment>,
) -> ApiResult<HttpResponse> {
    let (actor, b) = (request.who.actor, request.body);
    let organisation_id = acting_for(&actor, b.organisation_id.as_deref())?;
    let body = rules::text(&b.body, BODY_MAX_CHARS).map_err(|e| ApiError::validation("body", e))?;
    let command = Submit {
        organisation_id,
        late_override: b.late_override,
        draft: Draft::Amendment {
            motion_id: id.into_inner().into(),
            body,
        },
    };
    submit(&state, &actor, key, command).await
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
    request_body = CreateTitled,
    responses(
        (status = 201, body = SubmissionView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/policy-submissions")]
pub async fn create_policy_submission(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Caller<role::Conference>, CreateTitled>,
) -> ApiResult<HttpResponse> {
    let actor = request.who.actor;
    let command = titled(
        &actor,
        id.into_inner().into(),
        SubmissionKind::PolicySubmission,
        request.body,
    )?;
    submit(&state, &actor, key, command).await
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
    request_body = CreateCacNomination,
    responses(
        (status = 201, body = SubmissionView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/cac-nominations")]
pub async fn create_cac_nomination(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Caller<role::Conference>, CreateCacNomination>,
) -> ApiResult<HttpResponse> {
    let (actor, b) = (request.who.actor, request.body);
    let organisation_id = acting_for(&actor, b.organisation_id.as_deref())?;
    let mut p = Problems::default();
    let delegate_id = p.take("delegate_id", DelegateId::parse(&b.delegate_id));
    let statement = p.take("statement", rules::text(&b.statement, STATEMENT_MAX_CHARS));
    p.into_result().map_err(Error::from)?;
    let command = Submit {
        organisation_id,
        late_override: b.late_override,
        draft: Draft::CacNomination {
            conference_id: id.into_inner().into(),
            delegate_id: delegate_id.expect("checked"),
            statement: statement.expect("checked"),
        },
    };
    submit(&state, &actor, key, command).await
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
    request_body = CreateAwardNomination,
    responses(
        (status = 201, body = SubmissionView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/award-nominations")]
pub async fn create_award_nomination(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Caller<role::Conference>, CreateAwardNomination>,
) -> ApiResult<HttpResponse> {
    let (actor, b) = (request.who.actor, request.body);
    let organisation_id = acting_for(&actor, b.organisation_id.as_deref())?;
    let mut p = Problems::default();
    let name = p.take(
        "nominee_name",
        values::line(&b.nominee_name, LINE_MAX_CHARS),
    );
    let citation = p.take("citation", rules::text(&b.citation, STATEMENT_MAX_CHARS));
    p.into_result().map_err(Error::from)?;
    let command = Submit {
        organisation_id,
        late_override: b.late_override,
        draft: Draft::AwardNomination {
            conference_id: id.into_inner().into(),
            nominee_kind: b.nominee_kind,
            nominee_name: name.expect("checked"),
            citation: citation.expect("checked"),
        },
    };
    submit(&state, &actor, key, command).await
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

/// A list query's filters, parsed: (organisation, status).
fn filters(
    q: &SubmissionQuery,
) -> Result<(Option<OrganisationId>, Option<SubmissionStatus>), ApiError> {
    let mut p = Problems::default();
    let organisation_id = q
        .organisation_id
        .as_deref()
        .and_then(|o| p.take("organisation_id", OrganisationId::parse(o)));
    let status = q.status.as_deref().and_then(|s| {
        p.take(
            "status",
            SubmissionStatus::parse(s)
                .ok_or("must be submitted, accepted, ruled_out, composited or withdrawn"),
        )
    });
    p.into_result().map_err(Error::from)?;
    Ok((organisation_id, status))
}

async fn list_kind(
    state: web::Data<AppState>,
    caller: Caller<role::Conference>,
    conference_id: ConferenceId,
    kind: SubmissionKind,
    query: SubmissionQuery,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let (limit, cursor) = pagination::parse::<SubmissionId>(query.limit, query.cursor.as_deref())?;
    let (organisation_id, status) = filters(&query)?;
    let query = ListQuery {
        conference_id,
        kind,
        motion_id: None,
        organisation_id,
        status,
    };
    let rows = state
        .db(move |conn| submissions::list(conn, &caller.actor, query, limit, cursor.as_ref()))
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
        Unauthenticated, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/motions")]
pub async fn list_motions(
    state: web::Data<AppState>,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let id = id.into_inner().into();
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
        Unauthenticated, NotFound, Unprocessable,
    )
)]
#[get("/motions/{id}/amendments")]
pub async fn list_amendments(
    state: web::Data<AppState>,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let motion_id = SubmissionId::from(id.into_inner());
    let q = query.into_inner();
    let (limit, cursor) = pagination::parse::<SubmissionId>(q.limit, q.cursor.as_deref())?;
    let (organisation_id, status) = filters(&q)?;
    let rows = state
        .db(move |conn| {
            submissions::list_amendments(
                conn,
                &caller.actor,
                &motion_id,
                organisation_id,
                status,
                limit,
                cursor.as_ref(),
            )
        })
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
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/policy-submissions")]
pub async fn list_policy_submissions(
    state: web::Data<AppState>,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let id = id.into_inner().into();
    let kind = SubmissionKind::PolicySubmission;
    list_kind(state, caller, id, kind, query.into_inner()).await
}

/// A conference's award nominations, newest first: staff see all, an
/// organisation its own.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference"), SubmissionQuery),
    responses(
        (status = 200, body = Page<SubmissionView>),
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/award-nominations")]
pub async fn list_award_nominations(
    state: web::Data<AppState>,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<Page<SubmissionView>>> {
    let id = id.into_inner().into();
    let kind = SubmissionKind::AwardNomination;
    list_kind(state, caller, id, kind, query.into_inner()).await
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

impl From<CacElection> for CacNominationList {
    fn from(e: CacElection) -> Self {
        Self {
            vacancies: e.vacancies,
            excluded_regions: e.excluded_regions,
            items: e
                .candidates
                .into_iter()
                .map(|c| CandidateView {
                    delegate_id: c.delegate.delegate_id.to_string(),
                    name: c.delegate.name,
                    organisation_id: c.delegate.organisation_id.to_string(),
                    organisation_name: c.delegate.organisation_name,
                    region: c.delegate.region,
                    nominations: c
                        .nominations
                        .into_iter()
                        .map(|n| NominationView {
                            id: n.row.id.to_string(),
                            reference: n.row.reference,
                            organisation_id: n.row.organisation_id.to_string(),
                            organisation_name: n.organisation_name,
                            statement: n.row.body,
                            word_count: n.row.word_count,
                            status: n.row.status,
                            timeliness: n.row.timeliness.as_str().to_owned(),
                            created_at: n.row.created_at.and_utc(),
                        })
                        .collect(),
                })
                .collect(),
            next_cursor: e.next_cursor.map(|c| c.to_string()),
        }
    }
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
        Unauthenticated, Forbidden, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/cac-nominations")]
pub async fn list_cac_nominations(
    state: web::Data<AppState>,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<SubmissionQuery>,
) -> ApiResult<web::Json<CacNominationList>> {
    let q = query.into_inner();
    let (limit, cursor) = pagination::parse::<DelegateId>(q.limit, q.cursor.as_deref())?;
    let (organisation_id, status) = filters(&q)?;
    let query = ListQuery {
        conference_id: id.into_inner().into(),
        kind: SubmissionKind::CacNomination,
        motion_id: None,
        organisation_id,
        status,
    };
    let election = state
        .db(move |conn| {
            submissions::cac_election(conn, &caller.actor, query, limit, cursor.as_ref())
        })
        .await?;
    Ok(web::Json(election.into()))
}

/// One submission of any kind: the submitting organisation's, staff, or
/// (for motions and amendments) anyone once it is on the published agenda.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Submission")),
    responses(
        (status = 200, body = SubmissionView),
        Unauthenticated, NotFound,
    )
)]
#[get("/submissions/{id}")]
pub async fn get_submission(
    state: web::Data<AppState>,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<SubmissionView>> {
    let id = SubmissionId::from(id.into_inner());
    let row = state
        .db(move |conn| submissions::get(conn, &caller.actor, &id))
        .await?;
    Ok(web::Json(SubmissionView::from(row)))
}

/// The statuses a review may set.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Accepted,
    RuledOut,
    Composited,
    Withdrawn,
}

impl From<ReviewStatus> for SubmissionStatus {
    fn from(s: ReviewStatus) -> Self {
        match s {
            ReviewStatus::Accepted => SubmissionStatus::Accepted,
            ReviewStatus::RuledOut => SubmissionStatus::RuledOut,
            ReviewStatus::Composited => SubmissionStatus::Composited,
            ReviewStatus::Withdrawn => SubmissionStatus::Withdrawn,
        }
    }
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewSubmission {
    pub status: ReviewStatus,
    /// Required for `ruled_out`; optional otherwise.
    pub reason: Option<String>,
    /// Required for `composited` (motions only): the composite's name.
    pub composite: Option<String>,
}

/// Review a submission (staff): `accepted`, `ruled_out` (with a reason),
/// `composited` (motions, naming the composite) or `withdrawn`.
///
/// From `submitted` any of these; an accepted submission may still be
/// composited or withdrawn; the others are final (409 `conflict`). Audited,
/// and the organisation's contact is emailed the decision. When a motion is
/// withdrawn or ruled out, its open amendments fall: they are withdrawn
/// with it, each audited and emailed likewise.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Submission"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = ReviewSubmission,
    responses(
        (status = 200, body = SubmissionView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/submissions/{id}/review")]
pub async fn review_submission(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Conference>, ReviewSubmission>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let mut p = Problems::default();
    let reason = b
        .reason
        .as_deref()
        .and_then(|r| p.take("reason", values::line(r, REASON_MAX_CHARS)));
    let composite = b
        .composite
        .as_deref()
        .and_then(|c| p.take("composite", values::line(c, LINE_MAX_CHARS)));
    p.into_result().map_err(Error::from)?;
    let decision = Decision::new(b.status.into(), reason, composite)
        .map_err(|(field, message)| ApiError::validation(field, message))?;
    let command = Review {
        submission_id: id.into_inner().into(),
        decision,
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::OK, outcome, SubmissionView::from))
}

/// Withdraw a submission. An organisation withdraws its own until the
/// deadline of its kind (with any extension); staff at any time. Audited,
/// and confirmed by email; a withdrawn motion's open amendments fall with it.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Submission"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 200, body = SubmissionView),
        Unauthenticated, Forbidden, NotFound, Conflict,
    )
)]
#[post("/submissions/{id}/withdrawal")]
pub async fn withdraw_submission(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let command = Withdraw {
        submission_id: id.into_inner().into(),
    };
    let outcome = state
        .run_once(&caller.actor, key.0.as_ref(), command)
        .await?;
    Ok(answer(StatusCode::OK, outcome, SubmissionView::from))
}
