//! `/staff/submissions`: the review queue by kind and status, and one
//! submission (a motion with its amendments) with its decisions: accept,
//! rule out of order (with a reason), composite (with the composite's
//! name). The operation is the API's `Review`: the same workflow, audit and
//! emails.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pick;
use crate::ids::SubmissionId;
use crate::ops::role;
use crate::ops::Error;
use crate::submissions::ops::{self as submissions, ListQuery, Review};
use crate::submissions::rules::{
    Decision, SubmissionKind, SubmissionStatus, Timeliness, LINE_MAX_CHARS, REASON_MAX_CHARS,
};
use crate::submissions::store::SubmissionRow;
use crate::values;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Problems};
use crate::web::format;
use crate::web::pages::{
    render, render_refused, run_form, see_other, Choice, Choices, Chrome, Input,
};
use crate::web::session::{self, Posted, SignedIn, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/submissions", web::get().to(list))
        .route("/staff/submissions/{id}", web::get().to(show))
        .route("/staff/submissions/{id}/review", web::post().to(review));
}

/// Submissions shown on one page (the newest).
const PAGE: i64 = 200;

/// A submission as a queue row.
#[derive(Debug, Clone)]
pub struct Line {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub organisation: String,
    pub received: String,
    pub status: String,
    pub status_class: &'static str,
    pub late: &'static str,
}

fn title_of(s: &SubmissionRow) -> String {
    s.title
        .clone()
        .or_else(|| s.candidate_name.clone())
        .or_else(|| s.nominee_name.clone())
        .unwrap_or_else(|| {
            let words: Vec<&str> = s.body.split_whitespace().take(12).collect();
            format!("{}…", words.join(" "))
        })
}

fn status_class(s: SubmissionStatus) -> &'static str {
    match s {
        SubmissionStatus::Submitted => "tag-yellow",
        SubmissionStatus::Accepted | SubmissionStatus::Composited => "tag-green",
        SubmissionStatus::RuledOut | SubmissionStatus::Withdrawn => "tag-grey",
    }
}

fn timeliness(t: Timeliness) -> &'static str {
    match t {
        Timeliness::OnTime => "",
        Timeliness::Extended => "Within an extension",
        Timeliness::Overridden => "Late override",
    }
}

fn line(s: &SubmissionRow, organisation: String, tz: chrono_tz::Tz) -> Line {
    Line {
        id: s.id.to_string(),
        reference: s.reference.clone(),
        title: title_of(s),
        organisation,
        received: format::instant(s.created_at.and_utc(), tz),
        status: format::status(s.status),
        status_class: status_class(s.status),
        late: timeliness(s.timeliness),
    }
}

#[derive(Deserialize)]
struct ListQueryParams {
    conference_id: Option<String>,
    kind: Option<String>,
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "web/staff/submissions.html")]
struct QueuePage {
    chrome: Chrome,
    problems: Problems,
    has_conference: bool,
    conference: Choices,
    kind: Choices,
    status: Choices,
    kind_label: String,
    lines: Vec<Line>,
    more: bool,
}

async fn list(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    query: web::Query<ListQueryParams>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let q = query.into_inner();
    let mut problems = Problems::default();
    let kind_value = match pick::value(&q.kind) {
        "" => "motion",
        k => k,
    };
    let kind = SubmissionKind::parse(kind_value).unwrap_or_else(|| {
        problems.field("kind", "Choose a kind of submission from the list");
        SubmissionKind::Motion
    });
    let status_value = pick::value(&q.status);
    let status = match status_value {
        "" => None,
        s => SubmissionStatus::parse(s).or_else(|| {
            problems.field("status", "Choose a status from the list");
            None
        }),
    };
    let actor = session.actor().clone();
    let asked = q.conference_id.clone();
    let ok = problems.is_empty();
    let (conferences, conference, organisations, rows) = state
        .db(move |conn| {
            let conferences = pick::conferences(conn)?;
            let conference = pick::conference(&conferences, asked.as_deref())?;
            let organisations = pick::organisations(conn, &actor)?;
            let rows = match (&conference, ok) {
                (Some(c), true) => {
                    let query = ListQuery {
                        conference_id: c.id.clone(),
                        kind,
                        motion_id: None,
                        organisation_id: None,
                        status,
                    };
                    submissions::list(conn, &actor, query, PAGE, None)?
                }
                _ => Vec::new(),
            };
            Ok((conferences, conference, organisations, rows))
        })
        .await?;
    let names = pick::organisation_names(&organisations);
    let tz = conference
        .as_ref()
        .map_or(chrono_tz::Europe::London, |c| c.spec.timezone);
    let more = rows.len() > PAGE as usize;
    let lines = rows
        .iter()
        .take(PAGE as usize)
        .map(|s| {
            line(
                s,
                names.get(&s.organisation_id).cloned().unwrap_or_default(),
                tz,
            )
        })
        .collect();
    let current = conference
        .as_ref()
        .map(|c| c.id.to_string())
        .unwrap_or_default();
    let kinds = SubmissionKind::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), &format::kind(*k), kind_value))
        .collect();
    let mut statuses = vec![Choice::new("", "Any status", status_value)];
    statuses.extend(
        SubmissionStatus::ALL
            .iter()
            .map(|s| Choice::new(s.as_str(), &format::status(*s), status_value)),
    );
    let title = if problems.is_empty() {
        "Submissions"
    } else {
        "Error: Submissions"
    };
    render(&QueuePage {
        chrome: Chrome::signed_in(title, &session),
        has_conference: conference.is_some(),
        conference: pick::conference_choices(&conferences, &current, None, &problems),
        kind: Choices::new("kind", "Kind", kinds, &problems),
        status: Choices::new("status", "Status", statuses, &problems),
        kind_label: format::kind(kind),
        problems,
        lines,
        more,
    })
}

#[derive(Template)]
#[template(path = "web/staff/submission.html")]
struct SubmissionPage {
    chrome: Chrome,
    problems: Problems,
    done: bool,
    id: String,
    conference: String,
    conference_id: String,
    kind: String,
    kind_value: &'static str,
    reference: String,
    title: Option<String>,
    body: String,
    words: String,
    organisation: String,
    received: String,
    late: &'static str,
    status: String,
    status_class: &'static str,
    reason: Option<String>,
    composite_name: Option<String>,
    motion: Option<Line>,
    amendments: Vec<Line>,
    can_accept: bool,
    can_rule_out: bool,
    can_composite: bool,
    reason_input: Input,
    composite_input: Input,
    /// One idempotency key per decision form.
    keys: [String; 3],
}

/// What a decision form holds.
#[derive(Default)]
struct Typed {
    reason: String,
    composite: String,
}

/// A submission, its conference, the motion it amends and its amendments.
struct Loaded {
    s: SubmissionRow,
    conference: crate::conferences::Conference,
    organisation: String,
    motion: Option<Line>,
    amendments: Vec<Line>,
}

async fn load(
    state: &crate::state::AppState,
    session: &SignedIn,
    id: SubmissionId,
) -> Result<Loaded, PageError> {
    let actor = session.actor().clone();
    Ok(state
        .db(move |conn| {
            let s = submissions::get(conn, &actor, &id)?;
            let conference = crate::conferences::ops::get(conn, &s.conference_id)?;
            let organisations = pick::organisations(conn, &actor)?;
            let names = pick::organisation_names(&organisations);
            let name = |o: &crate::ids::OrganisationId| -> String {
                names.get(o).cloned().unwrap_or_default()
            };
            let tz = conference.spec.timezone;
            let motion = match &s.motion_id {
                Some(m) => {
                    let m = submissions::get(conn, &actor, m)?;
                    Some(line(&m, name(&m.organisation_id), tz))
                }
                None => None,
            };
            let amendments = if s.kind == SubmissionKind::Motion {
                let mut rows =
                    submissions::list_amendments(conn, &actor, &s.id, None, None, PAGE, None)?;
                rows.truncate(PAGE as usize);
                rows.reverse();
                rows.iter()
                    .map(|a| line(a, name(&a.organisation_id), tz))
                    .collect()
            } else {
                Vec::new()
            };
            Ok(Loaded {
                organisation: name(&s.organisation_id),
                s,
                conference,
                motion,
                amendments,
            })
        })
        .await?)
}

fn page(
    session: &SignedIn,
    l: &Loaded,
    t: &Typed,
    problems: Problems,
    done: bool,
) -> SubmissionPage {
    let s = &l.s;
    let heading = format!("{} {}", format::kind(s.kind), s.reference);
    let title = if problems.is_empty() {
        heading
    } else {
        format!("Error: {heading}")
    };
    let open = matches!(s.status, SubmissionStatus::Submitted);
    let accepted = s.status == SubmissionStatus::Accepted;
    SubmissionPage {
        chrome: Chrome::signed_in(&title, session),
        done,
        id: s.id.to_string(),
        conference: l.conference.spec.name.clone(),
        conference_id: l.conference.id.to_string(),
        kind: format::kind(s.kind),
        kind_value: s.kind.as_str(),
        reference: s.reference.clone(),
        title: s
            .title
            .clone()
            .or_else(|| s.candidate_name.clone())
            .or_else(|| s.nominee_name.clone()),
        body: s.body.clone(),
        words: format::words(usize::try_from(s.word_count).unwrap_or(0)),
        organisation: l.organisation.clone(),
        received: format::instant(s.created_at.and_utc(), l.conference.spec.timezone),
        late: timeliness(s.timeliness),
        status: format::status(s.status),
        status_class: status_class(s.status),
        reason: s.status_reason.clone(),
        composite_name: s.composite.clone(),
        motion: l.motion.clone(),
        amendments: l.amendments.clone(),
        can_accept: open,
        can_rule_out: open,
        can_composite: (open || accepted) && s.kind == SubmissionKind::Motion,
        reason_input: Input::new("reason", "Reason", &t.reason, &problems)
            .hint("Sent to the organisation with the ruling."),
        composite_input: Input::new("composite", "Composite name", &t.composite, &problems)
            .hint("For example, Composite 3: Public transport."),
        problems,
        keys: [
            new_idempotency_key(),
            new_idempotency_key(),
            new_idempotency_key(),
        ],
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    done: Option<String>,
}

async fn show(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let l = load(&state, &session, id.into_inner().into()).await?;
    render(&page(
        &session,
        &l,
        &Typed::default(),
        Problems::default(),
        query.done.is_some(),
    ))
}

async fn review(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let submission_id = SubmissionId::from(id.into_inner());
    let l = load(&state, &session, submission_id.clone()).await?;
    let t = Typed {
        reason: form.get("reason").to_owned(),
        composite: form.get("composite").to_owned(),
    };
    let status = match form.get("decision") {
        "accepted" => SubmissionStatus::Accepted,
        "ruled_out" => SubmissionStatus::RuledOut,
        "composited" => SubmissionStatus::Composited,
        _ => return Err(PageError::BadForm),
    };
    let mut problems = Problems::default();
    let reason = match (status, t.reason.trim()) {
        (SubmissionStatus::RuledOut, "") => {
            problems.field("reason", "Enter the reason it is ruled out of order");
            None
        }
        (SubmissionStatus::RuledOut, r) => match values::line(r, REASON_MAX_CHARS) {
            Ok(r) => Some(r),
            Err(m) => {
                problems.field("reason", format!("Reason {m}"));
                None
            }
        },
        _ => None,
    };
    let composite = match (status, t.composite.trim()) {
        (SubmissionStatus::Composited, "") => {
            problems.field("composite", "Enter the composite's name");
            None
        }
        (SubmissionStatus::Composited, c) => match values::line(c, LINE_MAX_CHARS) {
            Ok(c) => Some(c),
            Err(m) => {
                problems.field("composite", format!("Composite name {m}"));
                None
            }
        },
        _ => None,
    };
    if !problems.is_empty() {
        return render_refused(&page(&session, &l, &t, problems, false));
    }
    let decision = match Decision::new(status, reason, composite) {
        Ok(d) => d,
        Err((field, message)) => {
            problems.field(field, sentence(message));
            return render_refused(&page(&session, &l, &t, problems, false));
        }
    };
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || Review {
        submission_id: submission_id.clone(),
        decision: decision.clone(),
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/submissions/{submission_id}?done=1"
        ))),
        Err(Error::Conflict(m)) => {
            problems.general(sentence(&m));
            render_refused(&page(&session, &l, &t, problems, false))
        }
        Err(e) => Err(e.into()),
    }
}
