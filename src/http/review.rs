//! Staff review of submissions, withdrawal by the submitting organisation,
//! and the staff CSV exports of motions and CAC nominations.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use super::deadline;
use super::error::{ApiError, ApiResult, Problem};
use super::extract::{Caller, Staff};
use super::submissions::{visible, SubmissionView};
use crate::app::AppState;
use crate::db;
use crate::db::audit::{self, Subject};
use crate::db::submissions::{self as subs, SubmissionRow};
use crate::db::DbConnection;
use crate::domain::deadlines;
use crate::domain::export::{self, neutralise, ListName};
use crate::domain::submission::{
    self as rules, Decision, SubmissionKind, SubmissionStatus, LINE_MAX_CHARS, REASON_MAX_CHARS,
};
use crate::domain::{values, Problems};
use crate::email::notify;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(review_submission)
        .service(withdraw_submission)
        .service(export_motions)
        .service(export_cac_nominations);
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

/// A submission the caller may see (404 otherwise).
async fn find(state: &AppState, caller: &Caller, id: String) -> Result<SubmissionRow, ApiError> {
    let caller = caller.clone();
    state
        .db(move |conn| Ok(subs::get(conn, &id)?))
        .await?
        .filter(|r| visible(&caller, r))
        .ok_or(ApiError::NotFound)
}

/// Moves a submission to `status` inside the caller's transaction: checks
/// the workflow, records the change, audits it and emails the organisation.
/// `found` is the submission as read before the transaction; it is read
/// again once its conference is locked.
fn apply(
    conn: &mut DbConnection,
    actor: &str,
    found: &SubmissionRow,
    decision: &Decision,
    now: chrono::DateTime<chrono::Utc>,
    deadline_for: Option<&Caller>,
) -> Result<SubmissionView, ApiError> {
    let id = found.id.as_str();
    let conference =
        db::conferences::lock_and_get(conn, &found.conference_id)?.ok_or(ApiError::NotFound)?;
    let row = subs::get(conn, id)?.ok_or(ApiError::NotFound)?;
    let kind = SubmissionKind::parse(&row.kind).unwrap_or(SubmissionKind::Motion);
    let from = SubmissionStatus::parse(&row.status).unwrap_or(SubmissionStatus::Submitted);
    if let Some(caller) = deadline_for {
        deadline::enforce(
            conn,
            &conference,
            &row.organisation_id,
            kind.deadline(),
            caller,
            false,
            "withdrawal",
            now,
        )?;
    }
    rules::transition(kind, from, decision.status)
        .map_err(|e| ApiError::Conflict(format!("{}: {e}", row.reference)))?;
    let ts = now.naive_utc();
    let decided = record(conn, actor, &conference, &row, decision, ts)?;
    // Amendments fall with their motion: open ones are withdrawn with it.
    if kind == SubmissionKind::Motion && !decision.status.amendable() {
        let fell = Decision {
            status: SubmissionStatus::Withdrawn,
            reason: Some(format!(
                "fell with motion {}, which was {}",
                row.reference,
                decision.status.label()
            )),
            composite: None,
        };
        for amendment in subs::open_amendments(conn, &row.id)? {
            record(conn, actor, &conference, &amendment, &fell, ts)?;
        }
    }
    Ok(decided)
}

/// Stores one decision on one submission, audits it (who, from, to, why)
/// and emails it to the submitting organisation.
fn record(
    conn: &mut DbConnection,
    actor: &str,
    conference: &db::conferences::Conference,
    row: &SubmissionRow,
    decision: &Decision,
    ts: chrono::NaiveDateTime,
) -> Result<SubmissionView, ApiError> {
    subs::set_status(
        conn,
        &row.id,
        decision.status.as_str(),
        decision.reason.as_deref(),
        decision.composite.as_deref(),
        ts,
    )?;
    audit::log(
        conn,
        actor,
        "submission_reviewed",
        Subject {
            conference_id: Some(&conference.id),
            organisation_id: Some(&row.organisation_id),
            subject_id: Some(&row.id),
        },
        json!({
            "reference": row.reference,
            "from": row.status,
            "to": decision.status.as_str(),
            "reason": decision.reason,
            "composite": decision.composite,
        }),
        ts,
    )?;
    let row = SubmissionRow {
        status: decision.status.as_str().to_owned(),
        status_reason: decision.reason.clone(),
        composite: decision.composite.clone(),
        updated_at: ts,
        ..row.clone()
    };
    let organisation =
        db::organisations::get(conn, &row.organisation_id)?.ok_or(ApiError::NotFound)?;
    let candidate = match &row.delegate_id {
        Some(d) => subs::candidate(conn, d)?.map(|c| c.name),
        None => None,
    };
    let motion_reference = match &row.motion_id {
        Some(m) => subs::get(conn, m)?.map(|m| m.reference),
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
    Ok(SubmissionView::from(row))
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
    params(("id" = uuid::Uuid, Path, description = "Submission")),
    responses(
        (status = 200, body = SubmissionView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/submissions/{id}/review")]
pub async fn review_submission(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    id: web::Path<uuid::Uuid>,
    body: web::Json<ReviewSubmission>,
) -> ApiResult<web::Json<SubmissionView>> {
    let b = body.into_inner();
    let mut p = Problems::default();
    let reason = b
        .reason
        .as_deref()
        .and_then(|r| p.take("reason", values::line(r, REASON_MAX_CHARS)));
    let composite = b
        .composite
        .as_deref()
        .and_then(|c| p.take("composite", values::line(c, LINE_MAX_CHARS)));
    p.into_result()?;
    let decision = Decision::new(b.status.into(), reason, composite)
        .map_err(|(field, message)| ApiError::validation(field, message))?;
    let row = find(&state, &caller, id.into_inner().to_string()).await?;
    let now = state.now();
    let view = state
        .tx(move |conn| apply(conn, &caller.user_id, &row, &decision, now, None))
        .await?;
    Ok(web::Json(view))
}

/// Withdraw a submission. An organisation withdraws its own until the
/// deadline of its kind (with any extension); staff at any time. Audited,
/// and confirmed by email; a withdrawn motion's open amendments fall with it.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Submission")),
    responses(
        (status = 200, body = SubmissionView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/submissions/{id}/withdrawal")]
pub async fn withdraw_submission(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<SubmissionView>> {
    let row = find(&state, &caller, id.into_inner().to_string()).await?;
    if !caller.may_act_for(&row.organisation_id) {
        return Err(ApiError::Forbidden(
            "Only the submitting organisation may withdraw it.",
        ));
    }
    let decision = Decision {
        status: SubmissionStatus::Withdrawn,
        reason: None,
        composite: None,
    };
    let now = state.now();
    let view = state
        .tx(move |conn| {
            let deadline_for = (!caller.is_staff()).then_some(&caller);
            apply(conn, &caller.user_id, &row, &decision, now, deadline_for)
        })
        .await?;
    Ok(web::Json(view))
}

/// A CSV file of `rows` under `header`, with a BOM for Excel and every cell
/// neutralised against formula injection.
fn csv_response(
    file_name: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> ApiResult<HttpResponse> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let write = |w: &mut csv::Writer<Vec<u8>>| -> csv::Result<()> {
        w.write_record(header)?;
        for row in &rows {
            w.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
        }
        w.flush()?;
        Ok(())
    };
    write(&mut w).map_err(|e| ApiError::Internal(e.into()))?;
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(bytes))
}

fn local_time(ts: chrono::NaiveDateTime, tz: chrono_tz::Tz) -> String {
    ts.and_utc()
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

pub const MOTION_COLUMNS: [&str; 15] = [
    "reference",
    "kind",
    "motion_reference",
    "title",
    "organisation",
    "organisation_kind",
    "region",
    "word_count",
    "status",
    "status_reason",
    "composite",
    "timeliness",
    "submitted_at",
    "submission_id",
    "body",
];

/// Motions and their amendments as CSV (staff), in agenda order: each
/// motion followed by its amendments, with word counts and status.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/motions.csv")]
pub async fn export_motions(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let conference_id = id.into_inner().to_string();
    let today_at = state.now();
    let (conference, records) = state
        .db(move |conn| {
            let conference =
                db::conferences::get(conn, &conference_id)?.ok_or(ApiError::NotFound)?;
            let kinds = [
                SubmissionKind::Motion.as_str(),
                SubmissionKind::Amendment.as_str(),
            ];
            Ok((conference, subs::for_export(conn, &conference_id, &kinds)?))
        })
        .await?;
    let tz = conference.spec.timezone;
    let (motions, amendments): (Vec<_>, Vec<_>) = records
        .iter()
        .partition(|r| r.submission.kind == SubmissionKind::Motion.as_str());
    let row = |r: &subs::ExportRecord, motion_reference: &str| {
        let s = &r.submission;
        vec![
            s.reference.clone(),
            s.kind.clone(),
            motion_reference.to_owned(),
            s.title.clone().unwrap_or_default(),
            r.organisation.clone(),
            r.organisation_kind.clone(),
            r.region.clone(),
            s.word_count.to_string(),
            s.status.clone(),
            s.status_reason.clone().unwrap_or_default(),
            s.composite.clone().unwrap_or_default(),
            s.timeliness.clone(),
            local_time(s.created_at, tz),
            s.id.clone(),
            s.body.clone(),
        ]
    };
    let mut rows = Vec::with_capacity(records.len());
    for m in &motions {
        rows.push(row(m, &m.submission.reference));
        for a in amendments
            .iter()
            .filter(|a| a.submission.motion_id.as_deref() == Some(m.submission.id.as_str()))
        {
            rows.push(row(a, &m.submission.reference));
        }
    }
    let today = deadlines::local_date(today_at, tz);
    let name = export::file_name(&conference.spec.slug, ListName::Motions, today, "csv");
    csv_response(&name, &MOTION_COLUMNS, rows)
}

pub const CAC_COLUMNS: [&str; 13] = [
    "reference",
    "candidate",
    "candidate_delegate_id",
    "candidate_organisation",
    "candidate_region",
    "nominating_body",
    "nominating_body_kind",
    "nominating_body_region",
    "status",
    "timeliness",
    "submitted_at",
    "word_count",
    "statement",
];

/// CAC nominations as CSV (staff), one row per nomination, grouped by
/// candidate.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Conference")),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/cac-nominations.csv")]
pub async fn export_cac_nominations(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let conference_id = id.into_inner().to_string();
    let today_at = state.now();
    let (conference, records, candidates) = state
        .db(move |conn| {
            let conference =
                db::conferences::get(conn, &conference_id)?.ok_or(ApiError::NotFound)?;
            let kinds = [SubmissionKind::CacNomination.as_str()];
            let records = subs::for_export(conn, &conference_id, &kinds)?;
            let ids: Vec<String> = records
                .iter()
                .filter_map(|r| r.submission.delegate_id.clone())
                .collect();
            let candidates = subs::candidates(conn, &ids)?;
            Ok((conference, records, candidates))
        })
        .await?;
    let tz = conference.spec.timezone;
    let mut rows: Vec<(String, Vec<String>)> = records
        .into_iter()
        .filter_map(|r| {
            let s = r.submission;
            let c = candidates
                .iter()
                .find(|c| Some(&c.delegate_id) == s.delegate_id.as_ref())?;
            Some((
                c.name.clone(),
                vec![
                    s.reference,
                    c.name.clone(),
                    c.delegate_id.clone(),
                    c.organisation_name.clone(),
                    c.region.clone(),
                    r.organisation,
                    r.organisation_kind,
                    r.region,
                    s.status,
                    s.timeliness,
                    local_time(s.created_at, tz),
                    s.word_count.to_string(),
                    s.body,
                ],
            ))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1[2].cmp(&b.1[2])));
    let today = deadlines::local_date(today_at, tz);
    let name = export::file_name(
        &conference.spec.slug,
        ListName::CacNominations,
        today,
        "csv",
    );
    csv_response(
        &name,
        &CAC_COLUMNS,
        rows.into_iter().map(|(_, r)| r).collect(),
    )
}
